"""Workspace settings: time zone, quiet hours, skip dates, the admin channel.

Skip dates are rows of their own (``workspace_skip_dates``): adding or removing one is one
insert or delete, so concurrent changes cannot overwrite each other the way a read-modify-
write of a stored list did.

Changing the time zone is the one write here that touches other tables: schedules and
reminders without a zone of their own follow the workspace's, so they are re-timed in the
same transaction (see :meth:`WorkspaceQueries.set_workspace_timezone`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date, datetime
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.storage import tables as t
from bot.storage.base import Database
from bot.storage.records import ReminderRow, ScheduleRow, SkipChange, WorkspaceRow
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
            days = (await self._skip_dates(conn, [(platform, workspace_id)])).get(
                (platform, workspace_id), ())
        if row is None:
            return WorkspaceRow(platform=platform, workspace_id=workspace_id, skip_dates=days)
        return workspace_record(row, days)

    async def get_workspaces(
        self, keys: Iterable[tuple[str, str]]
    ) -> dict[tuple[str, str], WorkspaceRow]:
        """Several workspaces in one query (the scheduler looks up all it needs per tick)."""
        wanted = set(keys)
        if not wanted:
            return {}
        async with self.read() as conn:
            return await self._workspaces_on(conn, wanted)

    async def _workspaces_on(
        self, conn: AsyncConnection, wanted: set[tuple[str, str]]
    ) -> dict[tuple[str, str], WorkspaceRow]:
        """Several workspaces as ``conn``'s transaction sees them (a claim reads them in its
        own transaction)."""
        cond = sa.tuple_(t.workspaces.c.platform, t.workspaces.c.workspace_id).in_(list(wanted))
        days = await self._skip_dates(conn, list(wanted))
        # Defaults for the never configured (which may still have skip dates).
        found = {k: WorkspaceRow(*k, skip_dates=days.get(k, ())) for k in wanted}
        for row in (await conn.execute(sa.select(t.workspaces).where(cond))).mappings():
            key = (row["platform"], row["workspace_id"])
            found[key] = workspace_record(row, days.get(key, ()))
        return found

    async def _workspace_on(
        self, conn: AsyncConnection, platform: str, workspace_id: str
    ) -> WorkspaceRow:
        """The workspace as ``conn``'s transaction sees it (see get_workspace)."""
        w = t.workspaces
        stmt = sa.select(w).where(w.c.platform == platform, w.c.workspace_id == workspace_id)
        row = (await conn.execute(stmt)).mappings().first()
        days = (await self._skip_dates(conn, [(platform, workspace_id)])).get(
            (platform, workspace_id), ())
        if row is None:
            return WorkspaceRow(platform=platform, workspace_id=workspace_id, skip_dates=days)
        return workspace_record(row, days)

    async def _skip_dates(
        self, conn: AsyncConnection, keys: list[tuple[str, str]]
    ) -> dict[tuple[str, str], tuple[date, ...]]:
        s = t.workspace_skip_dates
        out: dict[tuple[str, str], list[date]] = {}
        for start in range(0, len(keys), 250):  # two parameters a key, under SQLite's cap
            stmt = sa.select(s.c.platform, s.c.workspace_id, s.c.day).where(
                sa.tuple_(s.c.platform, s.c.workspace_id).in_(keys[start : start + 250])
            ).order_by(s.c.day)
            for platform, workspace_id, day in (await conn.execute(stmt)).all():
                out.setdefault((platform, workspace_id), []).append(date.fromisoformat(day))
        return {k: tuple(v) for k, v in out.items()}

    async def update_workspace(
        self, platform: str, workspace_id: str, **changes: Any
    ) -> WorkspaceRow:
        """Set some of timezone, quiet_start, quiet_end, skip_dates, admin_channel_id.

        ``skip_dates`` replaces the whole set (the config file's declarative list); chat
        commands add and remove one date with :meth:`add_skip_date` / :meth:`remove_skip_date`.
        """
        async with self.write() as conn:
            return await self._upsert_workspace(conn, platform, workspace_id, changes)

    async def _upsert_workspace(
        self, conn: AsyncConnection, platform: str, workspace_id: str, changes: dict[str, Any]
    ) -> WorkspaceRow:
        unknown = set(changes) - WORKSPACE_FIELDS
        if unknown:
            raise ValueError(f"unknown workspace fields: {sorted(unknown)}")
        values = dict(changes)
        skip_dates = values.pop("skip_dates", None)
        values["updated_at"] = self._now()
        insert_values = {"platform": platform, "workspace_id": workspace_id, **values}
        stmt = self._insert(t.workspaces).values(**insert_values)
        stmt = stmt.on_conflict_do_update(
            index_elements=[t.workspaces.c.platform, t.workspaces.c.workspace_id], set_=values
        ).returning(*t.workspaces.c)
        row = (await conn.execute(stmt)).mappings().one()
        if skip_dates is not None:
            await self._replace_skip_dates(conn, platform, workspace_id, skip_dates)
        days = await self._skip_dates(conn, [(platform, workspace_id)])
        return workspace_record(row, days.get((platform, workspace_id), ()))

    async def _replace_skip_dates(
        self, conn: AsyncConnection, platform: str, workspace_id: str, days: Iterable[date]
    ) -> None:
        s = t.workspace_skip_dates
        await conn.execute(sa.delete(s).where(s.c.platform == platform,
                                              s.c.workspace_id == workspace_id))
        rows = [{"platform": platform, "workspace_id": workspace_id, "day": d.isoformat()}
                for d in sorted(set(days))]
        if rows:
            # DO NOTHING: two config applies at once may both insert the same list.
            await conn.execute(self._insert(s).on_conflict_do_nothing(), rows)

    async def add_skip_date(
        self, platform: str, workspace_id: str, day: date, *, limit: int
    ) -> SkipChange:
        """Add one skip date unless it is there already or the workspace has ``limit``.

        The count and the insert hold the workspace's lock (the write lock on SQLite), so
        concurrent adds can neither lose a date nor pass the limit together.
        """
        s = t.workspace_skip_dates
        where = (s.c.platform == platform, s.c.workspace_id == workspace_id)
        async with self.write() as conn:
            await self.lock(conn, "skip_dates", platform, workspace_id)
            days = (await self._skip_dates(conn, [(platform, workspace_id)])).get(
                (platform, workspace_id), ())
            if day in days:
                return SkipChange(False, days)
            if len(days) >= limit:
                return SkipChange(False, days, full=True)
            await self._upsert_workspace(conn, platform, workspace_id, {})
            await conn.execute(self._insert(s).values(
                platform=platform, workspace_id=workspace_id, day=day.isoformat()
            ).on_conflict_do_nothing())
            after = await conn.execute(sa.select(s.c.day).where(*where).order_by(s.c.day))
            return SkipChange(True, tuple(date.fromisoformat(d) for d in after.scalars()))

    async def remove_skip_date(self, platform: str, workspace_id: str, day: date) -> SkipChange:
        """Remove one skip date; ``changed`` is False when it was not one."""
        s = t.workspace_skip_dates
        where = (s.c.platform == platform, s.c.workspace_id == workspace_id)
        async with self.write() as conn:
            result = await conn.execute(sa.delete(s).where(*where, s.c.day == day.isoformat()))
            after = await conn.execute(sa.select(s.c.day).where(*where).order_by(s.c.day))
            days = tuple(date.fromisoformat(d) for d in after.scalars())
        return SkipChange(result.rowcount > 0, days)

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
            # The same lock as adding a row that follows the zone: an add waits for this
            # change and then computes its next time on the new zone, never the old one.
            await self.lock(conn, "zone", platform, workspace_id)
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
