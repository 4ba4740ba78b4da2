"""The nudge buttons: Done logs a break, Snooze moves the next reminder (or, for someone
without reminders, queues one DM nudge)."""

from __future__ import annotations

from datetime import timedelta

from bot.core import actions
from bot.core.events import BreakEvent, EventKind
from bot.core.messages import Message, error, info
from bot.core.ports import Actor, Platform, Target, TargetKind
from bot.scheduling.commands.base import when
from bot.scheduling.commands.reminders import (
    MAX_SNOOZE_MINUTES,
    RemindCommands,
    outside_quiet_hours,
)
from bot.scheduling.errors import ScheduleError
from bot.scheduling.inputs import parse_minutes
from bot.storage.records import NewDelivery, ReminderRow


class NudgeButtons(RemindCommands):
    async def button(self, actor: Actor, action: str, place: Target | None = None) -> Message:
        """A nudge's ``done`` or ``snooze:<minutes>`` button (``bot/core/actions.py``);
        ``place`` is where the clicked message sits (a channel ties the Done to the schedule
        that posted there last, for team stats)."""
        parsed = actions.parse(str(action))
        if parsed is not None and parsed.kind == actions.DONE.name:
            return await self.done(actor, place=place)
        if parsed is not None and parsed.kind == actions.SNOOZE.name:
            return await self.snooze(actor, parsed["minutes"])
        if str(action).startswith(f"{actions.SNOOZE.name}:"):
            return await self.snooze(actor, str(action).partition(":")[2])
        return error("That button is not one I know.")

    async def done(self, actor: Actor, *, source: str = "nudge",
                   place: Target | None = None) -> Message:
        """Log that the person took their break (``source``: "nudge" for the button, "done"
        for the typed command)."""
        schedule_id = None
        # The store-backed log can tell which schedule posted in that channel last.
        lookup = getattr(self.events, "schedule_for_channel", None)
        if place is not None and place.kind == TargetKind.CHANNEL and lookup is not None:
            schedule_id = await lookup(str(actor.platform), place.workspace_id, place.key)
        await self.took_break(actor, source, place, schedule_id=schedule_id)
        return info("Nice one!", "Break logged. Your back says thanks.")

    async def took_break(self, actor: Actor, source: str, place: Target | None = None, *,
                         schedule_id: int | None = None) -> None:
        """A break taken (a Done, a ``/break`` card, a guided finish), for the person and,
        when it happened in another workspace's channel, for that workspace's team stats:
        Discord files a person's own things under "@me" while the click was in a server."""
        await self._record(actor, EventKind.DONE, source=source, schedule_id=schedule_id)
        if place is not None and place.workspace_id != actor.workspace_id:
            await self.events.record(BreakEvent(
                EventKind.DONE, Platform(actor.platform), place.workspace_id, actor.user_id,
                self.clock.now(), schedule_id=schedule_id, source=source))

    async def _record(self, actor: Actor, kind: EventKind, *, source: str,
                      schedule_id: int | None = None) -> None:
        await self.events.record(BreakEvent(
            kind, Platform(actor.platform), actor.workspace_id, actor.user_id,
            self.clock.now(), schedule_id=schedule_id, source=source))

    async def snooze(self, actor: Actor, minutes: str | int) -> Message:
        """Snooze the person's reminder, or, for someone without one (a channel nudge), send
        them one DM nudge ``minutes`` from now."""
        try:
            span = parse_minutes(minutes, minimum=1, maximum=MAX_SNOOZE_MINUTES)
        except ScheduleError as exc:
            return error(str(exc))
        rem = await self.store.get_reminder(actor.platform, actor.workspace_id, actor.user_id)
        await self._record(actor, EventKind.SNOOZED, source="nudge")
        if rem is None or not rem.enabled:
            return await self._snooze_once(actor, span, rem)
        return await self._snooze(actor, rem, span)

    async def _snooze_once(self, actor: Actor, minutes: int, rem: ReminderRow | None) -> Message:
        """One DM nudge ``minutes`` from now, without turning on regular reminders.

        It is queued as a pending ledger row due then, which the scheduler's tick sends once
        like any due retry (and fails, rather than sends late, past the grace window). No
        reminder row is created, so ``/remind status`` and the person's settings stay as
        they were.
        """
        now = self.clock.now()
        tz, ws = await self._zone_and_workspace(actor, rem.timezone if rem else None)
        moment, quiet = outside_quiet_hours(now + timedelta(minutes=minutes), tz, ws)
        target = Target(Platform(actor.platform), actor.workspace_id, TargetKind.DM, actor.user_id)
        queued = await self.store.record_delivery(
            NewDelivery.for_target(
                target, source=f"snooze:{actor.user_id}"[:64], slot=moment, kind="break"
            ),
            owner="snooze",
            now=now,
            send_lease=timedelta(0),
            queue_until=moment,
        )
        if queued is None:
            return info("Already snoozed", f"I'll DM you at {when(moment, tz)}.{quiet}")
        return info(
            "Snoozed",
            f"I'll DM you a break nudge at {when(moment, tz)}.{quiet} For regular ones on your "
            f"own schedule, use `{self.names.remind} on`.",
        )
