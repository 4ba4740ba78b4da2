"""/schedule: channel schedules of break nudges or tips, for workspace admins.

The order inside each method: parse and validate everything, ask the platform whether the
channel is usable, and only then write, so a malformed request changes nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.core.commands import NUDGE_KINDS
from bot.core.kinds import kind_problem, label
from bot.core.messages import Message, MessageKind, Section, error, info
from bot.core.ports import Actor, DeliveryStatus
from bot.core.text import echo_start, plural
from bot.scheduling.commands.base import SchedulingBase, admin_only, when
from bot.scheduling.errors import ScheduleError
from bot.scheduling.inputs import clean_text
from bot.scheduling.recurrence import Recurrence, build_recurrence, parse_timezone
from bot.scheduling.specs import recurrence_for, spec_of, zone
from bot.storage.records import ScheduleRow

log = logging.getLogger(__name__)

# What a channel schedule posts: the content facade's nudge kinds, or ``routine:<id>``
# (bot/core/kinds.py) for one of ``SchedulingBase.routines``.
KINDS = NUDGE_KINDS
MAX_ID = 2**63 - 1


@dataclass(frozen=True, slots=True)
class _Draft:
    """A schedule's timing, checked: what add, edit and the dashboard's preview share."""

    recurrence: Recurrence
    tz_name: str | None  # the schedule's own zone; None follows the workspace
    tz: ZoneInfo
    upcoming: tuple[datetime, ...]

    def when(self) -> tuple[str, ...]:
        return tuple(when(t, self.tz) for t in self.upcoming)

    def summary(self, kind: str, channel: str) -> str:
        what = label(kind)
        return f"A {what} in channel {channel}, {self.recurrence.describe()} ({self.tz.key})."

    def saved(self, title: str, body: str) -> Message:
        return Message(kind=MessageKind.INFO, title=title, body=body,
                       sections=(Section("Next times", self.when()),), ephemeral=True)


def _channel_for(kind: str, channel_id: str, routines: Collection[str]) -> str | Message:
    """The cleaned channel id for a schedule of ``kind``, or why the two are refused."""
    problem = kind_problem(kind, routines)
    if problem is not None:
        return error(problem)
    try:
        return clean_text(channel_id, "channel", max_length=64)
    except ScheduleError as exc:
        return error(str(exc))


class ScheduleCommands(SchedulingBase):
    @admin_only
    async def schedule_add(
        self,
        actor: Actor,
        channel: str,
        kind: str,
        cron: str | None = None,
        every: str | int | None = None,
        start: str | None = None,
        end: str | None = None,
        days: str | None = None,
        timezone: str | None = None,
    ) -> Message:
        """Create a channel schedule; replies with its id and next three times."""
        cleaned = _channel_for(kind, channel, self.routines)
        if isinstance(cleaned, Message):
            return cleaned
        draft = await self._draft(actor, cron, every, start, end, days, timezone, 3)
        if isinstance(draft, Message):
            return draft
        refusal = await self._cannot_post(actor, cleaned)
        if refusal is not None:
            return refusal
        now = self.clock.now()
        row = await self.store.add_schedule(
            platform=actor.platform,
            workspace_id=actor.workspace_id,
            channel_id=cleaned,
            kind=kind,
            spec=spec_of(draft.recurrence),
            timezone=draft.tz_name,
            next_due=draft.upcoming[0],
            created_by=actor.user_id,
            limit=self.max_schedules,
            next_due_in=lambda ws_zone: draft.recurrence.next_after(now, zone(ws_zone)),
        )
        if row is None:
            return error(
                f"This workspace already has {self.max_schedules} schedules, the most allowed. "
                f"Remove one with `{self.names.schedule} remove <id>` first."
            )
        log.info("schedule %s added by %s in %s", row.id, actor.user_id, actor.workspace_id)
        body = draft.summary(kind, cleaned)
        await self._audited(actor, "schedule.add", f"Added schedule #{row.id}: {body}")
        return draft.saved(f"Schedule #{row.id} added", body)

    @admin_only
    async def schedule_edit(
        self,
        actor: Actor,
        id: object,
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
        channel = _channel_for(kind, channel_id, self.routines)
        if isinstance(channel, Message):
            return channel
        draft = await self._draft(actor, cron, every, start, end, days, timezone, 3)
        if isinstance(draft, Message):
            return draft
        refusal = await self._cannot_post(actor, channel) if channel != found.channel_id else None
        if refusal is not None:
            return refusal
        now = self.clock.now()

        def next_due(row: ScheduleRow, fires_in: str) -> datetime | None:
            # From the row as stored when written: paused meanwhile stays paused.
            return row.next_due if row.paused else draft.recurrence.next_after(now, zone(fires_in))

        await self.store.update_schedule(
            found.id,
            channel_id=channel,
            kind=kind,
            spec=spec_of(draft.recurrence),
            timezone=draft.tz_name,
            next_due_from=next_due,
        )
        body = draft.summary(kind, channel)
        await self._audited(actor, "schedule.edit", f"Changed schedule #{found.id}: {body}")
        note = " It stays paused until you resume it." if found.paused else ""
        return draft.saved(f"Schedule #{found.id} changed", body + note)

    @admin_only
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
        message: the one place add, edit and the preview validate a schedule."""
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

    @admin_only
    async def schedule_list(self, actor: Actor) -> Message:
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
                else f"next {when(row.next_due, tz)}"
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

    @admin_only
    async def schedule_preview(self, actor: Actor, id: object, count: int = 5) -> Message:
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
            sections=(Section(None, tuple(when(t, tz) for t in times) or ("never",)),),
            ephemeral=True,
        )

    @admin_only
    async def schedule_pause(self, actor: Actor, id: object) -> Message:
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

    @admin_only
    async def schedule_resume(self, actor: Actor, id: object) -> Message:
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
        now = self.clock.now()
        resumed: list[tuple[datetime | None, ZoneInfo]] = []

        def next_due(row: ScheduleRow, fires_in: str) -> datetime | None:
            # On the zone as committed when written (a zone change may be under way).
            tz = zone(fires_in)
            resumed.append((recurrence_for(row.spec).next_after(now, tz), tz))
            return resumed[-1][0]

        if not await self.store.update_schedule(
            found.id, paused=False, paused_reason=None, next_due_from=next_due
        ):
            return error(f"Schedule #{found.id} was removed meanwhile.")
        await self._audited(actor, "schedule.resume", f"Resumed schedule #{found.id}.")
        when_next, tz = resumed[-1]
        return info(f"Schedule #{found.id} resumed", f"Next: {when(when_next, tz)}")

    @admin_only
    async def schedule_remove(self, actor: Actor, id: object) -> Message:
        found = await self._own_schedule(actor, id)
        if isinstance(found, Message):
            return found
        await self.store.delete_schedule(found.id)
        await self._audited(
            actor, "schedule.remove",
            f"Removed schedule #{found.id} (a {found.kind} in channel {found.channel_id}).",
        )
        return info(f"Schedule #{found.id} removed")

    @admin_only
    async def schedule_test(self, actor: Actor, id: object) -> Message:
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

    async def _own_schedule(self, actor: Actor, schedule_id: object) -> ScheduleRow | Message:
        """The schedule if it exists in the actor's workspace (admin already checked)."""
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
