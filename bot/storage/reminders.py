"""Personal reminders: one row per person (platform, workspace, user), and the DM channel the
bot reaches them in."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa

from bot.storage import tables as t
from bot.storage.base import Database
from bot.storage.records import ReminderRow, Spec
from bot.storage.rows import reminder_record, spec_columns

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


class ReminderQueries(Database):
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
        stmt = stmt.on_conflict_do_update(
            index_elements=[
                t.reminders.c.platform,
                t.reminders.c.workspace_id,
                t.reminders.c.user_id,
            ],
            set_=values,
        ).returning(*t.reminders.c)
        async with self.write() as conn:
            row = (await conn.execute(stmt)).mappings().one()
        return reminder_record(row)

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
