"""Before a personal DM nudge: is the person free? Deliver, hold or drop it (issue 16).

The dispatcher asks :meth:`MeetingGate.check` for every DM row it is about to send, and again
for a held row when its time comes. The answer is :func:`bot.meetings.policy.decide` fed with

* the person's **presence** (Slack DND / away / a busy status, Discord offline or DND), from
  the platform's :class:`~bot.meetings.presence.CachedPresence`;
* their **calendar**'s busy intervals, when they set a link (``/remind calendar``), from
  :class:`~bot.meetings.feeds.CalendarFeeds` (a feed that fails keeps its last good copy for
  a day; after that the person is told once, by DM, and nudges follow the plain schedule);
* their **working hours** and **next slot**, from the reminder itself: a held nudge is
  released only before the next one and, past the grace period, within working hours.

Why checks are cheap at send time: :meth:`prefetch` runs once per claimed batch (one batched
presence request per workspace, one query for the reminders, one for the calendar links) and
:meth:`prefetch_upcoming` runs ahead of the slot for reminders due within the next ticks, so
the answers are cached when the nudges are due; a check that would still wait on a slow
platform or calendar server answers "deliver" rather than making the nudge late (the check
finishes in the background and fills the cache).

Channel posts never come here: a channel has no one person to be busy.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from typing import Any, Protocol

from bot.core.clock import Clock
from bot.core.messages import Message, info
from bot.core.ports import Platform, TargetKind
from bot.meetings.calendar import Busy
from bot.meetings.feeds import CalendarFeeds, CalendarState, CalendarView
from bot.meetings.fetch import FeedFetcher
from bot.meetings.policy import IN_A_MEETING, Action, HoldRules, WorkingHours, deadline, decide
from bot.meetings.presence import Presence
from bot.scheduling.specs import hhmm, zone
from bot.storage.holds import Holds
from bot.storage.meetings import CalendarStore, person_key
from bot.storage.records import DeliveryRow, LedgerStatus, ReminderRow
from bot.storage.store import Store

log = logging.getLogger(__name__)

CACHE_TTL = timedelta(minutes=5)  # reminders' hours, zones and calendar links
CALENDAR_WAIT = 3.0  # seconds a check waits for a calendar fetch before delivering anyway
PRESENCE_WAIT = 2.0  # seconds a batch's prefetch waits for a platform's presence answers
REMINDERS_OFF = "reminders turned off"
AHEAD_MEMORY = 100_000  # reminders remembered as checked ahead (then forgotten at once)


class Presences(Protocol):
    """What the gate needs of :class:`bot.meetings.presence.CachedPresence`."""

    async def status(self, workspace_id: str, user_id: str) -> Presence: ...

    async def prefetch(self, workspace_id: str, user_ids: Sequence[str]) -> None: ...


@dataclass(slots=True)
class Meetings:
    """What ``/remind calendar`` and ``/remind status`` need: the links, the guarded fetcher
    (the command checks a new link with one fetch), and the gate whose caches they reset."""

    calendars: CalendarStore
    fetcher: FeedFetcher
    gate: MeetingGate
    holds: Holds


@dataclass(frozen=True, slots=True)
class Verdict:
    action: Action
    at: datetime | None = None  # HOLD: decide again then
    reason: str | None = None  # HOLD / DROP: why ("in a meeting", "do not disturb", ...)
    headline: str | None = None  # DELIVER after long meetings: the nudge's opening line
    notice: Message | None = None  # DM this to the person first (calendar unreadable)


DELIVER = Verdict(Action.DELIVER)


class MeetingGate:
    def __init__(
        self,
        store: Store,
        holds: Holds,
        clock: Clock,
        grace: timedelta,
        *,
        presence: Mapping[Platform, Presences] | None = None,
        calendars: CalendarStore | None = None,
        feeds: CalendarFeeds | None = None,
        remind_commands: Mapping[Platform, str] | None = None,
        rules: HoldRules | None = None,
        calendar_wait: float = CALENDAR_WAIT,
        fetcher: FeedFetcher | None = None,
        presence_wait: float = PRESENCE_WAIT,
    ) -> None:
        self._fetcher = fetcher  # closed with the gate
        self._store = store
        self._holds = holds
        self._clock = clock
        self.grace = grace
        self.presence = dict(presence or {})
        self.calendars = calendars
        self.feeds = feeds
        self._commands = dict(remind_commands or {})
        self.rules = rules or HoldRules()
        self.calendar_wait = calendar_wait
        self.presence_wait = presence_wait
        self._reminders: dict[int, tuple[datetime, ReminderRow | None]] = {}
        self._zones: dict[tuple[str, str], tuple[datetime, str]] = {}
        self._urls: dict[str, tuple[datetime, str | None]] = {}
        self._notices: dict[str, Message] = {}  # found by a check that had stopped waiting
        self._background: set[asyncio.Future[Any]] = set()
        self._ahead: dict[int, datetime | None] = {}  # reminder -> the slot checked ahead

    @property
    def active(self) -> bool:
        """Whether anything could hold a nudge (no presence source and no calendars: no)."""
        return bool(self.presence) or self.feeds is not None

    def forget(self, platform: str, workspace_id: str, user_id: str) -> None:
        """The person changed their calendar link: read it (and the feed) afresh."""
        person = person_key(platform, workspace_id, user_id)
        self._urls.pop(person, None)
        self._notices.pop(person, None)
        if self.feeds is not None:
            self.feeds.forget(person)

    # -- the decision ------------------------------------------------------------------------

    async def check(self, row: DeliveryRow) -> Verdict:
        """What to do with ``row`` now; a channel post is always delivered."""
        if row.target_kind != TargetKind.DM.value:
            return DELIVER
        kind, _, ident = row.source.partition(":")
        reminder = await self._reminder(int(ident)) if (
            kind == "reminder" and ident.isdigit()) else None
        held = row.status is LedgerStatus.HELD
        if held and kind == "reminder" and (reminder is None or not reminder.enabled):
            return Verdict(Action.DROP, reason=REMINDERS_OFF)
        tz = await self._zone(row, reminder)
        presence = await self._presence(row)
        busy, notice = await self._calendar(row, tz)
        hours = working_hours(reminder, tz)
        next_slot = None
        if reminder is not None and reminder.next_due is not None and reminder.next_due > row.slot:
            next_slot = reminder.next_due
        now = self._clock.now()
        if held and now > deadline(row.slot, self.grace, hours, next_slot):
            # Its time ran out while nobody could decide (the bot was down): never late.
            return Verdict(Action.DROP, reason=row.detail or IN_A_MEETING, notice=notice)
        decision = decide(slot=row.slot, now=now, grace=self.grace, busy=busy,
                          presence=presence, hours=hours, next_slot=next_slot, rules=self.rules)
        return Verdict(decision.action, decision.at, decision.reason, decision.headline(),
                       notice)

    # -- ahead of the sends --------------------------------------------------------------------

    async def prefetch(self, rows: Sequence[DeliveryRow]) -> None:
        """Ask for everything the checks of ``rows`` need, batched: one presence request per
        workspace (and batch), one query for their reminders, one for calendar links."""
        dms = [r for r in rows if r.target_kind == TargetKind.DM.value]
        if not dms:
            return
        ids = [int(r.source.partition(":")[2]) for r in dms if r.source.startswith("reminder:")
               and r.source.partition(":")[2].isdigit()]
        people = {(r.platform, r.workspace_id, r.target_id) for r in dms}
        await asyncio.gather(self._load_reminders(ids), self._prefetch_people(people),
                             self._load_zones({(r.platform, r.workspace_id) for r in dms}),
                             return_exceptions=True)

    async def prefetch_upcoming(self, reminders: Sequence[ReminderRow]) -> None:
        """Check the people of reminders due soon, so their nudges find answers cached; their
        calendars are fetched too (in the background, at most a few at a time)."""
        reminders = [r for r in reminders if self._ahead.get(r.id) != r.next_due]
        if not reminders:
            return
        if len(self._ahead) > AHEAD_MEMORY:
            self._ahead.clear()
        now = self._clock.now()
        for rem in reminders:
            self._ahead[rem.id] = rem.next_due
            self._reminders[rem.id] = (now, rem)
        people = {(r.platform, r.workspace_id, r.user_id) for r in reminders}
        await self._prefetch_people(people)
        if self.feeds is None:
            return
        for rem in reminders:
            url = self._cached_url(person_key(rem.platform, rem.workspace_id, rem.user_id))
            if url is not None:
                tz = zone(rem.timezone) if rem.timezone else await self._workspace_zone(
                    rem.platform, rem.workspace_id)
                self._spawn(self._view(rem.platform, rem.workspace_id, rem.user_id, url, tz))

    async def _prefetch_people(self, people: set[tuple[str, str, str]]) -> None:
        groups: dict[tuple[str, str], list[str]] = {}
        for platform, workspace_id, user_id in people:
            groups.setdefault((platform, workspace_id), []).append(user_id)
        work = []
        for (platform, workspace_id), users in groups.items():
            source = self.presence.get(Platform(platform))
            if source is not None:
                work.append(_bounded(source.prefetch(workspace_id, users), self.presence_wait))
            if self.calendars is not None:
                work.append(self._load_urls(platform, workspace_id, users))
        await asyncio.gather(*work, return_exceptions=True)

    # -- cached reads ------------------------------------------------------------------------

    def _fresh(self, at: datetime) -> bool:
        return self._clock.now() - at < CACHE_TTL

    async def _load_reminders(self, ids: Sequence[int]) -> None:
        if not ids:
            return
        now = self._clock.now()
        found = await self._holds.reminders(ids)
        for rid in ids:
            self._reminders[rid] = (now, found.get(rid))

    async def _reminder(self, reminder_id: int) -> ReminderRow | None:
        hit = self._reminders.get(reminder_id)
        if hit is None or not self._fresh(hit[0]):
            await self._load_reminders([reminder_id])
            hit = self._reminders[reminder_id]
        return hit[1]

    async def _load_zones(self, keys: set[tuple[str, str]]) -> None:
        """The workspaces' zones in one query. Without it a batch's checks all missed the
        cache at once and each asked for its workspace: 200 queries for the first 200 rows
        of a fan-out, which held its first sends back by a fifth of a second."""
        stale = [k for k in keys if k not in self._zones or not self._fresh(self._zones[k][0])]
        if not stale:
            return
        now = self._clock.now()
        for key, ws in (await self._store.get_workspaces(stale)).items():
            self._zones[key] = (now, ws.timezone)

    async def _workspace_zone(self, platform: str, workspace_id: str) -> tzinfo:
        key = (platform, workspace_id)
        await self._load_zones({key})
        return zone(self._zones[key][1])

    async def _zone(self, row: DeliveryRow, reminder: ReminderRow | None) -> tzinfo:
        if reminder is not None and reminder.timezone:
            return zone(reminder.timezone)
        return await self._workspace_zone(row.platform, row.workspace_id)

    async def _presence(self, row: DeliveryRow) -> Presence | None:
        source = self.presence.get(Platform(row.platform))
        if source is None:
            return None
        try:
            return await source.status(row.workspace_id, row.target_id)
        except Exception:  # a presence bug must never cost the person their nudge
            log.exception("presence check failed for a DM nudge; delivering")
            return None

    async def _load_urls(self, platform: str, workspace_id: str, users: Sequence[str]) -> None:
        assert self.calendars is not None
        now = self._clock.now()
        found = await self.calendars.urls(platform, workspace_id, users)
        for user_id, url in found.items():
            self._urls[person_key(platform, workspace_id, user_id)] = (now, url)

    def _cached_url(self, person: str) -> str | None:
        hit = self._urls.get(person)
        return hit[1] if hit is not None else None

    async def _url(self, platform: str, workspace_id: str, user_id: str) -> str | None:
        person = person_key(platform, workspace_id, user_id)
        hit = self._urls.get(person)
        if hit is None or not self._fresh(hit[0]):
            await self._load_urls(platform, workspace_id, [user_id])
            hit = self._urls[person]
        return hit[1]

    async def _calendar(self, row: DeliveryRow, tz: tzinfo
                        ) -> tuple[tuple[Busy, ...], Message | None]:
        if self.feeds is None or self.calendars is None:
            return (), None
        person = person_key(row.platform, row.workspace_id, row.target_id)
        try:
            url = await self._url(row.platform, row.workspace_id, row.target_id)
        except Exception:
            log.exception("could not read a calendar link; delivering on the plain schedule")
            return (), None
        if url is None:
            return (), self._notices.pop(person, None)
        task = asyncio.ensure_future(self._view(row.platform, row.workspace_id,
                                                row.target_id, url, tz))
        try:
            view = await asyncio.wait_for(asyncio.shield(task), self.calendar_wait)
        except TimeoutError:
            # The fetch goes on; a notice it produces is kept for this person's next check.
            self._track(task)
            return (), self._notices.pop(person, None)
        notice = self._notices.pop(person, None)
        if view is None or view.state is CalendarState.UNREADABLE:
            return (), notice
        return view.busy, notice

    async def _view(self, platform: str, workspace_id: str, user_id: str, url: str,
                    tz: tzinfo) -> CalendarView | None:
        """The feed's view; a notice found here is stashed until a check takes it."""
        assert self.feeds is not None
        person = person_key(platform, workspace_id, user_id)
        command = self._commands.get(Platform(platform), "/remind")
        try:
            view = await self.feeds.view(person, url, tz, command=command)
        except Exception:
            log.exception("calendar check failed; delivering on the plain schedule")
            return None
        if view.notice is not None:
            self._notices[person] = calendar_notice(view.notice)
            return CalendarView(view.state, view.busy, view.fetched_at, view.error)
        return view

    def _spawn(self, work: Coroutine[Any, Any, Any]) -> None:
        self._track(asyncio.ensure_future(work))

    def _track(self, task: asyncio.Future[Any]) -> None:
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def close(self) -> None:
        """Let background checks end (a stop must not leave tasks behind)."""
        for task in list(self._background):
            task.cancel()
        if self._background:
            await asyncio.gather(*self._background, return_exceptions=True)
        if self._fetcher is not None:
            await self._fetcher.close()


def calendar_notice(text: str) -> Message:
    return info("I can't read your calendar", text)


def working_hours(reminder: ReminderRow | None, tz: tzinfo) -> WorkingHours | None:
    """The reminder's window (``start``-``end`` on ``days``), or None when it has none."""
    if reminder is None:
        return None
    start, end = hhmm(reminder.spec.start), hhmm(reminder.spec.end)
    if start is None or end is None:
        return None
    days = ({int(d) for d in reminder.spec.days.split(",") if d.strip()}
            if reminder.spec.days else set(range(7)))
    return WorkingHours(start, end, frozenset(days), tz)


async def _bounded(work: Coroutine[Any, Any, Any], seconds: float) -> None:
    try:
        await asyncio.wait_for(work, seconds)
    except TimeoutError:
        return None
