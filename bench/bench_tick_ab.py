"""The store's side of a tick, this checkout against another one, on ONE seeded database.

``bench_tick_db`` reports absolute seconds, which move with the machine from one session to
the next by more than a change to the store gains. This runs ``bench_tick_db.store_drain``
(10,000 due, the store's calls alone) from two checkouts in turn, old/new then new/old, on
the same database, each drain in a fresh process of its checkout, and reports the ratio of
each pair: the change's own effect, measured in one run. The other checkout needs
``bench_tick_db.store_drain`` and ``StoreTimer`` (any commit since 2026-12-04).

    git worktree add /tmp/before <rev>
    python -m bench.bench_tick_ab --before /tmp/before                      # SQLite, 100k
    python -m bench.bench_tick_ab --before /tmp/before --database postgres --pairs 6
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from bench.bench_scale import fresh_database
from bench.bench_tick_db import seed
from bench.harness import PG_SERVER_URL, ROOT, median

# Run inside a checkout (its own ``bench`` and ``bot``): one drain, its figures as JSON.
DRAIN = """
import asyncio, json, sys
import bench.bench_tick_db as b
timers = []
create = b.create_store
def timed(*args, **kwargs):
    timers.append(b.StoreTimer(create(*args, **kwargs)))
    return timers[-1]
b.create_store = timed
store, planning, sent, cpu = asyncio.run(b.store_drain(sys.argv[1], int(sys.argv[2])))
calls = {k: v for k, v in timers[-1].seconds.items() if k != "close"}
print(json.dumps({"store": store, "cpu": cpu, "sent": sent, "calls": calls}))
"""


def drain(checkout: Path, url: str, due: int) -> dict[str, Any]:
    done = subprocess.run([sys.executable, "-c", DRAIN, url, str(due)], cwd=checkout,
                          capture_output=True, text=True, check=False, timeout=600,
                          env={**os.environ, "PYTHONPATH": str(checkout)})
    if done.returncode:
        raise RuntimeError(f"the drain in {checkout} failed:\n{done.stderr[-3000:]}")
    figures: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    if figures["sent"] != due:
        raise RuntimeError(f"the drain in {checkout} made {figures['sent']} deliveries")
    return figures


def report(label: str, runs: list[dict[str, Any]]) -> str:
    calls = {name: median([r["calls"].get(name, 0.0) for r in runs]) for name in runs[0]["calls"]}
    slowest = ", ".join(f"{name} {secs * 1e3:.0f} ms"
                        for name, secs in sorted(calls.items(), key=lambda kv: -kv[1]))
    each = ", ".join(f"{r['store']:.2f}" for r in runs)
    return (f"  {label:7s} store {median([r['store'] for r in runs]):.2f}s [{each}], CPU "
            f"{median([r['cpu'] for r in runs]):.2f}s; {slowest}")


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", type=Path, required=True, help="the other checkout")
    parser.add_argument("--size", type=int, default=100_000)
    parser.add_argument("--due", type=int, default=10_000)
    parser.add_argument("--pairs", type=int, default=6)
    parser.add_argument("--database", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--pg-url", default=PG_SERVER_URL)
    args = parser.parse_args()
    sides = {"before": args.before.resolve(), "after": ROOT}
    runs: dict[str, list[dict[str, Any]]] = {label: [] for label in sides}
    with tempfile.TemporaryDirectory(prefix="deskbreak-bench-") as tmp:
        async with fresh_database(args.database, args.pg_url,
                                  Path(tmp) / "tick-ab.sqlite3") as url:
            await seed(url, args.size)
            for pair in range(args.pairs):
                order = ("before", "after") if pair % 2 == 0 else ("after", "before")
                for label in order:
                    runs[label].append(await asyncio.to_thread(drain, sides[label], url,
                                                               args.due))
    ratios = [a["store"] / b["store"] for a, b in zip(runs["after"], runs["before"], strict=True)]
    cpu = [a["cpu"] / b["cpu"] for a, b in zip(runs["after"], runs["before"], strict=True)]
    print(f"{args.database}, {args.size:,} stored, {args.due:,} due, {args.pairs} pairs "
          f"(before: {sides['before']}); load average {os.getloadavg()[0]:.1f}")
    for label, side in runs.items():
        print(report(label, side))
    print(f"  after / before, pair by pair: store {median(ratios):.2f}x "
          f"[{', '.join(f'{r:.2f}' for r in ratios)}], CPU {median(cpu):.2f}x")


if __name__ == "__main__":
    asyncio.run(main())
