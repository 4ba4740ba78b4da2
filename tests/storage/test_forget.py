"""forget_person on every backend: one transaction, so two at once delete each row once."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from bot.core.events import BreakEvent, EventKind
from bot.core.ports import Platform
from bot.storage import Store
from bot.storage.forget import forget_person
from bot.storage.stats import StatsEvents


async def test_two_forgets_at_once_delete_each_row_once(store: Store) -> None:
    """Concurrent confirmations (a double click) neither fail nor count a row twice."""
    at = datetime(2027, 3, 1, 9, tzinfo=UTC)
    await StatsEvents(store).record_many([
        BreakEvent(EventKind.DONE, Platform.SLACK, "T1", "U1", at + timedelta(minutes=i))
        for i in range(12)])
    await store.kv_set("slack", "dm:T1:U1", "D1")
    first, second = await asyncio.gather(forget_person(store, "slack", "T1", "U1"),
                                         forget_person(store, "slack", "T1", "U1"))
    assert first.events + second.events == 12
    assert first.dm_channels + second.dm_channels == 1
    assert await forget_person(store, "slack", "T1", "U1") == type(first)()
