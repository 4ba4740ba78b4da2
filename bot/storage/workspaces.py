"""Workspace settings: time zone, quiet hours, skip dates, the admin channel.

Changing the time zone is the one write here that touches other tables: schedules and
reminders without a zone of their own follow the workspace's, so they are re-timed in the
same transaction (see :meth:`WorkspaceQueries.set_workspace_timezone`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.storage import tables as t
from bot.storage.base import Database
from bot.storage.records import ReminderRow, ScheduleRow, WorkspaceRow
from bot.storage.rows import reminder_record, schedule_record, workspace_record

_Timed = TypeVar("_Timed", ScheduleRow, ReminderRow)  # the rows that carry a next_due

WORKSPACE_FIELDS = frozenset(
    {"timezone", "quiet_start", "quiet_end", "skip_dates", "admin_channel_id"}
)


class WorkspaceQueries(Database):
    async def get_workspace(self, platform: str, workspace_id: str) -> WorkspaceRow:
        """The workspace's settings; defaults (UTC, no quiet hours) when never configured."""
        w = t.workspaces
        stmt = sa.select(w).where(w.c.platform == platform, w.c.workspace_id == workspace_id)
        async with self.read() as conn:
            row = (await conn.execute(stmt)).mappings().first()
        if row is None:
            return WorkspaceRow(platform=platform, workspace_id=workspace_id)
        return workspace_record(row)

    async def get_workspaces(
        self, keys: Iterable[tuple[str, str]]
    ) -> dict[tuple[str, str], WorkspaceRow]:
        """Several workspaces in one query (the scheduler looks up all it needs per tick)."""
        wanted = set(keys)
        found: dict[tuple[str, str], WorkspaceRow] = {k: WorkspaceRow(*k) for k in wanted}
        if not wanted:
            return found
        cond = sa.tuple_(t.workspaces.c.platform, t.workspaces.c.workspace_id).in_(list(wanted))
        async with self.read() as conn:
            for row in (await conn.execute(sa.select(t.workspaces).where(cond))).mappings():
                found[(row["platform"], row["workspace_id"])] = workspace_record(row)
        return found

    async def update_workspace(
        self, platform: str, workspace_id: str, **changes: Any
    ) -> WorkspaceRow:
        """Set some of timezone, quiet_start, quiet_end, skip_dates, admin_channel_id."""
        async with self.write() as conn:
            return await self._upsert_workspace(conn, platform, workspace_id, changes)

    async def _upsert_workspace(
        self, conn: AsyncConnection, platform: str, workspace_id: str, changes: dict[str, Any]
    ) -> WorkspaceRow:
        unknown = set(changes) - WORKSPACE_FIELDS
        if unknown:
            raise ValueError(f"unknown workspace fields: {sorted(unknown)}")
        values = dict(changes)
        if "skip_dates" in values:
            values["skip_dates"] = sorted({d.isoformat() for d in values["skip_dates"]})
        values["updated_at"] = self._now()
        insert_values = {"platform": platform, "workspace_id": workspace_id, "skip_dates": []}
        insert_values.update(values)
        stmt = self._insert(t.workspaces).values(**insert_values)
        stmt = stmt.on_conflict_do_update(
            index_elements=[t.workspaces.c.platform, t.workspaces.c.workspace_id], set_=values
        ).returning(*t.workspaces.c)
        return workspace_record((await conn.execute(stmt)).mappings().one())

    async def set_workspace_timezone(
        self,
        platform: str,
        workspace_id: str,
        timezone: str,
        *,
        schedule_next: Callable[[ScheduleRow], datetime | None],
        reminder_next: Callable[[ReminderRow], datetime | None],
    ) -> int:
        """Set the workspace zone and re-time what follows it, in ONE transaction.

        Schedules and reminders without a zone of their own fire on the workspace's, so their
        stored ``next_due`` must move with it: committed together, no row is ever left on
        the old zone (a crash half-way through a row-by-row loop did that), and a large
        workspace costs one statement per table instead of one transaction per row. The
        callbacks give each row's new ``next_due`` (the row's own value to leave it); returns
        how many rows moved.
        """
        async with self.write() as conn:
            await self._upsert_workspace(conn, platform, workspace_id, {"timezone": timezone})
            return await self._retime(
                conn, t.schedules, platform, workspace_id, schedule_record, schedule_next
            ) + await self._retime(
                conn, t.reminders, platform, workspace_id, reminder_record, reminder_next
            )

    async def _retime(
        self,
        conn: AsyncConnection,
        table: sa.Table,
        platform: str,
        workspace_id: str,
        to_row: Callable[[RowMapping], _Timed],
        next_for: Callable[[_Timed], datetime | None],
    ) -> int:
        pick = sa.select(table).where(
            table.c.platform == platform,
            table.c.workspace_id == workspace_id,
            table.c.timezone.is_(None),
        )
        if self.dialect == "postgresql":
            pick = pick.with_for_update()
        params = []
        for mapping in (await conn.execute(pick)).mappings():
            row = to_row(mapping)
            new = next_for(row)
            if new != row.next_due:
                params.append({"b_id": row.id, "b_next_due": new})
        if params:
            stamp = {"updated_at": self._now()} if "updated_at" in table.c else {}
            await conn.execute(
                sa.update(table)
                .where(table.c.id == sa.bindparam("b_id"))
                .values(next_due=sa.bindparam("b_next_due"), **stamp),
                params,
            )
        return len(params)
