"""Stats events on every backend: recorded, grouped by local day and hour in SQL (across a
DST change), read per person and per workspace, pruned in batches."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from bot.core.events import BreakEvent, EventKind
from bot.core.ports import Platform
from bot.storage import Store
from bot.storage import tables as t
from bot.storage.localday import offset_pieces
from bot.storage.stats import StatsEvents

BERLIN = ZoneInfo("Europe/Berlin")
D = Platform.DISCORD


def done(user: str | None, at: datetime, ws: str = "g1", schedule: int | None = None
         ) -> BreakEvent:
    return BreakEvent(EventKind.DONE, D, ws, user, at, schedule_id=schedule, source="nudge")


def nudged(user: str | None, at: datetime, schedule: int | None = None) -> BreakEvent:
    return BreakEvent(EventKind.NUDGED, D, "g1", user, at, schedule_id=schedule)


def test_offset_pieces_pin_the_dst_change_to_its_instant() -> None:
    """Berlin's spring change (01:00 UTC on 2027-03-28) splits the period at that instant."""
    start = datetime(2027, 3, 20, tzinfo=UTC)
    pieces = offset_pieces(BERLIN, start, start + timedelta(days=20))
    assert pieces == [(start, 60), (datetime(2027, 3, 28, 1, 0, tzinfo=UTC), 120)]


async def test_person_days_group_by_the_local_day_across_dst(store: Store) -> None:
    """Events at 22:30 UTC fall on the next Berlin day only once summer time (+2) starts:
    the day is computed in SQL with the offset in force at each event."""
    events = StatsEvents(store)
    winter = datetime(2027, 3, 27, 22, 30, tzinfo=UTC)  # 23:30 Berlin, the 27th
    summer = datetime(2027, 3, 28, 22, 30, tzinfo=UTC)  # 00:30 Berlin, the 29th
    await events.record_many([done("u1", winter), done("u1", summer), nudged("u1", summer),
                              done("u2", summer)])
    rows = await events.person_days("discord", "g1", "u1", BERLIN,
                                    datetime(2027, 3, 20, tzinfo=UTC),
                                    datetime(2027, 4, 1, tzinfo=UTC))
    got = sorted((r.day, r.kind, r.count) for r in rows)
    assert got == [(date(2027, 3, 27), "done", 1), (date(2027, 3, 29), "done", 1),
                   (date(2027, 3, 29), "nudged", 1)]


async def test_person_hours_are_local_hours(store: Store) -> None:
    """The busiest-hour query counts breaks by the hour on the person's clock."""
    events = StatsEvents(store)
    at = datetime(2027, 7, 1, 9, 15, tzinfo=UTC)  # 11:15 in Berlin (summer)
    await events.record_many([done("u1", at), done("u1", at + timedelta(days=1)),
                              done("u1", at + timedelta(hours=3))])
    hours = await events.person_hours("discord", "g1", "u1", BERLIN, at - timedelta(days=2),
                                      at + timedelta(days=2))
    assert hours == {11: 2, 14: 1}


async def test_team_days_count_posts_breaks_and_people_per_schedule(store: Store) -> None:
    """Per day and schedule: channel posts (not DMs), Done clicks and distinct people."""
    events = StatsEvents(store)
    at = datetime(2027, 3, 2, 10, tzinfo=UTC)
    await events.record_many([
        nudged(None, at, 7), nudged(None, at + timedelta(hours=1), 7), nudged("u9", at),
        done("u1", at, schedule=7), done("u1", at, schedule=7), done("u2", at, schedule=7),
        done("u3", at), done("u1", at, ws="other"),
    ])
    rows = await events.team_days("discord", "g1", ZoneInfo("UTC"), at - timedelta(days=1),
                                  at + timedelta(days=1))
    got = sorted(((r.schedule_id or 0), r.nudged, r.done, r.people) for r in rows)
    assert got == [(0, 0, 1, 1), (7, 2, 3, 2)]
    people = await events.team_schedules("discord", "g1", at - timedelta(days=1),
                                         at + timedelta(days=1))
    assert (people.by_schedule, people.total) == ({7: 2, None: 1}, 3)
    assert people.counts == {7: (2, 3), None: (0, 1)}  # a DM nudge is not a post


async def test_prune_deletes_old_events_in_batches(store: Store) -> None:
    """Retention removes only events older than the cut-off, a batch at a time."""
    events = StatsEvents(store)
    old = datetime(2026, 1, 1, tzinfo=UTC)
    await events.record_many([done("u1", old + timedelta(minutes=i)) for i in range(7)])
    await events.record(done("u1", datetime(2027, 3, 1, tzinfo=UTC)))
    assert await events.prune(datetime(2027, 1, 1, tzinfo=UTC), batch=3) == 7
    async with store.engine.connect() as conn:
        left = (await conn.execute(sa.select(sa.func.count()).select_from(t.stats_events)))
        assert left.scalar_one() == 1


async def test_a_refused_write_is_one_log_line_not_an_error(
    store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    """Stats never block a break: a database that refuses the insert is logged, not raised."""
    events = StatsEvents(store)
    async with store.engine.begin() as conn:
        await conn.execute(sa.text("DROP TABLE stats_events"))
    await events.record(done("u1", datetime(2027, 3, 1, tzinfo=UTC)))
    assert [r.message for r in caplog.records if "stats event" in r.message]


async def test_concurrent_records_all_land(store: Store) -> None:
    """Forty Done clicks recorded at once (the button handlers run concurrently) all count."""
    import asyncio

    events = StatsEvents(store)
    at = datetime(2027, 3, 2, 10, tzinfo=UTC)
    await asyncio.gather(*(events.record(done(f"u{i % 5}", at)) for i in range(40)))
    rows = await events.person_days("discord", "g1", "u0", ZoneInfo("UTC"),
                                    at - timedelta(days=1), at + timedelta(days=1))
    assert [(r.kind, r.count) for r in rows] == [("done", 8)]
    people = await events.team_schedules("discord", "g1", at - timedelta(days=1),
                                         at + timedelta(days=1))
    assert people.total == 5 and people.counts[None] == (0, 40)
