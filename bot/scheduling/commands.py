"""SchedulingCommands: /schedule, /config, /remind and the nudge buttons, for every platform.

Each method takes the :class:`Actor` first and returns a :class:`Message`. The order inside
each method is always: check the actor, parse and validate everything, ask the platform if
the channel is usable, and only then write. So a refused or malformed request changes
nothing, which the tests check by comparing the whole database before and after.
"""

from __future__ import annotations

import copy
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bot.core.messages import Message, MessageKind, Section, error, info
from bot.core.ports import Actor, DeliveryStatus, Notifier, Platform, Target, TargetKind
from bot.core.render import plural
from bot.scheduling.audit import Audit
from bot.scheduling.errors import ScheduleError
from bot.scheduling.inputs import (
    clean_text,
    echo,
    echo_start,
    parse_date,
    parse_hhmm,
    parse_minutes,
)
from bot.scheduling.policy import quiet_hours_end
from bot.scheduling.recurrence import Recurrence, build_recurrence, parse_timezone
from bot.scheduling.specs import hhmm, recurrence_for, spec_of, zone
from bot.scheduling.timezones import search_timezones
from bot.storage.records import NewDelivery, ReminderRow, ScheduleRow, WorkspaceRow
from bot.storage.store import Store

log = logging.getLogger(__name__)

ChannelChecker = Callable[[Platform, str, str], Awaitable[str | None]]
"""(platform, workspace_id, channel_id) -> None when the bot can post there, else a reason."""

DEFAULT_MAX_SCHEDULES = 50
DEFAULT_REMIND_EVERY = 60
MAX_SKIP_DATES = 366
MAX_PAUSE = timedelta(days=366)
KINDS = ("break", "tip")
MAX_ID = 2**63 - 1
ADMIN_ONLY = "Only workspace admins can change schedules and settings."


@dataclass(frozen=True, slots=True)
class CommandNames:
    """What people type for each command group on the adapter's platform.

    Replies point at the next command to run, and the names differ by platform (Slack keeps
    ``/remind`` for its own reminders, so deskbreak's is ``/reminders`` there). Each adapter
    supplies its names, so the core never has to know which platform it is talking to.
    """

    remind: str = "/remind"
    schedule: str = "/schedule"
    config: str = "/config"


@dataclass(frozen=True, slots=True)
class _Draft:
    """A schedule's timing, checked: what add, edit and preview share."""

    recurrence: Recurrence
    tz_name: str | None  # the schedule's own zone; None follows the workspace
    tz: ZoneInfo
    upcoming: tuple[datetime, ...]

    def when(self) -> tuple[str, ...]:
        return tuple(_when(t, self.tz) for t in self.upcoming)

    def summary(self, kind: str, channel: str) -> str:
        return f"A {kind} in channel {channel}, {self.recurrence.describe()} ({self.tz.key})."

    def saved(self, title: str, body: str) -> Message:
        return Message(kind=MessageKind.INFO, title=title, body=body,
                       sections=(Section("Next times", self.when()),), ephemeral=True)


def _channel_for(kind: str, channel_id: str) -> str | Message:
    """The cleaned channel id for a schedule of ``kind``, or why the two are refused."""
    if kind not in KINDS:
        return error(f"kind must be `break` or `tip`, not {echo(kind)}")
    try:
        return clean_text(channel_id, "channel", max_length=64)
    except ScheduleError as exc:
        return error(str(exc))


def notifier_channel_checker(notifiers: Mapping[Platform, Notifier]) -> ChannelChecker:
    """Ask the platform's own adapter whether the bot can post in a channel."""

    async def check(platform: Platform, workspace_id: str, channel_id: str) -> str | None:
        notifier = notifiers.get(platform)
        if notifier is None:
            return f"the {platform} adapter is not running"
        return await notifier.check_channel(workspace_id, channel_id)

    return check


class SchedulingCommands:
    """The scheduling facade every adapter calls. ``service`` (optional) powers /schedule test."""

    def __init__(
        self,
        store: Store,
        content: Any,
        clock: Any,
        settings: Any,
        channel_checker: ChannelChecker | None,
        *,
        service: Any = None,
        names: CommandNames | None = None,
        audit: Audit | None = None,
    ) -> None:
        self.store = store
        # Told about every admin change once it is made (the dashboard's audit log).
        self.audit = audit
        self.names = names or CommandNames()
        self.content = content
        self.clock = clock
        self.channel_checker = channel_checker
        self.service = service
        self.max_schedules = int(getattr(settings, "max_schedules", None) or DEFAULT_MAX_SCHEDULES)

    def with_names(self, names: CommandNames) -> SchedulingCommands:
        """The same facade (store, channel checks, scheduler) replying with other command names:
        what a second adapter in the same process gets."""
        clone = copy.copy(self)
        clone.names = names
        return clone

    def with_audit(self, audit: Audit | None) -> SchedulingCommands:
        """The same facade recording its changes through ``audit`` (the dashboard tags its
        own changes so the log can say where each one came from)."""
        clone = copy.copy(self)
        clone.audit = audit
        return clone

    async def _audited(self, actor: Actor, action: str, detail: str) -> None:
        if self.audit is not None:
            await self.audit.record(actor, action, detail)

    # ------------------------------------------------------------------ /schedule

    async def schedule_add(
        self,
        actor: Actor,
        channel_id: str,
        kind: str,
        cron: str | None = None,
        every: str | int | None = None,
        start: str | None = None,
        end: str | None = None,
        days: str | None = None,
        timezone: str | None = None,
    ) -> Message:
        """Create a channel schedule; replies with its id and next three times."""
        if not actor.is_admin:
            return error(ADMIN_ONLY)
        channel = _channel_for(kind, channel_id)
        if isinstance(channel, Message):
            return channel
        draft = await self._draft(actor, cron, every, start, end, days, timezone, 3)
        if isinstance(draft, Message):
            return draft
        refusal = await self._cannot_post(actor, channel)
        if refusal is not None:
            return refusal
        row = await self.store.add_schedule(
            platform=actor.platform,
            workspace_id=actor.workspace_id,
            channel_id=channel,
            kind=kind,
            spec=spec_of(draft.recurrence),
            timezone=draft.tz_name,
            next_due=draft.upcoming[0],
            created_by=actor.user_id,
            limit=self.max_schedules,
        )
        if row is None:
            return error(
                f"This workspace already has {self.max_schedules} schedules, the most allowed. "
                f"Remove one with `{self.names.schedule} remove <id>` first."
            )
        log.info("schedule %s added by %s in %s", row.id, actor.user_id, actor.workspace_id)
        body = draft.summary(kind, channel)
        await self._audited(actor, "schedule.add", f"Added schedule #{row.id}: {body}")
        return draft.saved(f"Schedule #{row.id} added", body)

    async def schedule_edit(
        self,
        actor: Actor,
        id: int,
        channel_id: str,
        kind: str,
        cron: str | None = None,
        every: str | int | None = None,
        start: str | None = None,
        end: str | None = None,
        days: str | None = None,
        timezone: str | None = None,
    ) -> Message:
        """Replace a schedule's channel, kind, timing and zone, checked exactly like an add.

        A paused schedule stays paused (its next time is worked out when it resumes); a running
        one gets its next time from the new rule, so nothing fires on the old one.
        """
        found = await self._own_schedule(actor, id)
        if isinstance(found, Message):
            return found
        channel = _channel_for(kind, channel_id)
        if isinstance(channel, Message):
            return channel
        draft = await self._draft(actor, cron, every, start, end, days, timezone, 3)
        if isinstance(draft, Message):
            return draft
        refusal = await self._cannot_post(actor, channel) if channel != found.channel_id else None
        if refusal is not None:
            return refusal
        await self.store.update_schedule(
            found.id,
            channel_id=channel,
            kind=kind,
            spec=spec_of(draft.recurrence),
            timezone=draft.tz_name,
            next_due=found.next_due if found.paused else draft.upcoming[0],
        )
        body = draft.summary(kind, channel)
        await self._audited(actor, "schedule.edit", f"Changed schedule #{found.id}: {body}")
        note = " It stays paused until you resume it." if found.paused else ""
        return draft.saved(f"Schedule #{found.id} changed", body + note)

    async def schedule_draft(
        self,
        actor: Actor,
        cron: str | None = None,
        every: str | int | None = None,
        start: str | None = None,
        end: str | None = None,
        days: str | None = None,
        timezone: str | None = None,
        count: int = 5,
    ) -> Message:
        """The next times of a schedule not saved yet (the dashboard's live preview), with the
        same checks and messages as ``schedule_add``; nothing is written."""
        if not actor.is_admin:
            return error(ADMIN_ONLY)
        draft = await self._draft(actor, cron, every, start, end, days, timezone, count)
        if isinstance(draft, Message):
            return draft
        return Message(
            kind=MessageKind.INFO,
            title="Next times",
            body=f"{draft.recurrence.describe()} ({draft.tz.key}).",
            sections=(Section(None, draft.when()),),
            ephemeral=True,
        )

    async def _draft(
        self,
        actor: Actor,
        cron: str | None,
        every: str | int | None,
        start: str | None,
        end: str | None,
        days: str | None,
        timezone: str | None,
        count: int,
    ) -> _Draft | Message:
        """Parse a schedule's timing and zone and find its next ``count`` times, or the error
        message: the one place add, edit and preview validate a schedule."""
        try:
            tz_name = parse_timezone(timezone).key if timezone is not None else None
            recurrence = build_recurrence(cron=cron, every=every, start=start, end=end, days=days)
        except ScheduleError as exc:
            return error(str(exc))
        tz = await self._person_zone(actor, tz_name)
        upcoming = recurrence.upcoming(self.clock.now(), tz, max(1, min(count, 50)))
        if not upcoming:
            return error("That schedule never fires. Check the days and months.")
        return _Draft(recurrence, tz_name, tz, tuple(upcoming))

    async def _cannot_post(self, actor: Actor, channel: str) -> Message | None:
        """The refusal when the platform says the bot cannot post in ``channel``."""
        if self.channel_checker is None:
            return None
        reason = await self.channel_checker(actor.platform, actor.workspace_id, channel)
        return None if reason is None else error(f"I can't post in that channel: {reason}")

    async def schedule_list(self, actor: Actor) -> Message:
        if not actor.is_admin:
            return error(ADMIN_ONLY)
        rows = await self.store.list_schedules(actor.platform, actor.workspace_id)
        if not rows:
            return info("No schedules yet", f"Add one with `{self.names.schedule} add`.")
        ws = await self.store.get_workspace(actor.platform, actor.workspace_id)
        lines = []
        for row in rows:
            tz = zone(row.timezone or ws.timezone)
            state = (
                f"paused ({row.paused_reason})"
                if row.paused
                else f"next {_when(row.next_due, tz)}"
                if row.next_due
                else "no more times"
            )
            lines.append(
                f"#{row.id} {row.kind} in {row.channel_id}: "
                f"{recurrence_for(row.spec).describe()} ({tz.key}) — {state}"
            )
        return Message(
            kind=MessageKind.INFO,
            title=plural(len(rows), "schedule"),
            sections=(Section(None, tuple(lines)),),
            ephemeral=True,
        )

    async def schedule_preview(self, actor: Actor, id: int, count: int = 5) -> Message:
        """The next times a schedule fires, in its own zone with UTC offsets."""
        found = await self._own_schedule(actor, id)
        if isinstance(found, Message):
            return found
        tz = await self._person_zone(actor, found.timezone)
        times = recurrence_for(found.spec).upcoming(self.clock.now(), tz, count)
        note = f" It is paused: {found.paused_reason}." if found.paused else ""
        return Message(
            kind=MessageKind.INFO,
            title=f"Schedule #{found.id}: next times",
            body=f"{recurrence_for(found.spec).describe()} ({tz.key}).{note}",
            sections=(Section(None, tuple(_when(t, tz) for t in times) or ("never",)),),
            ephemeral=True,
        )

    async def schedule_pause(self, actor: Actor, id: int) -> Message:
        found = await self._own_schedule(actor, id)
        if isinstance(found, Message):
            return found
        if found.paused:
            return info(f"Schedule #{found.id} is already paused", found.paused_reason or "")
        await self.store.update_schedule(
            found.id, paused=True, paused_reason=f"paused by {actor.display_name or actor.user_id}"
        )
        await self._audited(actor, "schedule.pause", f"Paused schedule #{found.id}.")
        return info(
            f"Schedule #{found.id} paused",
            f"Resume with `{self.names.schedule} resume {found.id}`.",
        )

    async def schedule_resume(self, actor: Actor, id: int) -> Message:
        """Unpause; the next time is computed from now, so nothing missed is sent late."""
        found = await self._own_schedule(actor, id)
        if isinstance(found, Message):
            return found
        if not found.paused:
            return info(f"Schedule #{found.id} is not paused")
        if self.channel_checker is not None:
            reason = await self.channel_checker(
                actor.platform, actor.workspace_id, found.channel_id
            )
            if reason is not None:
                return error(f"I still can't post in that channel: {reason}")
        tz = await self._person_zone(actor, found.timezone)
        next_due = recurrence_for(found.spec).next_after(self.clock.now(), tz)
        await self.store.update_schedule(
            found.id, paused=False, paused_reason=None, next_due=next_due
        )
        when = _when(next_due, tz) if next_due else "never"
        await self._audited(actor, "schedule.resume", f"Resumed schedule #{found.id}.")
        return info(f"Schedule #{found.id} resumed", f"Next: {when}")

    async def schedule_remove(self, actor: Actor, id: int) -> Message:
        found = await self._own_schedule(actor, id)
        if isinstance(found, Message):
            return found
        await self.store.delete_schedule(found.id)
        await self._audited(
            actor, "schedule.remove",
            f"Removed schedule #{found.id} (a {found.kind} in channel {found.channel_id}).",
        )
        return info(f"Schedule #{found.id} removed")

    async def schedule_test(self, actor: Actor, id: int) -> Message:
        """Post one message from the schedule now, to check it looks right and can be posted."""
        found = await self._own_schedule(actor, id)
        if isinstance(found, Message):
            return found
        if self.service is None:
            return error("The scheduler is not running in this process, so I can't post now.")
        result = await self.service.send_test(found)
        await self._audited(
            actor, "schedule.test", f"Sent a test {found.kind} from schedule #{found.id}: "
            f"{'posted' if result.status == DeliveryStatus.SENT else result.status}."
        )
        if result.status == DeliveryStatus.SENT:
            return info(f"Posted a test {found.kind} from schedule #{found.id}")
        return error(f"The test post failed ({result.status}): {result.detail or 'no detail'}")

    async def _own_schedule(self, actor: Actor, schedule_id: Any) -> ScheduleRow | Message:
        """The schedule if it exists in the actor's workspace and the actor is an admin."""
        if not actor.is_admin:
            return error(ADMIN_ONLY)
        try:
            ident = int(str(schedule_id).strip().lstrip("#"))
            if not 1 <= ident <= MAX_ID:  # the database's integer ends at 2**63 - 1
                raise ValueError(ident)
        except ValueError:
            return error(
                f"{echo_start(schedule_id)} is not a schedule id; see `{self.names.schedule} list`."
            )
        row = await self.store.get_schedule(ident)
        if row is None or (row.platform, row.workspace_id) != (actor.platform, actor.workspace_id):
            return error(f"There is no schedule #{ident} here; see `{self.names.schedule} list`.")
        return row

    # ------------------------------------------------------------------ /config

    async def config_timezone(self, actor: Actor, tz: str) -> Message:
        """Set the workspace zone; schedules and reminders without their own zone follow it."""
        if not actor.is_admin:
            return error(ADMIN_ONLY)
        try:
            new_tz = parse_timezone(tz)
        except ScheduleError as exc:
            return error(str(exc))
        now = self.clock.now()
        await set_workspace_zone(self.store, actor.platform, actor.workspace_id, new_tz, now)
        local = now.astimezone(new_tz)
        await self._audited(actor, "config.timezone", f"Set the time zone to {new_tz.key}.")
        return info("Workspace time zone set", f"{new_tz.key} (it is {local:%H:%M} there now).")

    async def config_quiet(self, actor: Actor, start: str, end: str | None = None) -> Message:
        """Quiet hours (no nudges), in each schedule's or person's zone; ``off`` clears them."""
        if not actor.is_admin:
            return error(ADMIN_ONLY)
        if isinstance(start, str) and start.strip().lower() == "off":
            await self.store.update_workspace(
                actor.platform, actor.workspace_id, quiet_start=None, quiet_end=None
            )
            await self._audited(actor, "config.quiet", "Turned quiet hours off.")
            return info("Quiet hours off")
        try:
            begin = parse_hhmm(start)
            finish = parse_hhmm(end)
        except ScheduleError as exc:
            return error(f"{exc}. Use e.g. `{self.names.config} quiet 22:00 07:00`, or `off`.")
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

    async def config_skip(self, actor: Actor, date_text: str, remove: bool = False) -> Message:
        """Add (or remove) a date on which no nudges go out, e.g. a company holiday."""
        if not actor.is_admin:
            return error(ADMIN_ONLY)
        try:
            day = parse_date(date_text)
        except ScheduleError as exc:
            return error(str(exc))
        ws = await self.store.get_workspace(actor.platform, actor.workspace_id)
        dates = set(ws.skip_dates)
        if remove:
            if day not in dates:
                return info(f"{day.isoformat()} was not a skip date")
            dates.discard(day)
        else:
            if day in dates:
                return info(f"{day.isoformat()} is already a skip date")
            if len(dates) >= MAX_SKIP_DATES:
                return error(f"At most {MAX_SKIP_DATES} skip dates; remove some first.")
            dates.add(day)
        await self.store.update_workspace(actor.platform, actor.workspace_id, skip_dates=dates)
        listed = ", ".join(d.isoformat() for d in sorted(dates)) or "none"
        verb = "removed" if remove else "added"
        await self._audited(actor, "config.skip", f"Skip date {day.isoformat()} {verb}.")
        return info(f"Skip date {day.isoformat()} {verb}", f"Skip dates: {listed}")

    # ------------------------------------------------------------------ /remind

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
            f"{recurrence.describe()} ({tz.key}). Next: {_when(next_due, tz)}.\n"
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
                lines.append(f"Snoozed until {_when(rem.snoozed_until, tz)}")
            if rem.paused_until and rem.paused_until > now:
                lines.append(f"Paused until {_when(rem.paused_until, tz)}")
            lines.append(f"Next: {_when(rem.next_due, tz)}" if rem.next_due else "Next: never")
        return Message(
            kind=MessageKind.INFO,
            title="Your break reminders",
            sections=(Section(None, tuple(lines)),),
            ephemeral=True,
        )

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
            changes["next_due"] = _reminder_next(rem, now, new_tz)
        updated = await self.store.update_reminder(rem.id, **changes)
        assert updated is not None
        nxt = (
            f" Next: {_when(updated.next_due, new_tz)}."
            if updated.enabled and updated.next_due
            else ""
        )
        return info("Your time zone is set", f"{new_tz.key}.{nxt}")

    async def remind_snooze(self, actor: Actor, minutes: str | int) -> Message:
        """One reminder ``minutes`` from now, then back to the usual rhythm."""
        try:
            span = parse_minutes(minutes, minimum=1, maximum=24 * 60)
        except ScheduleError as exc:
            return error(str(exc))
        rem = await self.store.get_reminder(actor.platform, actor.workspace_id, actor.user_id)
        if rem is None or not rem.enabled:
            return error("Your reminders are off, so there is nothing to snooze.")
        return await self._snooze(actor, rem, span)

    async def _snooze(self, actor: Actor, rem: ReminderRow, span: int) -> Message:
        """Move an enabled reminder's next time to ``span`` minutes from now."""
        tz, ws = await self._zone_and_workspace(actor, rem.timezone)
        when, quiet = _outside_quiet_hours(self.clock.now() + timedelta(minutes=span), tz, ws)
        # A snooze is an explicit "remind me then", so it also ends any pause.
        await self.store.update_reminder(
            rem.id, next_due=when, snoozed_until=when, paused_until=None
        )
        return info("Snoozed", f"I'll remind you at {_when(when, tz)}.{quiet}")

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
        nxt = f" Next: {_when(next_due, tz)}." if next_due else ""
        return info("Reminders paused", f"Until {_when(resume_at, tz)}.{nxt}")

    # ------------------------------------------------------------------ buttons

    async def button(self, actor: Actor, action: str) -> Message:
        """The nudge buttons: ``done`` logs the break; ``snooze:<minutes>`` snoozes a reminder,
        or, for someone without one (a channel nudge), sends them one DM nudge later."""
        if action == "done":
            await self.store.add_history(actor.platform, actor.workspace_id, actor.user_id, "done")
            return info("Nice one!", "Break logged. Your back says thanks.")
        kind, _, value = str(action).partition(":")
        if kind == "snooze":
            try:
                span = parse_minutes(value, minimum=1, maximum=24 * 60)
            except ScheduleError as exc:
                return error(str(exc))
            rem = await self.store.get_reminder(actor.platform, actor.workspace_id, actor.user_id)
            await self.store.add_history(
                actor.platform, actor.workspace_id, actor.user_id, "snooze", str(span)
            )
            if rem is None or not rem.enabled:
                return await self._snooze_once(actor, span, rem)
            return await self._snooze(actor, rem, span)
        return error("That button is not one I know.")

    async def _snooze_once(self, actor: Actor, minutes: int, rem: ReminderRow | None) -> Message:
        """One DM nudge ``minutes`` from now, without turning on regular reminders.

        It is queued as a pending ledger row due then, which the scheduler's tick sends once
        like any due retry (and fails, rather than sends late, past the grace window). No
        reminder row is created, so ``/remind status`` and the person's settings stay as
        they were.
        """
        now = self.clock.now()
        tz, ws = await self._zone_and_workspace(actor, rem.timezone if rem else None)
        when, quiet = _outside_quiet_hours(now + timedelta(minutes=minutes), tz, ws)
        target = Target(Platform(actor.platform), actor.workspace_id, TargetKind.DM, actor.user_id)
        queued = await self.store.record_delivery(
            NewDelivery.for_target(
                target, source=f"snooze:{actor.user_id}"[:64], slot=when, kind="break"
            ),
            owner="snooze",
            now=now,
            send_lease=timedelta(0),
            queue_until=when,
        )
        if queued is None:
            return info("Already snoozed", f"I'll DM you at {_when(when, tz)}.{quiet}")
        return info(
            "Snoozed",
            f"I'll DM you a break nudge at {_when(when, tz)}.{quiet} For regular ones on your "
            f"own schedule, use `{self.names.remind} on`.",
        )

    def timezone_choices(self, text: str, limit: int = 25) -> list[str]:
        return search_timezones(text, limit)

    # ------------------------------------------------------------------ helpers

    async def _person_zone(self, actor: Actor, own: str | None) -> ZoneInfo:
        if own:
            return zone(own)
        ws = await self.store.get_workspace(actor.platform, actor.workspace_id)
        return zone(ws.timezone)

    async def _zone_and_workspace(
        self, actor: Actor, own: str | None
    ) -> tuple[ZoneInfo, WorkspaceRow]:
        ws = await self.store.get_workspace(actor.platform, actor.workspace_id)
        return zone(own or ws.timezone), ws


def _outside_quiet_hours(when: datetime, tz: ZoneInfo, ws: WorkspaceRow) -> tuple[datetime, str]:
    """``when``, or the end of the workspace's quiet hours if it falls inside them, and the
    sentence that tells the person why their nudge comes later than they asked.

    Without this a snoozed reminder landing in quiet hours was skipped by the tick (so the
    person waited for nothing) while a one-off snooze was sent anyway: now both move.
    """
    end = quiet_hours_end(when.astimezone(tz), hhmm(ws.quiet_start), hhmm(ws.quiet_end))
    if end is None:
        return when, ""
    return end.astimezone(UTC), (
        f" That falls in the quiet hours set here ({ws.quiet_start}–{ws.quiet_end}), "
        "so it comes when they end."
    )


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
        return _or_keep(rem.next_due, lambda: _reminder_next(rem, now, tz))

    await store.set_workspace_timezone(
        platform, workspace_id, tz.key, schedule_next=schedule_next, reminder_next=reminder_next
    )


def _or_keep(current: datetime | None, compute: Callable[[], datetime | None]) -> datetime | None:
    try:
        return compute()
    except ValueError as exc:  # ScheduleError included: a stored spec a newer parser refuses
        log.warning("keeping a next time that cannot be recomputed: %s", exc)
        return current


def _reminder_next(rem: ReminderRow, now: datetime, tz: ZoneInfo) -> datetime | None:
    recurrence: Recurrence = recurrence_for(rem.spec)
    after = now
    if rem.paused_until and rem.paused_until > now:
        after = rem.paused_until - timedelta(microseconds=1)
    return recurrence.next_after(after, tz)


def _parse_until(text: object, now: datetime, tz: ZoneInfo) -> datetime:
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


def _when(moment: datetime | None, tz: ZoneInfo) -> str:
    """``Mon 2027-03-15 09:00 EDT (UTC-04:00)``: local time for people, the offset for doubt."""
    if moment is None:
        return "never"
    local = moment.astimezone(tz)
    offset = local.strftime("%z")
    return f"{local:%a %Y-%m-%d %H:%M} {local.tzname()} (UTC{offset[:3]}:{offset[3:]})"
