"""Fan-out: N personal reminders and M channel schedules due in the same instant.

Runs the real bot process against the fake Discord with Discord's limits (global 50/s, 5 per
5 s per channel) and reports wall time against the floor (requests needed / 50 per second),
429s handed out, deliveries lost and duplicated.

    python -m bench.bench_fanout                      # 2,000 + 200, both modes
    python -m bench.bench_fanout --dm cold            # DM channels unknown
    python -m bench.bench_fanout --reminders 200 --schedules 20   # quick look

``--dm warm``: every person's DM channel was created when they opted in (``/remind on``), so
the due minute needs one request per delivery. ``--dm cold``: nobody's DM channel is known yet,
so each DM also costs one ``POST /users/@me/channels`` (counted in the floor).
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from bench.harness import (
    bulk_insert,
    clear_of_the_hour,
    new_store,
    reminder_row,
    schedule_row,
    set_all_due,
    spawn_bot,
    start_fake,
    utcnow,
    verdict,
)
from bot.adapters.discord.kv import NAMESPACE
from bot.storage import tables as t
from tests.fakes.discord import FakeDiscord

GLOBAL_LIMIT = 50.0
LEAD = 2.0  # seconds between "make everything due" and the due instant
LONGEST_RUN = 300.0  # from making rows due to the final count, cold DMs included
TICK_SECONDS = "1"


@dataclass
class Figures:
    mode: str
    reminders: int
    schedules: int
    requests_needed: int
    requests_seen: int
    floor: float
    wall: float
    first_send_lag: float
    drain: float
    too_many: int
    lost: int
    duplicated: int
    bot_cpu: float

    @property
    def ratio(self) -> float:
        return self.wall / self.floor

    def lines(self) -> list[str]:
        return [
            f"fan-out ({self.mode} DM channels): {self.reminders} reminders + "
            f"{self.schedules} schedules due at once",
            f"  requests needed {self.requests_needed}, seen by Discord {self.requests_seen}",
            f"  floor {self.floor:.2f}s  wall (due -> last delivery) {self.wall:.2f}s  "
            f"ratio {self.ratio:.3f}x  [{verdict(self.ratio <= 1.05)} <= 1.05x]",
            f"  first send {self.first_send_lag:.2f}s after due; first -> last "
            f"{self.drain:.2f}s ({(self.requests_needed - 1) / max(self.drain, 1e-9):.1f} req/s)",
            f"  429s {self.too_many} [{verdict(self.too_many == 0)}]  lost {self.lost} "
            f"[{verdict(self.lost == 0)}]  duplicated {self.duplicated} "
            f"[{verdict(self.duplicated == 0)}]",
            f"  bot CPU {self.bot_cpu:.1f}s",
        ]


def count_messages(fake: FakeDiscord, channel_ids: list[str]) -> int:
    return sum(1 for cid in channel_ids if fake.messages.get(cid))


async def run(reminders: int, schedules: int, mode: str, workdir: Path,
              timeout_factor: float) -> Figures:
    fake = await start_fake(rate_limits=True)
    bot = None
    try:
        guild = fake.add_guild("Fan-out")
        channels = [fake.add_channel(guild, f"c{i}") for i in range(schedules)]
        users = [fake.add_user(f"u{i}") for i in range(reminders)]
        store, url = await new_store(workdir / f"fanout-{mode}.sqlite3")
        now = utcnow()
        await bulk_insert(store, t.reminders,
                          (reminder_row(u.user_id, None, now=now) for u in users))
        await bulk_insert(store, t.schedules,
                          (schedule_row(guild.guild_id, c.channel_id, None, now=now)
                           for c in channels))
        if mode == "warm":
            # What /remind on leaves behind: the person's DM channel, created and remembered.
            await bulk_insert(store, t.kv, (
                {"namespace": NAMESPACE, "key": f"dm:{u.user_id}",
                 "value": fake.add_channel_dm(u).channel_id, "updated_at": now}
                for u in users))
        bot = await spawn_bot(fake, url, DESKBREAK_TICK_SECONDS=TICK_SECONDS)
        await bot.wait_ready(60)
        await asyncio.sleep(1.0)  # let start-up traffic (command sync) age out of the window
        assert fake.ratelimiter is not None
        requests_before = fake.ratelimiter.requests
        violations_before = fake.ratelimiter.violations
        cpu_before = bot.cpu_seconds()
        # Slots fall on whole minutes in real use; a whole second is as aligned as the
        # 1-second tick of this benchmark can tell apart.
        await clear_of_the_hour(LONGEST_RUN)
        due = (utcnow() + timedelta(seconds=LEAD)).replace(microsecond=0)
        due_mono = time.monotonic() + (due - utcnow()).total_seconds()
        await set_all_due(store, due)

        dm_creates_needed = reminders if mode == "cold" else 0
        needed = reminders + schedules + dm_creates_needed
        floor = needed / GLOBAL_LIMIT
        expected = reminders + schedules
        deadline = due_mono + floor * timeout_factor + 30
        first_at: float | None = None
        last_at = time.monotonic()
        delivered = 0
        while time.monotonic() < deadline:
            await asyncio.sleep(0.01)
            total = sum(len(v) for v in fake.messages.values())
            if total and first_at is None:
                first_at = time.monotonic()
            if total != delivered:
                delivered = total
                last_at = time.monotonic()
            if total >= expected:
                break
        await asyncio.sleep(3.0)  # a late duplicate would show up here
        cpu = bot.cpu_seconds() - cpu_before

        per_target: list[int] = [len(fake.messages.get(c.channel_id, [])) for c in channels]
        for u in users:
            dm = fake.dm_channel_of(u.user_id) if mode == "cold" else None
            if mode == "warm":
                dm = fake.add_channel_dm(u)  # already exists: returns it
            per_target.append(len(fake.messages.get(dm.channel_id, [])) if dm else 0)
        await store.close()
        return Figures(
            mode=mode, reminders=reminders, schedules=schedules, requests_needed=needed,
            requests_seen=fake.ratelimiter.requests - requests_before, floor=floor,
            wall=last_at - due_mono,
            first_send_lag=(first_at or last_at) - due_mono,
            drain=last_at - (first_at or last_at),
            too_many=fake.ratelimiter.violations - violations_before,
            lost=sum(1 for n in per_target if n == 0),
            duplicated=sum(n - 1 for n in per_target if n > 1), bot_cpu=cpu,
        )
    finally:
        if bot is not None:
            await bot.stop()
        await fake.close()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reminders", type=int, default=2000)
    parser.add_argument("--schedules", type=int, default=200)
    parser.add_argument("--dm", choices=["warm", "cold", "both"], default="both")
    parser.add_argument("--timeout-factor", type=float, default=2.0,
                        help="give up after floor x this + 30 s")
    args = parser.parse_args()
    modes = ["warm", "cold"] if args.dm == "both" else [args.dm]
    with tempfile.TemporaryDirectory(prefix="deskbreak-bench-") as tmp:
        for mode in modes:
            figures = await run(args.reminders, args.schedules, mode, Path(tmp),
                                args.timeout_factor)
            print("\n".join(figures.lines()), flush=True)


if __name__ == "__main__":
    asyncio.run(main())
