"""Each person's calendar, fetched at most every 15 minutes, surviving a bad day of the feed.

A nudge check must never wait on a calendar server: the busy intervals for a window around
now (a day back, two ahead) are kept per person and refetched when they are older than
``fresh`` (15 minutes). Concurrent checks for one person share one fetch, and at most
``max_fetches`` feeds download at once, so a fan-out of thousands of due nudges costs each
person at most one request every 15 minutes.

When a fetch fails (404, timeout, not a calendar, refused by the guard) the last good copy is
used for up to ``keep`` (a day), as :attr:`CalendarState.STALE`. Past that - or at once when
there never was a good copy - the calendar is :attr:`CalendarState.UNREADABLE`: nudges fall
back to the plain schedule, and :attr:`CalendarView.notice` carries, exactly once per
failure spell, the message to DM the person ("I can't read your calendar..."). A later good
fetch ends the spell. Success times and the notice are kept through a :class:`FeedHealthStore`
so a restart neither forgets that a notice was sent nor mistakes a brief outage right after
start for a day-long one.

Parsing is the expensive part (bench/bench_presence.py: a 2 MB feed takes seconds of CPU in
icalendar), so it runs in a worker thread rather than stalling the event loop that is sending
everyone else's nudges, and a refetch that returns the same bytes (most do: calendars change
a few times a day) reuses the intervals already expanded instead of parsing again, as long
as they still cover the next day.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta, tzinfo
from enum import StrEnum
from typing import Protocol

from bot.core.clock import Clock
from bot.meetings.calendar import Busy, busy_intervals
from bot.meetings.errors import FeedError, FeedErrorKind

log = logging.getLogger(__name__)

FRESH = timedelta(minutes=15)
KEEP_LAST_GOOD = timedelta(days=1)
WINDOW_BEFORE = timedelta(days=1)
WINDOW_AFTER = timedelta(days=2)
MAX_FETCHES = 8
# Unchanged bytes reuse the expanded intervals while they still reach this far ahead.
REUSE_AHEAD = timedelta(days=1)

NOTICE = (
    "I can't read your calendar right now ({reason}), so your break reminders follow your "
    "plain schedule and may land during meetings. Set the link again with "
    "`{command} calendar <url>`, or turn it off with `{command} calendar off`."
)


class CalendarState(StrEnum):
    OK = "ok"
    STALE = "stale"  # the last fetch failed; the last good copy (under a day old) is used
    UNREADABLE = "unreadable"  # no usable copy: nudges follow the plain schedule


@dataclass(frozen=True, slots=True)
class CalendarView:
    """What is known about one person's calendar right now."""

    state: CalendarState
    busy: tuple[Busy, ...] = ()
    fetched_at: datetime | None = None  # the last successful fetch
    error: FeedError | None = None
    notice: str | None = None  # set once per failure spell: DM it to the person


@dataclass(frozen=True, slots=True)
class FeedHealth:
    """What must survive a restart: when the feed last worked, whether they were told."""

    good_at: datetime | None = None
    failing_since: datetime | None = None
    notified: bool = False


class FeedHealthStore(Protocol):
    async def get_health(self, person: str) -> FeedHealth | None: ...

    async def put_health(self, person: str, health: FeedHealth) -> None: ...


class MemoryHealthStore:
    def __init__(self) -> None:
        self.rows: dict[str, FeedHealth] = {}

    async def get_health(self, person: str) -> FeedHealth | None:
        return self.rows.get(person)

    async def put_health(self, person: str, health: FeedHealth) -> None:
        self.rows[person] = health


class Fetch(Protocol):
    async def fetch(self, raw_url: str) -> bytes: ...


Parse = Callable[[bytes, datetime, datetime, tzinfo, str | None], Awaitable[list[Busy]]]


async def parse_in_thread(data: bytes, start: datetime, end: datetime, tz: tzinfo,
                          owner: str | None) -> list[Busy]:
    return await asyncio.to_thread(busy_intervals, data, start=start, end=end, tz=tz,
                                   owner=owner)


@dataclass(slots=True)
class _Entry:
    key: str
    attempted_at: datetime
    busy: tuple[Busy, ...] | None = None
    health: FeedHealth = FeedHealth()
    error: FeedError | None = None
    digest: str = ""  # of the bytes the intervals were expanded from
    window_end: datetime | None = None  # how far ahead they were expanded


class CalendarFeeds:
    """Per-person busy intervals from their ICS feed; see the module docstring.

    ``person`` is any stable key for the person (e.g. ``Target.key``); ``command`` is how the
    notice names the command (``/remind`` on Discord, ``/reminders`` on Slack).
    """

    def __init__(
        self,
        fetcher: Fetch,
        clock: Clock,
        *,
        health: FeedHealthStore | None = None,
        fresh: timedelta = FRESH,
        keep: timedelta = KEEP_LAST_GOOD,
        max_fetches: int = MAX_FETCHES,
        parse: Parse = parse_in_thread,
    ) -> None:
        self._fetcher = fetcher
        self._clock = clock
        self._health = health if health is not None else MemoryHealthStore()
        self.fresh = fresh
        self.keep = keep
        self._parse = parse
        self._slots = asyncio.Semaphore(max_fetches)
        self._entries: dict[str, _Entry] = {}
        self._fetching: dict[str, asyncio.Future[None]] = {}

    def forget(self, person: str) -> None:
        """Drop what is cached for ``person`` (their link changed or was removed)."""
        self._entries.pop(person, None)

    async def view(self, person: str, url: str, tz: tzinfo, *, owner: str | None = None,
                   command: str = "/remind") -> CalendarView:
        """The person's calendar as of now, fetching first if the copy is older than 15 min."""
        key = _key(url, tz, owner)
        entry = self._entries.get(person)
        now = self._clock.now()
        if entry is None or entry.key != key or now - entry.attempted_at >= self.fresh:
            await self._refresh(person, key, url, tz, owner)
            entry = self._entries[person]
        return await self._view_of(person, entry, command)

    async def _refresh(self, person: str, key: str, url: str, tz: tzinfo,
                       owner: str | None) -> None:
        running = self._fetching.get(person)
        if running is None:
            running = asyncio.ensure_future(self._fetch(person, key, url, tz, owner))
            self._fetching[person] = running
            running.add_done_callback(lambda _: self._fetching.pop(person, None))
        await asyncio.shield(running)

    async def _fetch(self, person: str, key: str, url: str, tz: tzinfo,
                     owner: str | None) -> None:
        entry = self._entries.get(person)
        if entry is None or entry.key != key:
            stored = await self._health.get_health(person)
            entry = _Entry(key, self._clock.now(), health=stored or FeedHealth())
        now = self._clock.now()
        entry.attempted_at = now
        try:
            async with self._slots:
                data = await self._fetcher.fetch(url)
                digest = hashlib.sha256(data).hexdigest()
                if (entry.busy is not None and digest == entry.digest
                        and entry.window_end is not None
                        and now + REUSE_AHEAD <= entry.window_end):
                    busy = list(entry.busy)
                else:
                    busy = await self._parse(data, now - WINDOW_BEFORE, now + WINDOW_AFTER,
                                             tz, owner)
                    entry.digest, entry.window_end = digest, now + WINDOW_AFTER
        except FeedError as exc:
            entry.error = exc
            if entry.health.failing_since is None:
                entry.health = replace(entry.health, failing_since=now)
                await self._health.put_health(person, entry.health)
            log.info("calendar of %s unreadable: %s", person, exc.kind)
        except Exception:  # a bug must not take the nudge down with it
            log.exception("calendar of %s: unexpected failure", person)
            entry.error = FeedError(FeedErrorKind.BAD_ICS)
        else:
            entry.busy, entry.error = tuple(busy), None
            entry.health = FeedHealth(good_at=now)
            await self._health.put_health(person, entry.health)
        self._entries[person] = entry

    async def _view_of(self, person: str, entry: _Entry, command: str) -> CalendarView:
        health = entry.health
        if entry.error is None and entry.busy is not None:
            return CalendarView(CalendarState.OK, entry.busy, health.good_at)
        now = self._clock.now()
        recent = health.good_at is not None and now - health.good_at <= self.keep
        if recent:
            return CalendarView(CalendarState.STALE, entry.busy or (), health.good_at,
                                entry.error)
        notice = None
        if not health.notified:
            entry.health = replace(health, notified=True)
            await self._health.put_health(person, entry.health)
            reason = _reason(entry.error)
            notice = NOTICE.format(reason=reason, command=command)
        return CalendarView(CalendarState.UNREADABLE, (), health.good_at, entry.error, notice)


def _reason(error: FeedError | None) -> str:
    kind = error.kind if error is not None else FeedErrorKind.NETWORK
    return {
        FeedErrorKind.NOT_FOUND: "the link no longer works",
        FeedErrorKind.DENIED: "the calendar server won't share it",
        FeedErrorKind.TOO_LARGE: "it is over 2 MB",
        FeedErrorKind.BAD_ICS: "the link doesn't serve a calendar",
        FeedErrorKind.REFUSED: "the link points somewhere I won't fetch from",
        FeedErrorKind.TIMEOUT: "the calendar server keeps timing out",
    }.get(kind, "the calendar server can't be reached")


def _key(url: str, tz: tzinfo, owner: str | None) -> str:
    """What the cached intervals depend on, hashed so the URL itself is not kept twice."""
    return hashlib.sha256(f"{url}\n{tz}\n{owner or ''}".encode()).hexdigest()

