"""Lookup: ``/stretch`` resolution and autocomplete over a 1,000-stretch content set.

In-process: this is the pure CPU cost of one call (the latency benchmark covers the trip
through Discord). The baseline, measured in the same run over the same names, is a plain
``dict.get(query.lower())`` and a plain ``str.lower()`` substring scan.

    python -m bench.bench_lookup
"""

from __future__ import annotations

import argparse
import random
import time
from collections.abc import Callable, Sequence

from bench.harness import ROOT, median, percentile, verdict
from bot.core.content.loader import load_library
from bot.core.content.models import Stretch
from bot.core.lookup import StretchIndex

SIDES = ["left", "right", "seated", "standing", "lying", "kneeling", "wall", "desk", "doorway",
         "chair", "supported", "reverse", "half", "deep", "gentle", "active", "dynamic", "band"]
PARTS = ["hip", "neck", "shoulder", "wrist", "hamstring", "calf", "quad", "chest", "spine",
         "glute", "ankle", "forearm", "lat", "trap", "oblique", "groin", "thumb", "jaw"]
MOVES = ["stretch", "twist", "circle", "reach", "fold", "opener", "release", "glide", "lunge",
         "hinge", "roll", "bend", "tilt", "press"]


def content_set(size: int, rng: random.Random) -> list[Stretch]:
    """``size`` stretches: the shipped ones plus generated names built from them."""
    shipped = list(load_library([ROOT / "content"]).stretches)
    out = list(shipped)
    names = {s.name.lower() for s in out}
    while len(out) < size:
        base = rng.choice(shipped)
        name = f"{rng.choice(SIDES)} {rng.choice(PARTS)} {rng.choice(MOVES)}".capitalize()
        if name.lower() in names:
            name = f"{name} {len(out)}"
        names.add(name.lower())
        ident = "-".join(name.lower().split())
        aliases = [f"{name.split()[1]} {name.split()[2]} {len(out)}"]
        out.append(base.model_copy(update={"id": ident, "name": name, "aliases": aliases,
                                           "easier": None}))
    return out


def typo(text: str, rng: random.Random) -> str:
    if len(text) < 4:
        return text
    i = rng.randrange(1, len(text) - 1)
    return text[:i] + text[i + 1] + text[i] + text[i + 2:]


def per_call_us(fn: Callable[[str], object], queries: Sequence[str], rounds: int) -> list[float]:
    """Microseconds per call, one figure per query (best of ``rounds``, to drop scheduler noise)."""
    out = []
    for q in queries:
        best = float("inf")
        for _ in range(rounds):
            start = time.perf_counter()
            fn(q)
            best = min(best, time.perf_counter() - start)
        out.append(best * 1e6)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=1000)
    parser.add_argument("--queries", type=int, default=2000)
    args = parser.parse_args()
    rng = random.Random(7)
    stretches = content_set(args.size, rng)
    built = time.perf_counter()
    index = StretchIndex(stretches)
    build_ms = (time.perf_counter() - built) * 1e3
    names = [s.name for s in stretches]
    lowered = {n.lower(): n for n in names}

    picks = [rng.choice(names) for _ in range(args.queries)]
    kinds: dict[str, list[str]] = {
        "exact name": picks,
        "typo (fuzzy path)": [typo(n, rng) for n in picks],
        "unknown word": [f"zz{rng.randrange(10**6)}" for _ in picks],
    }
    prefixes = [n.lower()[: rng.randint(1, 8)] for n in picks]

    def dict_get(q: str) -> object:
        return lowered.get(q.lower())

    def lower_scan(q: str) -> object:
        q = q.lower()
        return [n for n in names if q in n.lower()][:25]

    base_get = median(per_call_us(dict_get, picks, 3))
    base_scan = median(per_call_us(lower_scan, prefixes, 3))
    print(f"lookup over {len(stretches)} stretches (index built in {build_ms:.0f} ms)")
    print(f"  baseline dict.get(q.lower())        median {base_get:7.2f} us")
    print(f"  baseline str.lower() substring scan median {base_scan:7.2f} us")
    worst = 0.0
    for label, queries in kinds.items():
        times = per_call_us(index.resolve, queries, 3)
        p99 = percentile(times, 99)
        worst = max(worst, p99)
        print(f"  resolve {label:20s} median {median(times):7.1f} us  p99 {p99:7.1f} us  "
              f"max {max(times):7.1f} us  ({median(times) / base_get:5.0f}x dict.get)")
    times = per_call_us(index.autocomplete, prefixes, 3)
    p99 = percentile(times, 99)
    worst = max(worst, p99)
    print(f"  autocomplete 1-8 typed chars     median {median(times):7.1f} us  p99 {p99:7.1f} us"
          f"  max {max(times):7.1f} us  ({median(times) / base_scan:5.2f}x lower() scan)")
    typos = [typo(p, rng) if len(p) >= 4 else p for p in prefixes]
    times = per_call_us(index.autocomplete, typos, 3)
    p99 = percentile(times, 99)
    worst = max(worst, p99)
    print(f"  autocomplete with a typo         median {median(times):7.1f} us  p99 {p99:7.1f} us"
          f"  max {max(times):7.1f} us  ({median(times) / base_scan:5.2f}x lower() scan)")
    print(f"  worst p99 {worst / 1000:.3f} ms per call  [{verdict(worst < 1000)} < 1 ms]")


if __name__ == "__main__":
    main()
