"""Personal reminders: one row per person (platform, workspace, user), and the DM channel the
bot reaches them in.

Settings that are worked out from what is stored (``/remind on`` merging with the old
settings, a pause, a snooze, a zone change: each computes a ``next_due``) go through
:meth:`ReminderQueries.modify_reminder` or :meth:`ReminderQueries.upsert_reminder_with`, which
read, decide and write in one locked transaction, so two such commands at once apply one
after the other instead of the second undoing the first.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from bot.storage import tables as t
from bot.storage.records import ReminderRow, Spec, WorkspaceRow
from bot.storage.rows import reminder_record, spec_columns
from bot.storage.workspaces import WorkspaceQueries

# Given the reminder and its workspace as the transaction sees them, the columns to set
# (None or {} to leave it); raising aborts the change.
ReminderChange = Callable[[ReminderRow, WorkspaceRow], dict[str, Any] | None]


@dataclass(frozen=True, slots=True)
class NewReminder:
    """What ``upsert_reminder_with``'s decision gives: the reminder to store."""

    spec: Spec
    timezone: str | None
    next_due: datetime | None


REMINDER_FIELDS = frozenset(
    {
        "timezone",
        "enabled",
        "snoozed_until",
        "paused_until",
        "disabled_reason",
        "next_due",
        "dm_channel_id",
    }
)


class ReminderQueries(WorkspaceQueries):
    async def get_reminder(
        self, platform: str, workspace_id: str, user_id: str
    ) -> ReminderRow | None:
        stmt = sa.select(t.reminders).where(
            t.reminders.c.platform == platform,
            t.reminders.c.workspace_id == workspace_id,
            t.reminders.c.user_id == user_id,
        )
        async with self.read() as conn:
            row = (await conn.execute(stmt)).mappings().first()
        return None if row is None else reminder_record(row)

    async def upsert_reminder(
        self,
        *,
        platform: str,
        workspace_id: str,
        user_id: str,
        spec: Spec,
        timezone: str | None,
        next_due: datetime | None,
        dm_channel_id: str | None = None,
    ) -> ReminderRow:
        """Create or replace a person's reminder and (re-)enable it, clearing snooze and pause."""
        stmt = self._upsert_reminder_stmt(platform, workspace_id, user_id, spec, timezone,
                                          next_due, dm_channel_id)
        async with self.write() as conn:
            row = (await conn.execute(stmt)).mappings().one()
        return reminder_record(row)

    def _upsert_reminder_stmt(
        self,
        platform: str,
        workspace_id: str,
        user_id: str,
        spec: Spec,
        timezone: str | None,
        next_due: datetime | None,
        dm_channel_id: str | None,
    ) -> Any:
        now = self._now()
        values: dict[str, Any] = {
            **spec_columns(spec),
            "timezone": timezone,
            "enabled": True,
            "snoozed_until": None,
            "paused_until": None,
            "disabled_reason": None,
            "next_due": next_due,
            "updated_at": now,
        }
        if dm_channel_id is not None:
            values["dm_channel_id"] = dm_channel_id
        values.pop("cron", None)
        stmt = self._insert(t.reminders).values(
            platform=platform, workspace_id=workspace_id, user_id=user_id, created_at=now, **values
        )
        return stmt.on_conflict_do_update(
            index_elements=[
                t.reminders.c.platform,
                t.reminders.c.workspace_id,
                t.reminders.c.user_id,
            ],
            set_=values,
        ).returning(*t.reminders.c)

    async def upsert_reminder_with(
        self,
        platform: str,
        workspace_id: str,
        user_id: str,
        decide: Callable[[ReminderRow | None, WorkspaceRow], NewReminder],
        *,
        dm_channel_id: str | None = None,
    ) -> ReminderRow:
        """Create or replace a person's reminder from what is stored, in one transaction.

        ``decide`` sees the current row (None for a first-timer) and the workspace, and gives
        the new spec, zone and next time; raising aborts. The person's lock is held from the
        read to the write, so two ``/remind on`` with different settings at once apply one
        after the other (each keeping what the other set) instead of the second overwriting
        the first with what it read before.
        """
        r = t.reminders
        pick = sa.select(r).where(r.c.platform == platform, r.c.workspace_id == workspace_id,
                                  r.c.user_id == user_id)
        async with self.write() as conn:
            await self.lock(conn, "zone", platform, workspace_id)
            await self.lock(conn, "reminder", platform, workspace_id, user_id)
            found = (await conn.execute(pick)).mappings().first()
            current = None if found is None else reminder_record(found)
            new = decide(current, await self._workspace_on(conn, platform, workspace_id))
            stmt = self._upsert_reminder_stmt(platform, workspace_id, user_id, new.spec,
                                              new.timezone, new.next_due, dm_channel_id)
            return reminder_record((await conn.execute(stmt)).mappings().one())

    async def list_reminders(self, platform: str, workspace_id: str) -> list[ReminderRow]:
        stmt = (
            sa.select(t.reminders)
            .where(t.reminders.c.platform == platform, t.reminders.c.workspace_id == workspace_id)
            .order_by(t.reminders.c.id)
        )
        async with self.read() as conn:
            return [reminder_record(r) for r in (await conn.execute(stmt)).mappings()]

    async def update_reminder(self, reminder_id: int, **changes: Any) -> ReminderRow | None:
        """Change some fields of a reminder; returns the new row (None if it does not exist)."""
        if set(changes) - REMINDER_FIELDS:
            raise ValueError(f"unknown reminder fields: {sorted(set(changes) - REMINDER_FIELDS)}")
        stmt = (
            sa.update(t.reminders)
            .where(t.reminders.c.id == reminder_id)
            .values(updated_at=self._now(), **changes)
            .returning(*t.reminders.c)
        )
        async with self.write() as conn:
            row = (await conn.execute(stmt)).mappings().first()
        return None if row is None else reminder_record(row)

    async def modify_reminder(
        self, platform: str, workspace_id: str, user_id: str, change: ReminderChange
    ) -> ReminderRow | None:
        """Read a person's reminder, decide the change, write it: one atomic step.

        For the settings computed from what is stored (a pause, a snooze, a new zone each
        set a ``next_due`` worked out from the row and the zone): done as get-then-update,
        two such commands at once could each compute from the old row and the second write
        would undo half of the first. Here the row is locked (``FOR UPDATE``; SQLite's write
        lock) and read with the workspace under the zone lock, so they apply one after the
        other. None when the person has no reminder.
        """
        r = t.reminders
        pick = sa.select(r).where(r.c.platform == platform, r.c.workspace_id == workspace_id,
                                  r.c.user_id == user_id)
        if self.dialect == "postgresql":
            pick = pick.with_for_update()
        async with self.write() as conn:
            await self.lock(conn, "zone", platform, workspace_id)
            found = (await conn.execute(pick)).mappings().first()
            if found is None:
                return None
            row = reminder_record(found)
            changes = change(row, await self._workspace_on(conn, platform, workspace_id))
            if not changes:
                return row
            unknown = set(changes) - REMINDER_FIELDS
            if unknown:
                raise ValueError(f"unknown reminder fields: {sorted(unknown)}")
            stmt = (sa.update(r).where(r.c.id == row.id)
                    .values(updated_at=self._now(), **changes).returning(*r.c))
            return reminder_record((await conn.execute(stmt)).mappings().one())

    async def disable_reminder_once(self, reminder_id: int, reason: str) -> bool:
        """Disable unless already disabled; True only for the call that disabled it."""
        stmt = (
            sa.update(t.reminders)
            .where(t.reminders.c.id == reminder_id, t.reminders.c.enabled.is_(True))
            .values(enabled=False, disabled_reason=reason, updated_at=self._now())
        )
        async with self.write() as conn:
            result = await conn.execute(stmt)
        return result.rowcount > 0
