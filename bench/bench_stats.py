"""Stats: /mystats and /teamstats with a million events stored (issue 13's targets).

In-process, on the real StatsCommands facade and a real database (SQLite by default,
``--database postgres`` for a throwaway PostgreSQL database). One workspace holds 10,000
people and ``--events`` events (default 1,000,000) spread over a year of working days: Done,
Snooze and DM nudges per person, plus channel posts of 20 schedules. One of the people is
"me", with a full year of their own (about 3,000 events).

Figures, each the median of ``--repeat`` runs, in the same run:

- baseline: the same /mystats query on a database holding only "me"'s own events, so the
  ratio says what the other million cost;
- /mystats query (year), chart alone (year), /mystats whole answer;
- /teamstats week, month and year, whole answers including the chart.

    python -m bench.bench_stats [--events 1000000] [--repeat 7] [--database postgres]
                                [--periods week month year]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import secrets
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from bench.harness import PG_SERVER_URL
from bot.core.clock import FakeClock
from bot.core.events import BreakEvent, EventKind
from bot.core.ports import Actor, Platform
from bot.pictures import charts
from bot.scheduling.stats import PERIODS, StatsCommands
from bot.storage import Store, create_store
from bot.storage.stats import StatsEvents, TeamDay, TeamPeople

NOW = datetime(2027, 12, 3, 17, 0, tzinfo=UTC)  # a Friday evening
WS = "W1"
ME = Actor(Platform.SLACK, WS, "me", is_admin=True)
PEOPLE = 10_000
SCHEDULES = 20
UTC_ZONE = ZoneInfo("UTC")  # the bench workspace's zone (a new workspace's default)
COLUMNS = ("platform", "workspace_id", "user_id", "kind", "schedule_id", "source", "reason",
           "at")


def working_days() -> list[datetime]:
    days = []
    day = NOW.replace(hour=0, minute=0, second=0, microsecond=0) - timedelta(days=364)
    while day <= NOW:
        if day.weekday() < 5:
            days.append(day)
        day += timedelta(days=1)
    return days


def my_events() -> Iterator[tuple[Any, ...]]:
    """A year of one person's breaks: 8 DM nudges a working day, 5 Done, a snooze."""
    rnd = random.Random(1)
    for day in working_days():
        for hour in range(9, 17):
            at = day + timedelta(hours=hour)
            yield ("slack", WS, "me", "nudged", None, "reminder", "", at)
            if rnd.random() < 0.6:
                yield ("slack", WS, "me", "done", None, "nudge", "", at + timedelta(minutes=3))
        yield ("slack", WS, "me", "snoozed", None, "nudge", "", day + timedelta(hours=13))


def everyone_events(count: int) -> Iterator[tuple[Any, ...]]:
    """``count`` events of 10,000 people and 20 channel schedules over the same year."""
    rnd = random.Random(2)
    days = working_days()
    for i in range(count):
        day = days[i % len(days)]
        at = day + timedelta(hours=9, seconds=rnd.randrange(8 * 3600))
        kind = rnd.random()
        if kind < 0.05:
            yield ("slack", WS, None, "nudged", rnd.randrange(1, SCHEDULES + 1), "schedule", "",
                   at)
        elif kind < 0.55:
            schedule = rnd.randrange(1, SCHEDULES + 1) if rnd.random() < 0.5 else None
            yield ("slack", WS, f"U{rnd.randrange(PEOPLE):05d}", "done", schedule, "nudge", "",
                   at)
        elif kind < 0.65:
            yield ("slack", WS, f"U{rnd.randrange(PEOPLE):05d}", "snoozed", None, "nudge", "",
                   at)
        else:
            yield ("slack", WS, f"U{rnd.randrange(PEOPLE):05d}", "nudged", None, "reminder", "",
                   at)


def _sqlite_row(row: tuple[Any, ...]) -> tuple[Any, ...]:
    at: datetime = row[-1]
    return (*row[:-1], at.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f"))


async def seed(store: Store, rows: Iterator[tuple[Any, ...]]) -> int:
    """Bulk-load rows: sqlite3 executemany on the file, COPY on PostgreSQL."""
    if store.dialect == "sqlite":
        path = store.engine.url.database
        assert path
        with sqlite3.connect(path) as conn:
            cur = conn.executemany(
                f"INSERT INTO stats_events ({', '.join(COLUMNS)}) VALUES "
                f"({', '.join('?' * len(COLUMNS))})", (_sqlite_row(r) for r in rows))
            return cur.rowcount
    import asyncpg

    url = store.engine.url.set(drivername="postgresql")
    conn = await asyncpg.connect(url.render_as_string(hide_password=False))
    try:
        records = list(rows)
        await conn.copy_records_to_table("stats_events", records=records, columns=COLUMNS)
        await conn.execute("ANALYZE stats_events")
        return len(records)
    finally:
        await conn.close()


async def open_store(
    kind: str, folder: Path, name: str
) -> tuple[Store, Callable[[], Awaitable[None]]]:
    clock = FakeClock(NOW)
    if kind == "sqlite":
        store = create_store(f"sqlite+aiosqlite:///{folder / name}.sqlite3", clock=clock)
        await store.migrate()
        return store, store.close
    server = sa.make_url(PG_SERVER_URL)
    db = f"deskbreak_bench_{secrets.token_hex(4)}"
    admin = create_store(server.set(drivername="postgresql+asyncpg").render_as_string(
        hide_password=False))
    async with admin.engine.connect() as conn:
        await conn.execution_options(isolation_level="AUTOCOMMIT")
        await conn.execute(sa.text(f'CREATE DATABASE "{db}"'))
    url = server.set(drivername="postgresql+asyncpg", database=db)
    store = create_store(url.render_as_string(hide_password=False), clock=clock)
    await store.migrate()

    async def close() -> None:
        await store.close()
        async with admin.engine.connect() as conn:
            await conn.execution_options(isolation_level="AUTOCOMMIT")
            await conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)'))
        await admin.close()

    return store, close


async def scan_team(stats: StatsCommands, period: str) -> tuple[object, ...]:
    """The /teamstats figures by scanning the period's events (what it did before the
    rollup, and still does while one is being built)."""
    days, start, end = stats._window(UTC_ZONE, PERIODS[period])  # noqa: SLF001
    per_day = await stats.events.team_days("slack", WS, UTC_ZONE, start, end,
                                           by_schedule=False)
    people = await stats.events.team_schedules("slack", WS, start, end)
    return _figures(per_day, people)


async def rolled_team(stats: StatsCommands, period: str) -> tuple[object, ...]:
    _, _, per_day, people = await stats.team(ME, period)
    return _figures(per_day, people)


def _figures(per_day: list[TeamDay], people: TeamPeople) -> tuple[object, ...]:
    return (sorted((d.day, d.nudged, d.done, d.people) for d in per_day),
            people.total, dict(sorted(people.by_schedule.items(), key=str)),
            dict(sorted(people.counts.items(), key=str)))


async def timed(work: Callable[[], Awaitable[object]], repeat: int) -> list[float]:
    await work()  # warm: imports, caches, the first chart's font loading
    out = []
    for _ in range(repeat):
        start = time.perf_counter()
        await work()
        out.append((time.perf_counter() - start) * 1000)
    return out


def empty_png() -> bytes:
    """The least a chart can cost: an empty house-style figure saved as PNG."""
    from bot.pictures import look

    return look.to_png(look.new_figure(charts.WIDTH, charts.HEIGHT))


def line(name: str, ms: list[float], target: float | None = None,
         baseline: float | None = None) -> str:
    med = statistics.median(ms)
    text = f"{name:<34} median {med:8.1f} ms  max {max(ms):8.1f} ms"
    if baseline:
        text += f"  = {med / baseline:6.2f}x baseline"
    if target is not None:
        text += f"  (target <= {target:.0f} ms: {'yes' if med <= target else 'NO'})"
    return text


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--scan-repeat", type=int, default=1,
                        help="runs of the events-scan baseline (a year takes seconds)")
    parser.add_argument("--database", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--periods", nargs="+", default=["week", "month", "year"],
                        choices=("week", "month", "year"), help="/teamstats periods to time")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        small, close_small = await open_store(args.database, folder, "small")
        big, close_big = await open_store(args.database, folder, "big")
        try:
            mine = await seed(small, my_events())
            start = time.perf_counter()
            total = await seed(big, my_events()) + await seed(big, everyone_events(args.events))
            print(f"{args.database}: seeded {total:,} events ({mine:,} of them 'me') in "
                  f"{time.perf_counter() - start:.1f} s; {PEOPLE:,} people, "
                  f"{SCHEDULES} schedules")
            small_stats = StatsCommands(small, StatsEvents(small), small.clock)
            stats = StatsCommands(big, StatsEvents(big), big.clock)

            base = await timed(lambda: small_stats.person(ME, "year"), args.repeat)
            b = statistics.median(base)
            print(line("baseline: /mystats query, me only", base))
            print(line("/mystats query (year), 1M stored",
                       await timed(lambda: stats.person(ME, "year"), args.repeat), 50, b))
            series = stats.person_series(await stats.person(ME, "year"))
            empty = await timed(lambda: asyncio.to_thread(empty_png), args.repeat)
            print(line("baseline: empty figure to PNG", empty))
            print(line("/mystats chart alone (year)",
                       await timed(lambda: stats.chart(series), args.repeat), 300,
                       statistics.median(empty)))
            print(line("/mystats whole answer (year)",
                       await timed(lambda: stats.mystats(ME, "year"), args.repeat), 350, b))
            events = stats.events
            start = time.perf_counter()
            assert await events.rollup.build("slack", WS, UTC_ZONE)
            print(f"team rollup built from the events once (a new install or a zone change): "
                  f"{time.perf_counter() - start:.1f} s")
            for period in args.periods:
                scan = await timed(lambda p=period: scan_team(stats, p), args.scan_repeat)
                print(line(f"baseline: events scan, {period}", scan))
                print(line(f"team figures from the rollup, {period}", await timed(
                    lambda p=period: rolled_team(stats, p), args.repeat), None,
                    statistics.median(scan)))
                print(line(f"/teamstats {period}, incl. chart",
                           await timed(lambda p=period: stats.teamstats(ME, p), args.repeat),
                           500, statistics.median(scan)))
                assert await rolled_team(stats, period) == await scan_team(stats, period)
            # What the rollup costs a Done click: recording with it ready vs without one.
            click = BreakEvent(EventKind.DONE, Platform.SLACK, WS, "U00001", NOW, schedule_id=3,
                               source="nudge")
            other = BreakEvent(EventKind.DONE, Platform.SLACK, "W-no-rollup", "U00001", NOW,
                               schedule_id=3, source="nudge")
            plain = await timed(lambda: events.record(other), args.repeat * 5)
            print(line("baseline: record a Done, no rollup", plain))
            print(line("record a Done, rollup kept", await timed(
                lambda: events.record(click), args.repeat * 5), None, statistics.median(plain)))
            message = await stats.teamstats(ME, "month")
            assert message.attachments and "Done clicks" in message.plain_text()
            assert charts.WIDTH == 800
        finally:
            await close_small()
            await close_big()


if __name__ == "__main__":
    asyncio.run(main())
