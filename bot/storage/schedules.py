"""Channel schedules: the rows a workspace's admins add with ``/schedule``."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.storage import tables as t
from bot.storage.base import Database
from bot.storage.records import ScheduleRow, Spec
from bot.storage.rows import schedule_record, spec_columns

SCHEDULE_FIELDS = frozenset(
    {"paused", "paused_reason", "next_due", "channel_id", "kind", "timezone", "spec"}
)


class ScheduleQueries(Database):
    async def add_schedule(
        self,
        *,
        platform: str,
        workspace_id: str,
        channel_id: str,
        kind: str,
        spec: Spec,
        timezone: str | None,
        next_due: datetime | None,
        created_by: str,
        limit: int | None = None,
    ) -> ScheduleRow | None:
        """Insert a schedule; returns None (and inserts nothing) when ``limit`` is reached."""
        async with self.write() as conn:
            if limit is not None:
                count = await self._count_schedules(conn, platform, workspace_id)
                if count >= limit:
                    return None
            stmt = (
                sa.insert(t.schedules)
                .values(
                    platform=platform,
                    workspace_id=workspace_id,
                    channel_id=channel_id,
                    kind=kind,
                    timezone=timezone,
                    paused=False,
                    next_due=next_due,
                    created_by=created_by,
                    created_at=self._now(),
                    **spec_columns(spec),
                )
                .returning(*t.schedules.c)
            )
            row = (await conn.execute(stmt)).mappings().one()
        return schedule_record(row)

    async def _count_schedules(
        self, conn: AsyncConnection, platform: str, workspace_id: str
    ) -> int:
        stmt = (
            sa.select(sa.func.count())
            .select_from(t.schedules)
            .where(t.schedules.c.platform == platform, t.schedules.c.workspace_id == workspace_id)
        )
        return int((await conn.execute(stmt)).scalar_one())

    async def count_schedules(self, platform: str, workspace_id: str) -> int:
        async with self.read() as conn:
            return await self._count_schedules(conn, platform, workspace_id)

    async def get_schedule(self, schedule_id: int) -> ScheduleRow | None:
        stmt = sa.select(t.schedules).where(t.schedules.c.id == schedule_id)
        async with self.read() as conn:
            row = (await conn.execute(stmt)).mappings().first()
        return None if row is None else schedule_record(row)

    async def list_schedules(self, platform: str, workspace_id: str) -> list[ScheduleRow]:
        stmt = (
            sa.select(t.schedules)
            .where(t.schedules.c.platform == platform, t.schedules.c.workspace_id == workspace_id)
            .order_by(t.schedules.c.id)
        )
        async with self.read() as conn:
            return [schedule_record(r) for r in (await conn.execute(stmt)).mappings()]

    async def update_schedule(self, schedule_id: int, **changes: Any) -> bool:
        """Set paused, paused_reason, next_due, channel_id, kind, timezone and/or spec (a
        :class:`Spec`); True when the row exists."""
        if set(changes) - SCHEDULE_FIELDS:
            raise ValueError(f"unknown schedule fields: {sorted(set(changes) - SCHEDULE_FIELDS)}")
        if "spec" in changes:
            spec = changes.pop("spec")
            changes.update(spec_columns(spec))
        async with self.write() as conn:
            result = await conn.execute(
                sa.update(t.schedules).where(t.schedules.c.id == schedule_id).values(**changes)
            )
        return result.rowcount > 0

    async def pause_schedule_once(self, schedule_id: int, reason: str) -> bool:
        """Pause unless already paused; True only for the call that actually paused it.

        The conditional update is what makes "tell the admin exactly once" hold even when
        several sends for the same schedule fail in one tick or in several processes.
        """
        stmt = (
            sa.update(t.schedules)
            .where(t.schedules.c.id == schedule_id, t.schedules.c.paused.is_(False))
            .values(paused=True, paused_reason=reason)
        )
        async with self.write() as conn:
            result = await conn.execute(stmt)
        return result.rowcount > 0

    async def delete_schedule(self, schedule_id: int) -> bool:
        async with self.write() as conn:
            result = await conn.execute(
                sa.delete(t.schedules).where(t.schedules.c.id == schedule_id)
            )
        return result.rowcount > 0
