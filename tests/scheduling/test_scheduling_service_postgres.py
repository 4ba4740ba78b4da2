"""The scheduler end to end on PostgreSQL: same behaviour as on SQLite, across a restart."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from bot.core.clock import FakeClock
from bot.storage import LedgerStatus, create_store
from tests.scheduling.scheduling_harness import ADMIN, RecordingNotifier, make_rig

T0 = datetime(2027, 3, 1, 8, 59, tzinfo=UTC)


@pytest.fixture
async def pg(pg_url: str) -> AsyncIterator[str]:
    """The session's PostgreSQL database with an empty schema."""
    store = create_store(pg_url)
    async with store.engine.begin() as conn:
        await conn.execute(sa.text("DROP SCHEMA public CASCADE"))
        await conn.execute(sa.text("CREATE SCHEMA public"))
    await store.close()
    yield pg_url


async def test_crash_and_restart_on_postgres_sends_each_slot_once(pg: str) -> None:
    """On PostgreSQL a send cut off by a crash is resent with its nonce, and nothing repeats."""
    clock = FakeClock(T0)
    first = await make_rig(pg, clock, RecordingNotifier(clock, block=asyncio.Event()))
    await first.commands.schedule_add(ADMIN, "chan1", "tip", cron="0 * * * *", timezone="UTC")
    clock.set(T0 + timedelta(minutes=1))
    tick = asyncio.ensure_future(first.service.tick())
    await first.notifier.entered.wait()
    tick.cancel()
    with pytest.raises(asyncio.CancelledError):
        await tick
    await first.store.close()

    second = await make_rig(pg, clock)
    try:
        [pending] = await second.store.list_deliveries(status=LedgerStatus.PENDING)
        assert await second.service.recover() == 1
        await second.walk(T0 + timedelta(hours=2, minutes=1), step=timedelta(minutes=5))
        assert [s.delivery.nonce for s in second.notifier.sent][0] == pending.nonce
        rows = await second.store.list_deliveries()
        assert [r.slot.hour for r in rows] == [9, 10, 11]
        assert {r.status for r in rows} == {LedgerStatus.SENT}
        assert len(second.notifier.sent) == 3
    finally:
        await second.store.close()
