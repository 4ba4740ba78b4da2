"""Team stats' daily rollup (bot/storage/rollup.py) on both backends: it always says what a
scan of the events says (built in chunks, kept current by recording, rebuilt on a zone
change, after /remind forget and retention), and concurrent clicks count a person once."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from bot.core.clock import FakeClock
from bot.core.events import BreakEvent, EventKind
from bot.core.ports import Platform
from bot.storage import Store
from bot.storage import tables as t
from bot.storage.forget import forget_person
from bot.storage.rollup import WORKSPACE, Rollup
from bot.storage.stats import StatsEvents, TeamDay, TeamPeople

BERLIN = ZoneInfo("Europe/Berlin")
TOKYO = ZoneInfo("Asia/Tokyo")
D = Platform.DISCORD
NOW = datetime(2027, 4, 9, 16, 0, tzinfo=UTC)  # a Friday, after Berlin's spring change
PERIODS = (7, 30, 365)


def event(kind: EventKind, user: str | None, at: datetime, schedule: int | None = None,
          ws: str = "g1") -> BreakEvent:
    return BreakEvent(kind, D, ws, user, at, schedule_id=schedule, source="nudge")


def history(seed: int, days: int, end: datetime, *, people: int = 12) -> list[BreakEvent]:
    """Random channel posts, Done clicks (some on schedules), DM nudges and snoozes over
    ``days`` days before ``end``, with evening events that fall on the next Berlin day."""
    rnd = random.Random(seed)
    out = []
    for i in range(days * 12):
        at = end - timedelta(days=days) + timedelta(minutes=rnd.randrange(days * 24 * 60))
        if at > end:
            continue
        pick = rnd.random()
        user = f"u{rnd.randrange(people)}"
        if pick < 0.15:
            out.append(event(EventKind.NUDGED, None, at, rnd.choice((1, 2))))
        elif pick < 0.7:
            out.append(event(EventKind.DONE, user, at, rnd.choice((None, 1, 2))))
        elif pick < 0.8:
            out.append(event(EventKind.SNOOZED, user, at))
        elif pick < 0.95:
            out.append(event(EventKind.NUDGED, user, at))
        else:
            out.append(event(EventKind.DONE, user, at, ws=f"other{i % 2}"))
    return sorted(out, key=lambda e: e.at)


def window(clock: FakeClock, zone: ZoneInfo, days: int) -> tuple[datetime, datetime]:
    today = clock.now().astimezone(zone).date()
    start = datetime.combine(today - timedelta(days=days - 1), time(0), tzinfo=zone)
    return start, datetime.combine(today + timedelta(days=1), time(0), tzinfo=zone)


def shape(per_day: list[TeamDay], people: TeamPeople) -> tuple[object, ...]:
    days = sorted((d.day, d.nudged, d.done, d.people) for d in per_day if d.nudged or d.done)
    return (days, {k: v for k, v in people.by_schedule.items() if v}, people.total,
            {k: v for k, v in people.counts.items() if v != (0, 0)})


async def scanned(events: StatsEvents, zone: ZoneInfo, clock: FakeClock, days: int,
                  ws: str = "g1") -> tuple[object, ...]:
    start, end = window(clock, zone, days)
    return shape(await events.team_days("discord", ws, zone, start, end, by_schedule=False),
                 await events.team_schedules("discord", ws, start, end))


async def rolled(events: StatsEvents, zone: ZoneInfo, clock: FakeClock, days: int,
                 ws: str = "g1") -> tuple[object, ...]:
    assert await events.rollup.ensure("discord", ws, zone) is not None, "rollup not ready"
    start, end = window(clock, zone, days)
    return shape(*await events.team("discord", ws, zone, start, end))


async def assert_same(events: StatsEvents, zone: ZoneInfo, clock: FakeClock,
                      ws: str = "g1") -> None:
    for days in PERIODS:
        assert await rolled(events, zone, clock, days, ws) == \
            await scanned(events, zone, clock, days, ws), f"{days} days"


async def test_a_chunked_build_then_recording_match_the_events_scan(
        store: Store, clock: FakeClock) -> None:
    """Built a week per transaction over 70 days across the DST change, then kept current
    by recording: every period reads exactly what scanning the events gives."""
    clock.set(NOW)
    events = StatsEvents(store)
    events.rollup.chunk_days = 7
    await events.record_many(history(1, 70, NOW))
    assert await events.rollup.state("discord", "g1") is None  # not built yet
    assert await events.rollup.build("discord", "g1", BERLIN)
    await assert_same(events, BERLIN, clock)
    # Recorded after the build: added by the recorder, day rows and people alike.
    clock.set(NOW + timedelta(days=1, hours=3))
    await events.record_many(history(2, 1, clock.now()))
    for e in history(3, 1, clock.now()):
        await events.record(e)
    await assert_same(events, BERLIN, clock)
    start, end = window(clock, BERLIN, 7)
    per_day, _ = await events.team("discord", "g1", BERLIN, start, end)
    assert per_day and all(d.people > 0 for d in per_day if d.done)


async def test_a_build_with_clicks_recorded_meanwhile_counts_each_once(
        store: Store, clock: FakeClock) -> None:
    """Clicks recorded while the build goes chunk by chunk (yielding between them) are
    counted by the build or by their recorder, never both, never neither."""
    clock.set(NOW)
    events = StatsEvents(store)
    events.rollup.chunk_days = 3
    await events.record_many(history(4, 40, NOW - timedelta(hours=1)))
    late = history(5, 1, NOW)[-40:]

    async def click_along() -> None:
        for e in late:
            await events.record(e)
            await asyncio.sleep(0)

    built, _ = await asyncio.gather(events.rollup.build("discord", "g1", BERLIN),
                                    click_along())
    assert built
    await assert_same(events, BERLIN, clock)


async def test_concurrent_clicks_from_two_processes_count_each_person_once_a_day(
        store: Store, clock: FakeClock,
        reopen: Callable[[], Awaitable[Store]]) -> None:
    """Forty Done clicks at once through two stores (two processes' pools) by five people:
    five people that day in the whole workspace and on the schedule (and five whose latest
    break it is), forty breaks."""
    clock.set(NOW)
    events = StatsEvents(store)
    assert await events.rollup.build("discord", "g1", BERLIN)
    other = await reopen()
    try:
        twin = StatsEvents(other)
        at = NOW - timedelta(minutes=5)
        await asyncio.gather(*(
            (events if i % 2 else twin).record(event(EventKind.DONE, f"u{i % 5}", at, 3))
            for i in range(40)))
    finally:
        await other.close()
    async with store.engine.connect() as conn:
        rows = (await conn.execute(sa.select(t.stats_days.c.schedule_key, t.stats_days.c.done,
                                             t.stats_days.c.people, t.stats_days.c.lasts))).all()
    assert sorted(map(tuple, rows)) == [(WORKSPACE, 40, 5, 5), (3, 40, 5, 5)]
    await assert_same(events, BERLIN, clock)


async def test_a_zone_change_reads_the_events_until_the_rebuild_is_done(
        store: Store, clock: FakeClock) -> None:
    """Days are the workspace's local days: after its zone changes, /teamstats scans the
    events (correct, slower) while the rollup is rebuilt in the new zone."""
    clock.set(NOW)
    events = StatsEvents(store)
    await events.record_many(history(6, 20, NOW))
    assert await events.rollup.build("discord", "g1", BERLIN)
    start, end = window(clock, TOKYO, 30)
    first = await events.team("discord", "g1", TOKYO, start, end)  # starts the rebuild
    assert shape(*first) == await scanned(events, TOKYO, clock, 30)
    await events.rollup.wait()
    state = await events.rollup.state("discord", "g1")
    assert state is not None and state.ready and state.zone == "Asia/Tokyo"
    await assert_same(events, TOKYO, clock)


async def test_a_build_taken_over_by_another_stops(store: Store, clock: FakeClock) -> None:
    """Two builds at once (two processes, or a zone change mid-build): the later one wins,
    the earlier one notices at its next chunk and stops without touching the rows."""
    clock.set(NOW)
    events = StatsEvents(store)
    await events.record_many(history(7, 60, NOW))

    class Paused(Rollup):
        """Stops after its first chunk until told to go on (between transactions)."""

        def __init__(self) -> None:
            super().__init__(store, chunk_days=5)
            self.chunked, self.go_on = asyncio.Event(), asyncio.Event()

        async def _between_chunks(self) -> None:
            self.chunked.set()
            await self.go_on.wait()

    first = Paused()
    earlier = asyncio.ensure_future(first.build("discord", "g1", BERLIN))
    await first.chunked.wait()
    assert await Rollup(store, chunk_days=5).build("discord", "g1", BERLIN)
    first.go_on.set()
    assert await earlier is False
    await assert_same(events, BERLIN, clock)


async def test_forget_takes_the_person_out_of_the_rollup(store: Store,
                                                         clock: FakeClock) -> None:
    """After /remind forget, the rollup reads as if the person never clicked, and no rollup
    row names them; a rollup caught mid-build is dropped and built again without them."""
    clock.set(NOW)
    events = StatsEvents(store)
    await events.record_many(history(8, 30, NOW))
    assert await events.rollup.build("discord", "g1", BERLIN)
    gone = await forget_person(store, "discord", "g1", "u3")
    assert gone.events > 0
    await assert_same(events, BERLIN, clock)
    async with store.engine.connect() as conn:
        named = (await conn.execute(sa.select(sa.func.count()).select_from(t.stats_people)
                                    .where(t.stats_people.c.user_id == "u3"))).scalar_one()
    assert named == 0
    # Discord's "@me" forget reaches every server's rollup.
    assert await events.rollup.build("discord", "other0", BERLIN)
    await forget_person(store, "discord", "@me", "u4")
    await assert_same(events, BERLIN, clock, ws="other0")
    await assert_same(events, BERLIN, clock)
    # Mid-build: the build's state is dropped, so the next /teamstats builds it afresh.
    async with store.engine.begin() as conn:
        await conn.execute(sa.update(t.stats_rollups).values(ready=False))
    await forget_person(store, "discord", "g1", "u5")
    assert await events.rollup.state("discord", "g1") is None
    assert await events.rollup.build("discord", "g1", BERLIN)
    await assert_same(events, BERLIN, clock)


async def test_retention_prunes_the_rollup_with_the_events(store: Store,
                                                           clock: FakeClock) -> None:
    """Days and last breaks older than the cut-off go with the events they came from."""
    clock.set(NOW)
    events = StatsEvents(store)
    await events.record_many([event(EventKind.DONE, "old", NOW - timedelta(days=40), 1),
                              event(EventKind.DONE, "new", NOW - timedelta(days=2), 1)])
    assert await events.rollup.build("discord", "g1", BERLIN)
    await events.prune(NOW - timedelta(days=30))
    async with store.engine.connect() as conn:
        days = (await conn.execute(sa.select(t.stats_days.c.day))).scalars().all()
        people = (await conn.execute(sa.select(t.stats_people.c.user_id))).scalars().all()
    assert {str(d) for d in days} == {str(date(2027, 4, 7))}
    assert set(people) == {"new"}
    await assert_same(events, BERLIN, clock)


async def test_a_channel_fan_out_is_one_upsert_per_day_not_per_post(
        store: Store, clock: FakeClock) -> None:
    """The dispatcher records a fan-out's posts together: they land as summed day rows, and
    DM nudges, snoozes and other workspaces leave this workspace's rollup alone."""
    clock.set(NOW)
    events = StatsEvents(store)
    assert await events.rollup.build("discord", "g1", ZoneInfo("UTC"))
    at = NOW - timedelta(minutes=1)
    await events.record_many([event(EventKind.NUDGED, None, at, 1) for _ in range(30)]
                             + [event(EventKind.NUDGED, f"u{i}", at) for i in range(30)]
                             + [event(EventKind.SNOOZED, "u1", at),
                                event(EventKind.DONE, "u1", at, ws="elsewhere")])
    async with store.engine.connect() as conn:
        rows = (await conn.execute(sa.select(
            t.stats_days.c.workspace_id, t.stats_days.c.schedule_key, t.stats_days.c.nudged,
            t.stats_days.c.done))).all()
    assert sorted(map(tuple, rows)) == [("g1", WORKSPACE, 30, 0), ("g1", 1, 30, 0)]
