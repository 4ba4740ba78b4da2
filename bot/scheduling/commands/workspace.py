"""/config: the workspace's time zone, quiet hours and skip dates, for workspace admins."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.core.messages import Message, error, info
from bot.core.ports import Actor
from bot.scheduling.commands.base import SchedulingBase, admin_only
from bot.scheduling.errors import ScheduleError
from bot.scheduling.inputs import parse_date, parse_hhmm
from bot.scheduling.recurrence import Recurrence, parse_timezone
from bot.scheduling.specs import recurrence_for
from bot.storage.records import ReminderRow, ScheduleRow
from bot.storage.store import Store

log = logging.getLogger(__name__)

MAX_SKIP_DATES = 366


class ConfigCommands(SchedulingBase):
    @admin_only
    async def config_timezone(self, actor: Actor, tz: str) -> Message:
        """Set the workspace zone; schedules and reminders without their own zone follow it."""
        try:
            new_tz = parse_timezone(tz)
        except ScheduleError as exc:
            return error(str(exc))
        now = self.clock.now()
        await set_workspace_zone(self.store, actor.platform, actor.workspace_id, new_tz, now)
        local = now.astimezone(new_tz)
        await self._audited(actor, "config.timezone", f"Set the time zone to {new_tz.key}.")
        return info("Workspace time zone set", f"{new_tz.key} (it is {local:%H:%M} there now).")

    @admin_only
    async def config_quiet(self, actor: Actor, start: str, end: str | None = None) -> Message:
        """Quiet hours (no nudges), in each schedule's or person's zone; ``off`` clears them."""
        if isinstance(start, str) and start.strip().lower() == "off":
            await self.store.update_workspace(
                actor.platform, actor.workspace_id, quiet_start=None, quiet_end=None
            )
            await self._audited(actor, "config.quiet", "Turned quiet hours off.")
            return info("Quiet hours off")
        example = f"Use e.g. `{self.names.config} quiet 22:00 07:00`, or `off`."
        if end is None:
            return error(f"Quiet hours need an end time too. {example}")
        try:
            begin = parse_hhmm(start)
            finish = parse_hhmm(end)
        except ScheduleError as exc:
            return error(f"{exc}. {example}")
        if begin == finish:
            return error("Quiet hours need different start and end times (or `off`).")
        await self.store.update_workspace(
            actor.platform,
            actor.workspace_id,
            quiet_start=f"{begin:%H:%M}",
            quiet_end=f"{finish:%H:%M}",
        )
        await self._audited(
            actor, "config.quiet", f"Set quiet hours to {begin:%H:%M}–{finish:%H:%M}."
        )
        return info(
            "Quiet hours set", f"No nudges from {begin:%H:%M} to {finish:%H:%M} local time."
        )

    @admin_only
    async def config_skip(self, actor: Actor, date: str, remove: bool = False) -> Message:
        """Add (or remove) a date on which no nudges go out, e.g. a company holiday."""
        try:
            day = parse_date(date)
        except ScheduleError as exc:
            return error(str(exc))
        # One atomic store call each: concurrent adds and removals never overwrite each other.
        if remove:
            change = await self.store.remove_skip_date(actor.platform, actor.workspace_id, day)
            if not change.changed:
                return info(f"{day.isoformat()} was not a skip date")
        else:
            change = await self.store.add_skip_date(
                actor.platform, actor.workspace_id, day, limit=MAX_SKIP_DATES
            )
            if change.full:
                return error(f"At most {MAX_SKIP_DATES} skip dates; remove some first.")
            if not change.changed:
                return info(f"{day.isoformat()} is already a skip date")
        dates = change.dates
        listed = ", ".join(d.isoformat() for d in sorted(dates)) or "none"
        verb = "removed" if remove else "added"
        await self._audited(actor, "config.skip", f"Skip date {day.isoformat()} {verb}.")
        return info(f"Skip date {day.isoformat()} {verb}", f"Skip dates: {listed}")


async def set_workspace_zone(
    store: Store, platform: str, workspace_id: str, tz: ZoneInfo, now: datetime
) -> None:
    """Set the workspace zone and move the next time of everything that follows it (the
    schedules and reminders without a zone of their own), so none fires on the old zone.

    Paused schedules and disabled reminders get their time when they resume; a snoozed
    reminder keeps the moment the person asked for; a row whose stored spec no longer
    parses keeps its time (the tick parks it with a reason) rather than failing the change
    for the whole workspace.
    """

    def schedule_next(row: ScheduleRow) -> datetime | None:
        if row.paused:
            return row.next_due
        return _or_keep(row.next_due, lambda: recurrence_for(row.spec).next_after(now, tz))

    def reminder_next(rem: ReminderRow) -> datetime | None:
        if not rem.enabled or (rem.snoozed_until and rem.snoozed_until > now):
            return rem.next_due
        return _or_keep(rem.next_due, lambda: reminder_next_time(rem, now, tz))

    await store.set_workspace_timezone(
        platform, workspace_id, tz.key, schedule_next=schedule_next, reminder_next=reminder_next
    )


def _or_keep(current: datetime | None, compute: Callable[[], datetime | None]) -> datetime | None:
    try:
        return compute()
    except ValueError as exc:  # ScheduleError included: a stored spec a newer parser refuses
        log.warning("keeping a next time that cannot be recomputed: %s", exc)
        return current


def reminder_next_time(rem: ReminderRow, now: datetime, tz: ZoneInfo) -> datetime | None:
    """A reminder's next time from ``now`` (or from the end of its pause)."""
    recurrence: Recurrence = recurrence_for(rem.spec)
    after = now
    if rem.paused_until and rem.paused_until > now:
        after = rem.paused_until - timedelta(microseconds=1)
    return recurrence.next_after(after, tz)
