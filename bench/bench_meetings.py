"""Fan-out with meeting checks on: 2,000 personal DMs due at once, each passing the gate.

The real bot process against the fake Discord with Discord's limits (as bench_fanout), DM
channels known ("warm"), run in interleaved pairs in the same session:

* **off**: the plain fan-out (DESKBREAK_DISCORD_PRESENCE unset, nobody has a calendar): what
  the platform allows, the baseline;
* **on**: DESKBREAK_DISCORD_PRESENCE=1 (the presences + members intents, granted by the
  fake), every recipient a member of the bot's server whose presence arrives with
  GUILD_CREATE, and ``--calendars`` of them with a calendar feed on a local ICS server
  (DESKBREAK_CALENDAR_ALLOW_LOOPBACK=1, the test-only allowance). Everyone is free, so
  ``--busy`` of them (1 %) on Do Not Disturb, whose nudges must be held (proof that the
  checks ran); everyone else is free, so what is measured is what the checks cost the
  fan-out of the others.

Each run reports wall time (due -> last delivery) against the floor (requests / 50 per
second); the target is ``on`` within 1.05x of the floor. 429s, lost and duplicated DMs must
be 0, and (on) exactly the busy people's nudges held.

    python -m bench.bench_meetings                       # 2,000 DMs, 200 calendars, 2 pairs
    python -m bench.bench_meetings --reminders 300 --pairs 1   # quick look
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from aiohttp import web

from bench.harness import (
    bulk_insert,
    clear_of_the_hour,
    median,
    new_store,
    reminder_row,
    set_all_due,
    spawn_bot,
    start_fake,
    utcnow,
    verdict,
)
from bot.adapters.discord.kv import NAMESPACE
from bot.meetings.secrets import UrlCipher
from bot.storage import tables as t
from bot.storage.records import LedgerStatus

GLOBAL_LIMIT = 50.0
# Seconds between "make everything due" and the due instant. Reminders are known long before
# their slot, and the scheduler checks the people due within the next 45 s ahead of time;
# 20 s lets that happen here, as it does in use (bench_fanout's 3 s would not).
LEAD = 20.0
LONGEST_RUN = 180.0  # from making rows due to the final count
TICK_SECONDS = "1"
SECRET = "bench-web-secret-not-for-production"


@dataclass
class Run:
    mode: str
    reminders: int
    calendars: int
    floor: float
    wall: float
    first_send_lag: float
    too_many: int
    lost: int
    duplicated: int
    held: int
    busy: int
    feed_hits: int
    bot_cpu: float

    @property
    def ratio(self) -> float:
        return self.wall / self.floor

    def line(self) -> str:
        extra = (f", calendars {self.calendars} (feed requests {self.feed_hits})"
                 if self.mode == "on" else "")
        return (f"  {self.mode:>3}: floor {self.floor:.2f}s wall {self.wall:.2f}s = "
                f"{self.ratio:.3f}x; first send {self.first_send_lag:.2f}s after due; "
                f"429s {self.too_many}, lost {self.lost}, duplicated {self.duplicated}, "
                f"held {self.held} of {self.busy} busy{extra}; bot CPU {self.bot_cpu:.1f}s")


def calendar_text(now: datetime) -> str:
    """A feed whose only meeting is tomorrow: its owner is free now."""
    start = (now + timedelta(days=1)).strftime("%Y%m%dT%H%M%SZ")
    end = (now + timedelta(days=1, hours=1)).strftime("%Y%m%dT%H%M%SZ")
    return ("BEGIN:VCALENDAR\nVERSION:2.0\nPRODID:-//bench//EN\nBEGIN:VEVENT\nUID:m1\n"
            f"DTSTAMP:{start}\nDTSTART:{start}\nDTEND:{end}\nSUMMARY:Tomorrow\nEND:VEVENT\n"
            "END:VCALENDAR\n")


async def ics_server(body: str) -> tuple[web.AppRunner, int, list[int]]:
    hits: list[int] = []

    async def feed(_: web.Request) -> web.Response:
        hits.append(1)
        return web.Response(text=body, content_type="text/calendar")

    app = web.Application()
    app.router.add_get("/cal/{person}.ics", feed)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    return runner, runner.addresses[0][1], hits


async def run(mode: str, reminders: int, calendars: int, busy: int, workdir: Path) -> Run:
    on = mode == "on"
    fake = await start_fake(rate_limits=True)
    bot = None
    server, port, hits = await ics_server(calendar_text(utcnow()))
    try:
        guild = fake.add_guild("Meetings")
        # Members of the bot's server: their presence (online) comes with GUILD_CREATE.
        users = [fake.add_member(guild, f"u{i}") for i in range(reminders)]
        busy = busy if on else 0
        for member in guild.members[-busy:] if busy else []:
            member.status = "dnd"  # the last ones: none of them has a calendar
        busy_ids = {m.user_id for m in guild.members[-busy:]} if busy else set()
        store, url = await new_store(workdir / f"meetings-{mode}-{time.time_ns()}.sqlite3")
        now = utcnow()
        await bulk_insert(store, t.reminders,
                          (reminder_row(u.user_id, None, now=now) for u in users))
        await bulk_insert(store, t.kv, (
            {"namespace": NAMESPACE, "key": f"dm:{u.user_id}",
             "value": fake.add_channel_dm(u).channel_id, "updated_at": now} for u in users))
        if on and calendars:
            cipher = UrlCipher(SECRET)
            await bulk_insert(store, t.meeting_calendars, (
                {"platform": "discord", "workspace_id": "@me", "user_id": u.user_id,
                 "url_sealed": cipher.seal(f"http://127.0.0.1:{port}/cal/{i}.ics"),
                 "good_at": None, "failing_since": None, "notified": False,
                 "created_at": now, "updated_at": now}
                for i, u in enumerate(users[:calendars])))
        env = {"DESKBREAK_TICK_SECONDS": TICK_SECONDS, "DESKBREAK_WEB_SECRET": SECRET,
               "DESKBREAK_WEB_PORT": "0"}
        if on:
            env |= {"DESKBREAK_DISCORD_PRESENCE": "1",
                    "DESKBREAK_CALENDAR_ALLOW_LOOPBACK": "1"}
        bot = await spawn_bot(fake, url, **env)
        await bot.wait_ready(120)
        await asyncio.sleep(1.0)  # let start-up traffic age out of the rate window
        assert fake.ratelimiter is not None
        violations_before = fake.ratelimiter.violations
        cpu_before = bot.cpu_seconds()
        await clear_of_the_hour(LONGEST_RUN)
        due = (utcnow() + timedelta(seconds=LEAD)).replace(microsecond=0)
        due_mono = time.monotonic() + (due - utcnow()).total_seconds()
        await set_all_due(store, due)
        expected = reminders - busy
        floor = expected / GLOBAL_LIMIT
        deadline = due_mono + floor * 2 + 30
        first_at: float | None = None
        last_at = time.monotonic()
        delivered = 0
        while time.monotonic() < deadline:
            await asyncio.sleep(0.01)
            total = sum(len(v) for v in fake.messages.values())
            if total and first_at is None:
                first_at = time.monotonic()
            if total != delivered:
                delivered, last_at = total, time.monotonic()
            if total >= expected:
                break
        await asyncio.sleep(3.0)  # a late duplicate would show up here
        cpu = bot.cpu_seconds() - cpu_before
        counts = [len(fake.messages.get(fake.add_channel_dm(u).channel_id, [])) for u in users
                  if u.user_id not in busy_ids]
        held = len([d for d in await store.list_deliveries()
                    if d.status in (LedgerStatus.HELD, LedgerStatus.SKIPPED)
                    and d.target_id in busy_ids])
        held_wrongly = len([d for d in await store.list_deliveries()
                            if d.status is not LedgerStatus.SENT
                            and d.target_id not in busy_ids])
        await store.close()
        return Run(mode, reminders, calendars if on else 0, floor, last_at - due_mono,
                   (first_at or last_at) - due_mono,
                   fake.ratelimiter.violations - violations_before,
                   sum(1 for n in counts if n == 0) + held_wrongly,
                   sum(n - 1 for n in counts if n > 1), held, busy, len(hits), cpu)
    finally:
        if bot is not None:
            await bot.stop()
        await fake.close()
        await server.cleanup()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reminders", type=int, default=2000)
    parser.add_argument("--calendars", type=int, default=200)
    parser.add_argument("--busy", type=int, default=20)
    parser.add_argument("--pairs", type=int, default=2)
    args = parser.parse_args()
    print(f"{args.reminders} DMs due at once; meeting checks off vs on, "
          f"{args.pairs} interleaved pair(s)", flush=True)
    runs: list[Run] = []
    with tempfile.TemporaryDirectory(prefix="deskbreak-bench-") as tmp:
        for _ in range(args.pairs):
            for mode in ("off", "on"):
                result = await run(mode, args.reminders, args.calendars, args.busy, Path(tmp))
                runs.append(result)
                print(result.line(), flush=True)
    on = [r for r in runs if r.mode == "on"]
    off = [r for r in runs if r.mode == "off"]
    worst = max(r.ratio for r in on)
    clean = all(r.too_many == r.lost == r.duplicated == 0 and r.held == r.busy for r in runs)
    print(f"on: median {median([r.ratio for r in on]):.3f}x the floor, worst {worst:.3f}x "
          f"[{verdict(worst <= 1.05)} <= 1.05x]; off: median "
          f"{median([r.ratio for r in off]):.3f}x; 0 429s / lost / duplicated, and exactly "
          f"the busy held [{verdict(clean)}]")


if __name__ == "__main__":
    asyncio.run(main())
