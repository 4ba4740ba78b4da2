"""Command latency: ``/stretch`` and its autocomplete, INTERACTION_CREATE sent -> callback received.

Both bots run as real processes, each against its own fake Discord (Discord's rate limits on),
at the same time, with requests interleaved one by one so machine drift hits both alike. The
baseline is a bare discord.py bot with one command that answers a constant string
(``bench/bare_bot.py``). Requests go one at a time, so each figure is the bot's own
turnaround, not queueing behind other requests.

    python -m bench.bench_latency              # 1,000 of each
    python -m bench.bench_latency --count 200  # quick look
"""

from __future__ import annotations

import argparse
import asyncio
import random
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from bench.harness import BotProcess, median, new_store, percentile, spawn_bot, start_fake, verdict
from bot.core.content.loader import load_library
from tests.fakes.discord import FakeDiscord
from tests.fakes.discord import payloads as p

ROOT = Path(__file__).resolve().parents[1]
WARMUP = 20
COMMANDS_PER_MEMBER = 4  # well inside the default cooldown burst of 8


@dataclass
class Side:
    """One bot under test with its own fake Discord (so the two never see each other)."""

    label: str
    fake: FakeDiscord
    bot: BotProcess
    members: list[p.Invoker]
    channel: p.FakeChannel
    commands: list[float] = field(default_factory=list)
    completes: list[float] = field(default_factory=list)

    async def once(self, i: int, query: str, prefix: str, record: bool) -> None:
        # Many people, a few commands each: one person sending a thousand would be measuring
        # the per-person cooldown's "one moment, please" instead of /stretch.
        member = self.members[i % len(self.members)]
        payload = self.fake.slash(member, self.channel, "stretch", [p.option("name", query)])
        start = time.perf_counter()
        callback = await self.fake.interact(payload)
        elapsed = (callback.arrived - start) * 1e3  # to the request's arrival, see Callback
        if record:
            self.commands.append(elapsed)
        if self.label != "bare":  # the bare bot answers a constant; deskbreak, the card
            title = callback.data["embeds"][0]["title"]
            assert callback.type == 4 and title == query, (query, callback.body)
        payload = self.fake.autocomplete(member, self.channel, "stretch",
                                         [p.option("name", prefix, focused=True)])
        start = time.perf_counter()
        callback = await self.fake.interact(payload)
        elapsed = (callback.arrived - start) * 1e3
        if record:
            self.completes.append(elapsed)
        assert callback.type == 8, callback.body


async def start_side(label: str, argv: tuple[str, ...] | None, marker: str,
                     workdir: Path, count: int) -> Side:
    """One bot and its own fake, with ``count`` members to spread the commands over."""
    fake = await start_fake(rate_limits=True)
    guild = fake.add_guild("Latency")
    channel = fake.add_channel(guild, "general")
    members = [fake.add_member(guild, f"person-{n}") for n in range(count)]
    store, url = await new_store(workdir / f"latency-{label}.sqlite3")
    await store.close()
    kwargs = {} if argv is None else {"argv": argv}
    bot = await spawn_bot(fake, url, ready_marker=marker, **kwargs)
    await bot.wait_ready(60)
    return Side(label, fake, bot, members, channel)


def line(label: str, values: list[float], base: list[float]) -> tuple[str, bool]:
    med, p99 = median(values), percentile(values, 99)
    bmed, bp99 = median(base), percentile(base, 99)
    ok = med <= 1.1 * bmed and p99 <= 1.1 * bp99
    return (f"  {label:24s} median {med:6.2f} ms ({med / bmed:4.2f}x)  p99 {p99:6.2f} ms "
            f"({p99 / bp99:4.2f}x)  [{verdict(ok)} <= 1.1x]"), ok


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=1000)
    args = parser.parse_args()
    rng = random.Random(3)
    names = [s.name for s in load_library([ROOT / "content"]).stretches]
    sides: list[Side] = []
    with tempfile.TemporaryDirectory(prefix="deskbreak-bench-") as tmp:
        try:
            members = (args.count + WARMUP) // COMMANDS_PER_MEMBER + 1
            base = await start_side("bare", ("bench/bare_bot.py",), "bare bot ready", Path(tmp),
                                    members)
            sides.append(base)
            desk = await start_side("deskbreak", None, "connected to Discord", Path(tmp),
                                    members)
            sides.append(desk)
            await asyncio.sleep(1.0)
            # Interleaved, alternating who goes first: machine drift hits both alike.
            for i in range(args.count + WARMUP):
                query = rng.choice(names)
                prefix = rng.choice(names).lower()[: rng.randint(1, 6)]
                for side in (sides if i % 2 else sides[::-1]):
                    await side.once(i, query, prefix, record=i >= WARMUP)
        finally:
            for side in sides:
                await side.bot.stop()
                await side.fake.close()
    print(f"command latency, {args.count} of each, one at a time, interleaved with the baseline")
    print(f"  baseline /stretch        median {median(base.commands):6.2f} ms  "
          f"p99 {percentile(base.commands, 99):6.2f} ms")
    print(f"  baseline autocomplete    median {median(base.completes):6.2f} ms  "
          f"p99 {percentile(base.completes, 99):6.2f} ms")
    print(line("deskbreak /stretch", desk.commands, base.commands)[0])
    print(line("deskbreak autocomplete", desk.completes, base.completes)[0])


if __name__ == "__main__":
    asyncio.run(main())
