"""/remind: a person's own break reminders, sent by DM in their own time zone."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bot.core.messages import Message, MessageKind, Section, error, info
from bot.core.ports import Actor, Target, TargetKind
from bot.scheduling.commands.base import SchedulingBase, when
from bot.scheduling.commands.workspace import reminder_next_time
from bot.scheduling.errors import ScheduleError
from bot.scheduling.inputs import clean_text, parse_date, parse_hhmm, parse_minutes
from bot.scheduling.policy import quiet_hours_end
from bot.scheduling.recurrence import build_recurrence, parse_timezone
from bot.scheduling.specs import hhmm, recurrence_for, spec_of
from bot.storage.records import DeliveryRow, ReminderRow, WorkspaceRow

DEFAULT_REMIND_EVERY = 60
MAX_PAUSE = timedelta(days=366)
MAX_SNOOZE_MINUTES = 24 * 60


class RemindCommands(SchedulingBase):
    async def remind_on(
        self,
        actor: Actor,
        every: str | int | None = None,
        start: str | None = None,
        end: str | None = None,
        days: str | None = None,
    ) -> Message:
        """Turn on (or change) personal DM reminders.

        Anything not given keeps the person's previous setting, so a bare ``/remind on`` after
        closed DMs or ``/remind off`` brings back exactly what they had; a first-timer gets
        every 60 minutes, 09:00–17:00, Mon–Fri.
        """
        existing = await self.store.get_reminder(actor.platform, actor.workspace_id, actor.user_id)
        day_arg: str | list[int] | None = days
        if existing is not None:
            old = existing.spec
            every = old.every_minutes if every is None else every
            start = old.start if start is None else start
            end = old.end if end is None else end
            if days is None and old.days:
                day_arg = [int(d) for d in old.days.split(",")]
        try:
            recurrence = build_recurrence(
                every=DEFAULT_REMIND_EVERY if every is None else every,
                start=start,
                end=end,
                days=day_arg,
            )
        except ScheduleError as exc:
            return error(str(exc))
        tz_name = existing.timezone if existing else None
        tz = await self._person_zone(actor, tz_name)
        now = self.clock.now()
        next_due = recurrence.next_after(now, tz)
        if next_due is None:
            return error("Those settings never fire. Check the days.")
        await self.store.upsert_reminder(
            platform=actor.platform,
            workspace_id=actor.workspace_id,
            user_id=actor.user_id,
            spec=spec_of(recurrence),
            timezone=tz_name,
            next_due=next_due,
        )
        return info(
            "Break reminders on",
            f"{recurrence.describe()} ({tz.key}). Next: {when(next_due, tz)}.\n"
            f"Change your zone with `{self.names.remind} timezone`.",
        )

    async def remind_off(self, actor: Actor) -> Message:
        rem = await self.store.get_reminder(actor.platform, actor.workspace_id, actor.user_id)
        if rem is None or not rem.enabled:
            return info("Your reminders are already off")
        await self.store.update_reminder(rem.id, enabled=False, disabled_reason="turned off")
        return info(
            "Break reminders off", f"Turn them back on any time with `{self.names.remind} on`."
        )

    async def remind_status(self, actor: Actor) -> Message:
        rem = await self.store.get_reminder(actor.platform, actor.workspace_id, actor.user_id)
        if rem is None:
            return info("No reminders", f"Turn them on with `{self.names.remind} on`.")
        tz = await self._person_zone(actor, rem.timezone)
        now = self.clock.now()
        lines = [f"{recurrence_for(rem.spec).describe()} ({tz.key})"]
        if not rem.enabled:
            if rem.disabled_reason == "dm_closed":
                lines.append(
                    "Off: I couldn't send you a direct message. Allow DMs from this "
                    f"workspace, then run `{self.names.remind} on`."
                )
            else:
                lines.append(f"Off. Turn them on with `{self.names.remind} on`.")
        else:
            if rem.snoozed_until and rem.snoozed_until > now:
                lines.append(f"Snoozed until {when(rem.snoozed_until, tz)}")
            if rem.paused_until and rem.paused_until > now:
                lines.append(f"Paused until {when(rem.paused_until, tz)}")
            held = await self._held(actor)
            if held is not None and held.next_attempt_at is not None:
                lines.append(f"Next: {when(held.next_attempt_at, tz)}, held: {held.detail} "
                             f"(your {when(held.slot, tz)} nudge waits for a free moment)")
                lines.append(f"Then: {when(rem.next_due, tz)}" if rem.next_due
                             else "Then: never")
            else:
                lines.append(f"Next: {when(rem.next_due, tz)}" if rem.next_due
                             else "Next: never")
        calendar = await self._calendar_line(actor)
        if calendar is not None:
            lines.append(calendar)
        return Message(
            kind=MessageKind.INFO,
            title="Your break reminders",
            sections=(Section(None, tuple(lines)),),
            ephemeral=True,
        )

    async def _held(self, actor: Actor) -> DeliveryRow | None:
        if self.meetings is None:
            return None
        target = Target(actor.platform, actor.workspace_id, TargetKind.DM, actor.user_id)
        return await self.meetings.holds.held_for(target.key)

    async def _calendar_line(self, actor: Actor) -> str | None:
        """Whether a calendar is set - never its link, which is a secret."""
        if self.meetings is None:
            return None
        if await self.meetings.calendars.has_calendar(
                str(actor.platform), actor.workspace_id, actor.user_id):
            return ("Calendar: set; reminders wait for your meetings "
                    f"(`{self.names.remind} calendar off` removes it)")
        return (f"Calendar: none. `{self.names.remind} calendar <ics link>` holds reminders "
                "during your meetings")

    async def remind_timezone(self, actor: Actor, tz: str) -> Message:
        try:
            new_tz = parse_timezone(tz)
        except ScheduleError as exc:
            return error(str(exc))
        rem = await self.store.get_reminder(actor.platform, actor.workspace_id, actor.user_id)
        if rem is None:
            return error(
                f"You have no reminders yet. Turn them on with `{self.names.remind} on` first."
            )
        now = self.clock.now()
        changes: dict[str, Any] = {"timezone": new_tz.key}
        if rem.enabled and not (rem.snoozed_until and rem.snoozed_until > now):
            changes["next_due"] = reminder_next_time(rem, now, new_tz)
        updated = await self.store.update_reminder(rem.id, **changes)
        assert updated is not None
        nxt = (
            f" Next: {when(updated.next_due, new_tz)}."
            if updated.enabled and updated.next_due
            else ""
        )
        return info("Your time zone is set", f"{new_tz.key}.{nxt}")

    async def remind_snooze(self, actor: Actor, minutes: str | int) -> Message:
        """One reminder ``minutes`` from now, then back to the usual rhythm."""
        try:
            span = parse_minutes(minutes, minimum=1, maximum=MAX_SNOOZE_MINUTES)
        except ScheduleError as exc:
            return error(str(exc))
        rem = await self.store.get_reminder(actor.platform, actor.workspace_id, actor.user_id)
        if rem is None or not rem.enabled:
            return error("Your reminders are off, so there is nothing to snooze.")
        return await self._snooze(actor, rem, span)

    async def _snooze(self, actor: Actor, rem: ReminderRow, span: int) -> Message:
        """Move an enabled reminder's next time to ``span`` minutes from now."""
        tz, ws = await self._zone_and_workspace(actor, rem.timezone)
        moment, quiet = outside_quiet_hours(self.clock.now() + timedelta(minutes=span), tz, ws)
        # A snooze is an explicit "remind me then", so it also ends any pause.
        await self.store.update_reminder(
            rem.id, next_due=moment, snoozed_until=moment, paused_until=None
        )
        return info("Snoozed", f"I'll remind you at {when(moment, tz)}.{quiet}")

    async def remind_pause(self, actor: Actor, until: str) -> Message:
        """No reminders until a date (``YYYY-MM-DD``, from its start) or a time (``HH:MM``)."""
        rem = await self.store.get_reminder(actor.platform, actor.workspace_id, actor.user_id)
        if rem is None or not rem.enabled:
            return error("Your reminders are off, so there is nothing to pause.")
        tz = await self._person_zone(actor, rem.timezone)
        now = self.clock.now()
        try:
            resume_at = _parse_until(until, now, tz)
        except ScheduleError as exc:
            return error(f"{exc}. Use a date like 2027-03-20 or a time like 14:00.")
        if resume_at <= now:
            return error("That time has already passed.")
        if resume_at - now > MAX_PAUSE:
            return error(
                f"You can pause for at most a year; use `{self.names.remind} off` instead."
            )
        next_due = recurrence_for(rem.spec).next_after(resume_at - timedelta(microseconds=1), tz)
        await self.store.update_reminder(
            rem.id, paused_until=resume_at, snoozed_until=None, next_due=next_due
        )
        nxt = f" Next: {when(next_due, tz)}." if next_due else ""
        return info("Reminders paused", f"Until {when(resume_at, tz)}.{nxt}")


def outside_quiet_hours(moment: datetime, tz: ZoneInfo, ws: WorkspaceRow) -> tuple[datetime, str]:
    """``moment``, or the end of the workspace's quiet hours if it falls inside them, and the
    sentence that tells the person why their nudge comes later than they asked.

    Without this a snoozed reminder landing in quiet hours was skipped by the tick (so the
    person waited for nothing) while a one-off snooze was sent anyway: now both move.
    """
    end = quiet_hours_end(moment.astimezone(tz), hhmm(ws.quiet_start), hhmm(ws.quiet_end))
    if end is None:
        return moment, ""
    return end.astimezone(UTC), (
        f" That falls in the quiet hours set here ({ws.quiet_start}–{ws.quiet_end}), "
        "so it comes when they end."
    )


def _parse_until(text: object, now: datetime, tz: ZoneInfo) -> datetime:
    try:
        return _until(text, now, tz)
    except OverflowError:  # beyond datetime's range once moved to UTC: never a traceback
        shown = clean_text(text, "until", max_length=40)
        raise ScheduleError(f"'{shown}' is too far away") from None


def _until(text: object, now: datetime, tz: ZoneInfo) -> datetime:
    raw = clean_text(text, "until", max_length=40)
    if len(raw) == 10 and raw[4] == "-":
        day: date = parse_date(raw)
        return datetime.combine(day, time(0, 0), tzinfo=tz).astimezone(now.tzinfo)
    at = parse_hhmm(raw)
    local_now = now.astimezone(tz)
    candidate = datetime.combine(local_now.date(), at, tzinfo=tz)
    if candidate <= local_now:
        candidate = datetime.combine(local_now.date() + timedelta(days=1), at, tzinfo=tz)
    return candidate.astimezone(now.tzinfo)
