"""/schedule: channel schedules of break nudges or tips, for workspace admins.

The order inside each method: parse and validate everything, ask the platform whether the
channel is usable, and only then write, so a malformed request changes nothing.
"""

from __future__ import annotations

import logging

from bot.core.commands import NUDGE_KINDS
from bot.core.messages import Message, MessageKind, Section, error, info
from bot.core.ports import Actor, DeliveryStatus
from bot.core.text import plural
from bot.scheduling.commands.base import SchedulingBase, admin_only, when
from bot.scheduling.errors import ScheduleError
from bot.scheduling.inputs import clean_text
from bot.scheduling.recurrence import build_recurrence, parse_timezone
from bot.scheduling.specs import recurrence_for, spec_of, zone
from bot.storage.records import ScheduleRow

log = logging.getLogger(__name__)

# What a channel schedule posts: the content facade's nudge kinds.
KINDS = NUDGE_KINDS
MAX_ID = 2**63 - 1


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
        if kind not in KINDS:
            return error(f"kind must be `break` or `tip`, not `{str(kind)[:20]}`")
        try:
            channel = clean_text(channel, "channel", max_length=64)
            tz_name = parse_timezone(timezone).key if timezone is not None else None
            recurrence = build_recurrence(cron=cron, every=every, start=start, end=end, days=days)
        except ScheduleError as exc:
            return error(str(exc))
        tz = await self._person_zone(actor, tz_name)
        now = self.clock.now()
        upcoming = recurrence.upcoming(now, tz, 3)
        if not upcoming:
            return error("That schedule never fires. Check the days and months.")
        if self.channel_checker is not None:
            reason = await self.channel_checker(actor.platform, actor.workspace_id, channel)
            if reason is not None:
                return error(f"I can't post in that channel: {reason}")
        row = await self.store.add_schedule(
            platform=actor.platform,
            workspace_id=actor.workspace_id,
            channel_id=channel,
            kind=kind,
            spec=spec_of(recurrence),
            timezone=tz_name,
            next_due=upcoming[0],
            created_by=actor.user_id,
            limit=self.max_schedules,
        )
        if row is None:
            return error(
                f"This workspace already has {self.max_schedules} schedules, the most allowed. "
                f"Remove one with `{self.names.schedule} remove <id>` first."
            )
        log.info("schedule %s added by %s in %s", row.id, actor.user_id, actor.workspace_id)
        return Message(
            kind=MessageKind.INFO,
            title=f"Schedule #{row.id} added",
            body=f"A {kind} in channel {channel}, {recurrence.describe()} ({tz.key}).",
            sections=(Section("Next times", tuple(when(t, tz) for t in upcoming)),),
            ephemeral=True,
        )

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
        tz = await self._person_zone(actor, found.timezone)
        next_due = recurrence_for(found.spec).next_after(self.clock.now(), tz)
        await self.store.update_schedule(
            found.id, paused=False, paused_reason=None, next_due=next_due
        )
        return info(f"Schedule #{found.id} resumed", f"Next: {when(next_due, tz)}")

    @admin_only
    async def schedule_remove(self, actor: Actor, id: object) -> Message:
        found = await self._own_schedule(actor, id)
        if isinstance(found, Message):
            return found
        await self.store.delete_schedule(found.id)
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
                f"`{str(schedule_id)[:20]}` is not a schedule id; see `{self.names.schedule} list`."
            )
        row = await self.store.get_schedule(ident)
        if row is None or (row.platform, row.workspace_id) != (actor.platform, actor.workspace_id):
            return error(f"There is no schedule #{ident} here; see `{self.names.schedule} list`.")
        return row
