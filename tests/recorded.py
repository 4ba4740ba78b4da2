"""What was recorded: the stats events a person left in the database, and an in-memory
EventLog for tests that only need to see what the code under test reported."""

from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa

from bot.core.events import BreakEvent
from bot.storage import Store
from bot.storage import tables as t


async def recorded(store: Store, platform: str, workspace_id: str, user_id: str
                   ) -> list[str]:
    """The kinds of the person's events in this workspace, oldest first."""
    e = t.stats_events
    async with store.engine.connect() as conn:
        rows = await conn.execute(
            sa.select(e.c.kind).where(e.c.platform == str(platform),
                                      e.c.workspace_id == workspace_id, e.c.user_id == user_id)
            .order_by(e.c.at, e.c.id))
        return list(rows.scalars())


class Events:
    """An EventLog (bot/core/events.py) that keeps what it is told, in order."""

    def __init__(self) -> None:
        self.seen: list[BreakEvent] = []

    async def record(self, event: BreakEvent) -> None:
        self.seen.append(event)

    async def record_many(self, events: Iterable[BreakEvent]) -> None:
        self.seen.extend(events)
