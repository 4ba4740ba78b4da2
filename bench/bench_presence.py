"""Presence and calendar checks: what they add to a fan-out of 2,000 personal nudges.

The scheduler does not call these yet (the wiring lands with the scheduler split), so this
measures the pieces in-process, each against a baseline measured in the same run:

1. **Slack prefetch** of 2,000 people through ``CachedPresence`` + ``SlackPresence`` against
   the fake Slack with Slack's rate tiers enforced (``tier_limits``): wall time, Web API
   calls, 429s (must be 0), and how many people got a real answer within the first minute's
   tiers (the rest are UNKNOWN, which delivers).
2. **Per-nudge cost at send time**: 2,000 cached ``status()`` lookups plus ``decide()`` per
   nudge, against a baseline of 2,000 bare awaits. The extra time, if it were all spent
   serially on the event loop during the fan-out, is projected onto Discord's floor for
   2,000 DMs (40 s at 50 requests/s): the ratio must stay under 1.05x.
3. **Calendar parsing**: a 2 MB feed (the size limit) parsed and expanded once (what each
   person's 15-minute refresh costs, in a worker thread), and a cached ``view()`` lookup.

    /work/venvs/<branch>/bin/python -m bench.bench_presence [--people 2000]
"""

from __future__ import annotations

import argparse
import asyncio
import time
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from bench.harness import median, verdict
from bot.adapters.slack.presence import TIERS, SlackPresence, presence_client
from bot.core.clock import FakeClock
from bot.meetings.calendar import busy_intervals
from bot.meetings.feeds import CalendarFeeds
from bot.meetings.policy import WorkingHours, decide
from bot.meetings.presence import CachedPresence, Presence
from tests.fakes.slack import BOT_TOKEN, FakeSlack

NOW = datetime(2027, 3, 29, 10, tzinfo=UTC)
TEAM = "T0FAKE"
FLOOR_SECONDS_PER_DM = 1 / 50  # Discord: 50 requests per second


def big_feed(target_bytes: int) -> bytes:
    """A calendar just under ``target_bytes``: weekly series plus one-off meetings."""
    head = "BEGIN:VCALENDAR\nVERSION:2.0\nPRODID:-//bench//EN\nX-WR-CALNAME:a@example.com\n"
    parts = [head]
    size = len(head)
    i = 0
    while size < target_bytes - 400:
        day = 1 + i % 28
        hour = 8 + i % 9
        rule = "RRULE:FREQ=WEEKLY\n" if i % 10 == 0 else ""
        event = (f"BEGIN:VEVENT\nUID:e{i}\nDTSTAMP:20270301T000000Z\nSUMMARY:Meeting {i}\n"
                 f"DTSTART:202703{day:02d}T{hour:02d}0000Z\nDTEND:202703{day:02d}T{hour:02d}3000Z\n"
                 f"{rule}ATTENDEE;PARTSTAT=ACCEPTED:mailto:a@example.com\nEND:VEVENT\n")
        parts.append(event)
        size += len(event)
        i += 1
    parts.append("END:VCALENDAR\n")
    return "".join(parts).encode()


class StaticFetch:
    def __init__(self, data: bytes) -> None:
        self.data = data

    async def fetch(self, raw_url: str) -> bytes:
        return self.data


async def slack_prefetch(people: int) -> CachedPresence:
    clock = FakeClock(NOW)
    fake = await FakeSlack(clock=clock, tier_limits=dict(TIERS)).start()
    for i in range(people):
        fake.users[f"U{i}"] = {"name": f"p{i}"}
    try:
        presence = CachedPresence(
            SlackPresence(presence_client(BOT_TOKEN, base_url=fake.base_url), clock), clock)
        ids = [f"U{i}" for i in range(people)]
        started = time.perf_counter()
        await presence.prefetch(TEAM, ids)
        took = time.perf_counter() - started
        answered = sum(1 for u in ids
                       if (presence.cached(TEAM, u) or Presence.unknown()).state != "unknown")
        calls = len(fake.calls)
        print(f"Slack prefetch of {people:,} people: {took * 1000:.0f} ms wall, {calls} Web API "
              f"calls, {fake.tier_refusals} 429s, {answered:,} with a full or partial answer "
              f"in the first minute (the rest UNKNOWN = delivered)")
        print(f"  tiers respected: {verdict(fake.tier_refusals == 0)}")
        return presence
    finally:
        await fake.stop()


async def per_nudge_cost(presence: CachedPresence, people: int, rounds: int) -> None:
    hours = WorkingHours(datetime.min.time(), datetime.max.time(), frozenset(range(7)),
                         ZoneInfo("Europe/London"))
    ids = [f"U{i}" for i in range(people)]

    async def bare(_: str) -> None:
        await asyncio.sleep(0)

    async def checked(user: str) -> None:
        state = await presence.status(TEAM, user)
        decide(slot=NOW, now=NOW, grace=timedelta(minutes=10), presence=state, hours=hours,
               next_slot=NOW + timedelta(hours=1))
        await asyncio.sleep(0)

    base, extra = [], []
    for _ in range(rounds):
        for fn, out in ((bare, base), (checked, extra)):
            started = time.perf_counter()
            for user in ids:
                await fn(user)
            out.append(time.perf_counter() - started)
    added = max(0.0, median(extra) - median(base))
    floor = people * FLOOR_SECONDS_PER_DM
    ratio = (floor + added) / floor
    print(f"Per nudge at send time ({people:,}, median of {rounds}): baseline "
          f"{median(base) * 1000:.1f} ms, with cached presence + decide "
          f"{median(extra) * 1000:.1f} ms; added {added * 1000:.1f} ms "
          f"= {added / people * 1e6:.1f} µs per nudge")
    print(f"  projected onto the {floor:.0f} s floor for {people:,} DMs even if serial: "
          f"{ratio:.4f}x (target <= 1.05x): {verdict(ratio <= 1.05)}")


async def calendar_cost(rounds: int) -> None:
    data = big_feed(2 * 1024 * 1024 - 1024)
    tz = ZoneInfo("Europe/London")
    parse = []
    for _ in range(rounds):
        started = time.perf_counter()
        busy_intervals(data, start=NOW - timedelta(days=1), end=NOW + timedelta(days=2),
                       tz=tz)
        parse.append(time.perf_counter() - started)
    clock = FakeClock(NOW)
    feeds = CalendarFeeds(StaticFetch(data), clock)
    await feeds.view("p", "https://example.com/a.ics", tz)
    hits = []
    for _ in range(rounds):
        started = time.perf_counter()
        for _ in range(2000):
            await feeds.view("p", "https://example.com/a.ics", tz)
        hits.append(time.perf_counter() - started)
    print(f"Calendar: a {len(data) / 1e6:.2f} MB feed parses and expands in "
          f"{median(parse) * 1000:.0f} ms (median of {rounds}; in a worker thread, once per "
          f"person per 15 min); a cached view costs {median(hits) / 2000 * 1e6:.1f} µs")


async def main(people: int, rounds: int) -> None:
    presence = await slack_prefetch(people)
    await per_nudge_cost(presence, people, rounds)
    await calendar_cost(rounds)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--people", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    asyncio.run(main(args.people, args.rounds))
