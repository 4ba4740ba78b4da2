"""/remind calendar: a person's private calendar feed, so nudges wait for their meetings.

The link is a password to the person's calendar, so it is never echoed, logged or shown
again: it is checked (the SSRF guard, then one fetch through it, so a name that resolves to a
private address or a redirect into the office network is refused now rather than failing
silently later), stored sealed, and from then on only "a calendar is set" is ever said.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

from bot.core.messages import Message, error, info
from bot.core.ports import Actor
from bot.meetings.calendar import busy_intervals
from bot.meetings.errors import FeedError
from bot.meetings.ssrf import UrlRefused
from bot.scheduling.commands.base import SchedulingBase

OFF_WORDS = frozenset({"off", "remove", "none", "clear"})
NOT_RUNNING = "Calendars aren't available here: the scheduler isn't running in this process."


class CalendarCommands(SchedulingBase):
    async def remind_calendar(self, actor: Actor, url: str) -> Message:
        """Set (or with ``off`` remove) the person's calendar feed."""
        meetings = self.meetings
        if meetings is None:
            return error(NOT_RUNNING)
        text = (url or "").strip()
        if not text:
            return error(f"Paste your calendar's secret iCal/ICS address after "
                         f"`{self.names.remind} calendar`, or write `off`.")
        who = (str(actor.platform), actor.workspace_id, actor.user_id)
        if text.lower() in OFF_WORDS:
            removed = await meetings.calendars.remove(*who)
            meetings.gate.forget(*who)
            if not removed:
                return info("No calendar was set")
            return info("Calendar removed",
                        "I've deleted the link; your reminders follow your plain schedule.")
        try:
            meetings.fetcher.check(text)
        except UrlRefused as exc:
            return error(str(exc))
        tz = await self._person_zone(actor, await self._own_zone(actor))
        now = self.clock.now()
        try:
            data = await meetings.fetcher.fetch(text)
            busy = await asyncio.to_thread(busy_intervals, data, start=now,
                                           end=now + timedelta(days=1), tz=tz)
        except FeedError as exc:
            return error(str(exc))
        await meetings.calendars.set_url(*who, text)
        meetings.gate.forget(*who)
        count = len(busy)
        upcoming = ("nothing busy in the next 24 hours" if count == 0 else
                    f"{count} busy time{'s' if count != 1 else ''} in the next 24 hours")
        return info(
            "Calendar set",
            f"Your break reminders now wait while your calendar shows you busy ({upcoming}) "
            "and come in the next free gap. The link is stored encrypted and never shown "
            f"again; remove it with `{self.names.remind} calendar off`.",
        )

    async def _own_zone(self, actor: Actor) -> str | None:
        rem = await self.store.get_reminder(actor.platform, actor.workspace_id, actor.user_id)
        return rem.timezone if rem is not None else None
