"""Presses of "done" and "snooze": the basis of any later streak or summary."""

from __future__ import annotations

import sqlalchemy as sa

from bot.storage import tables as t
from bot.storage.base import Database
from bot.storage.records import HistoryRow


class HistoryQueries(Database):
    async def add_history(
        self, platform: str, workspace_id: str, user_id: str, event: str, detail: str | None = None
    ) -> None:
        """Record a "done" or "snooze" press; the basis of any later streak/summary feature."""
        async with self.write() as conn:
            await conn.execute(
                sa.insert(t.history).values(
                    platform=platform,
                    workspace_id=workspace_id,
                    user_id=user_id,
                    event=event,
                    detail=detail,
                    at=self._now(),
                )
            )

    async def list_history(
        self, platform: str, workspace_id: str, user_id: str
    ) -> list[HistoryRow]:
        h = t.history
        stmt = (
            sa.select(h)
            .where(
                h.c.platform == platform, h.c.workspace_id == workspace_id, h.c.user_id == user_id
            )
            .order_by(h.c.at, h.c.id)
        )
        async with self.read() as conn:
            return [HistoryRow(**dict(r)) for r in (await conn.execute(stmt)).mappings()]
