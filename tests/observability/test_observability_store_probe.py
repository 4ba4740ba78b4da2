"""The database probes behind /healthz's store check and the stored-object gauges."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.observability.store_probe import store_counts, store_health
from bot.storage import Spec, Store, create_store

NOW = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[Store]:
    store = create_store(f"sqlite+aiosqlite:///{tmp_path / 'probe.sqlite3'}")
    await store.migrate()
    try:
        yield store
    finally:
        await store.close()


async def test_health_passes_on_a_working_database(store: Store) -> None:
    """The store check returns None when the database answers."""
    assert await store_health(store)() is None


async def test_health_says_why_when_the_database_is_unreachable(tmp_path: Path) -> None:
    """The store check fails with the driver's one-line reason when it cannot connect."""
    missing = tmp_path / "no-such-dir" / "x.sqlite3"
    store = create_store(f"sqlite+aiosqlite:///{missing}")
    missing.parent.rmdir()  # create_store made the folder; take it away again
    before = set(threading.enumerate())
    try:
        assert "unable to open database" in str(await store_health(store)())
    finally:
        await store.close()
        await _failed_connection_threads_done(before)


async def _failed_connection_threads_done(before: set[threading.Thread]) -> None:
    """aiosqlite answers a failed connect by queueing its worker thread's stop with a future
    on this loop that nobody awaits; if the test's loop closed first, the thread's reply hit
    a closed loop ("Event loop is closed" in a later test). Let those threads finish now."""
    for thread in set(threading.enumerate()) - before:
        if thread.name.endswith("(_connection_worker_thread)"):
            await asyncio.to_thread(thread.join, 5)


async def test_counts_every_schedule_and_reminder(store: Store) -> None:
    """The count source reports the number of schedule and reminder rows."""
    for channel in ("C1", "C2"):
        await store.add_schedule(
            platform="slack", workspace_id="T1", channel_id=channel, kind="break",
            spec=Spec(cron="0 9 * * 1-5"), timezone=None, next_due=NOW, created_by="U1",
        )
    await store.upsert_reminder(
        platform="slack", workspace_id="T1", user_id="U1",
        spec=Spec(every_minutes=60, start="09:00", end="17:00", days="0,1,2,3,4"),
        timezone="UTC", next_due=NOW,
    )
    counts = await store_counts(store)()
    assert (counts.schedules, counts.reminders) == (2, 1)


async def test_counts_are_zero_on_an_empty_store(store: Store) -> None:
    """A fresh database counts zero schedules and zero reminders."""
    counts = await store_counts(store)()
    assert (counts.schedules, counts.reminders) == (0, 0)
