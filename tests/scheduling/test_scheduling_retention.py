"""Stats retention: once a day, after a tick, events past DESKBREAK_STATS_RETENTION_DAYS are
deleted in batches, beside the ticks rather than inside them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa

from bot.core.clock import FakeClock
from bot.core.events import BreakEvent, EventKind
from bot.core.ports import Platform
from bot.scheduling.retention import StatsRetention
from bot.settings import Settings
from bot.storage import create_store
from bot.storage import tables as t
from bot.storage.stats import StatsEvents

NOW = datetime(2027, 6, 1, 12, 0, tzinfo=UTC)


def done(at: datetime) -> BreakEvent:
    return BreakEvent(EventKind.DONE, Platform.SLACK, "T1", "U1", at)


async def count(events: StatsEvents) -> int:
    async with events.store.read() as conn:
        return (await conn.execute(sa.select(sa.func.count()).select_from(t.stats_events))
                ).scalar_one()


def test_retention_defaults_to_a_year_and_reads_its_variable(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """DESKBREAK_STATS_RETENTION_DAYS sets it; unset, a year."""
    assert Settings().stats.retention_days == 365
    monkeypatch.setenv("DESKBREAK_STATS_RETENTION_DAYS", "30")
    from bot.settings import load_settings

    assert load_settings().stats.retention_days == 30


async def test_old_events_go_once_a_day_in_batches(tmp_path: Path) -> None:
    """The first call of the day prunes (in batches of 4 here); a second call the same day
    starts nothing; the next day prunes again with the clock's new cut-off."""
    clock = FakeClock(NOW)
    store = create_store(f"sqlite+aiosqlite:///{tmp_path / 'db.sqlite3'}", clock=clock)
    await store.migrate()
    events = StatsEvents(store)
    retention = StatsRetention(events, clock, days=30, batch=4)
    await events.record_many([done(NOW - timedelta(days=40, minutes=i)) for i in range(10)])
    await events.record_many([done(NOW - timedelta(days=29, hours=23))])
    task = retention.maybe_start()
    assert task is not None and await task == 10
    assert retention.maybe_start() is None
    assert await count(events) == 1
    clock.advance(timedelta(days=1, hours=2))
    task = retention.maybe_start()
    assert task is not None and await task == 1
    await retention.stop()
    await store.close()


async def test_the_daily_run_builds_missing_team_rollups_in_each_workspace_zone(
        tmp_path: Path) -> None:
    """After an upgrade (events, no rollup) or a zone change, the daily run builds the
    rollup in the workspace's zone, so /teamstats reads it rather than the events; Discord's
    personal "@me" space gets none."""
    clock = FakeClock(NOW)
    store = create_store(f"sqlite+aiosqlite:///{tmp_path / 'db.sqlite3'}", clock=clock)
    await store.migrate()
    events = StatsEvents(store)
    await store.update_workspace("slack", "T1", timezone="Asia/Tokyo")
    await events.record_many([done(NOW - timedelta(days=2)),
                              BreakEvent(EventKind.DONE, Platform.DISCORD, "@me", "U1", NOW)])
    task = StatsRetention(events, clock, days=30).maybe_start()
    assert task is not None
    await task
    state = await events.rollup.state("slack", "T1")
    assert state is not None and state.ready and state.zone == "Asia/Tokyo"
    assert await events.rollup.state("discord", "@me") is None
    await store.update_workspace("slack", "T1", timezone="Europe/Berlin")
    assert await events.prepare_rollups() == 1
    state = await events.rollup.state("slack", "T1")
    assert state is not None and state.zone == "Europe/Berlin"
    assert await events.prepare_rollups() == 0
    await store.close()
