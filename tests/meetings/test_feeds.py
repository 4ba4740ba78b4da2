"""The per-person calendar cache: 15-minute freshness, shared fetches, the last good copy for
a day, one notice per failure spell, and what survives a restart."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta, tzinfo
from zoneinfo import ZoneInfo

import pytest

from bot.core.clock import FakeClock
from bot.meetings.calendar import Busy
from bot.meetings.errors import FeedErrorKind
from bot.meetings.feeds import (
    CalendarFeeds,
    CalendarState,
    MemoryHealthStore,
    parse_in_thread,
)
from bot.meetings.fetch import FeedFetcher
from tests.meetings.conftest import IcsServer
from tests.meetings.feeds import ALICE, NOT_A_CALENDAR, utc

LONDON = ZoneInfo("Europe/London")
PERSON = "slack:T1:dm:U1"


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(utc(2027, 3, 29, 9))


@pytest.fixture
def health() -> MemoryHealthStore:
    return MemoryHealthStore()


@pytest.fixture
def feeds(fetcher: FeedFetcher, clock: FakeClock, health: MemoryHealthStore) -> CalendarFeeds:
    return CalendarFeeds(fetcher, clock, health=health)


async def test_a_feed_is_fetched_once_per_fifteen_minutes(
    ics_server: IcsServer, feeds: CalendarFeeds, clock: FakeClock
) -> None:
    """Checks within 15 minutes use the cached copy; the next one refetches."""
    url = ics_server.serve("/a.ics", ALICE)
    first = await feeds.view(PERSON, url, LONDON)
    clock.advance(timedelta(minutes=14, seconds=59))
    await feeds.view(PERSON, url, LONDON)
    assert ics_server.hits == ["/a.ics"]
    clock.advance(timedelta(seconds=1))
    await feeds.view(PERSON, url, LONDON)
    assert ics_server.hits == ["/a.ics", "/a.ics"]
    assert first.state is CalendarState.OK
    assert (utc(2027, 3, 29, 12), utc(2027, 3, 29, 14)) in [(b.start, b.end) for b in first.busy]


async def test_concurrent_checks_share_one_fetch(
    ics_server: IcsServer, feeds: CalendarFeeds
) -> None:
    """Twenty checks for one person at once cost one request."""
    gate = ics_server.hang("/slow.ics")
    checks = [asyncio.ensure_future(feeds.view(PERSON, ics_server.url("/slow.ics"), LONDON))
              for _ in range(20)]
    await asyncio.wait_for(ics_server.arrived.wait(), 5)
    gate.set()
    views = await asyncio.gather(*checks)
    assert ics_server.hits == ["/slow.ics"]
    assert {v.state for v in views} == {CalendarState.OK}


async def test_a_failing_feed_keeps_its_last_good_copy_for_a_day_then_tells_once(
    ics_server: IcsServer, feeds: CalendarFeeds, clock: FakeClock
) -> None:
    """404 after a good fetch: stale copy for a day, then one notice, then silence."""
    url = ics_server.serve("/a.ics", ALICE)
    good = await feeds.view(PERSON, url, LONDON)
    ics_server.serve("/a.ics", "gone", status=404)
    clock.advance(timedelta(minutes=15))
    stale = await feeds.view(PERSON, url, LONDON)
    assert stale.state is CalendarState.STALE
    assert stale.busy == good.busy and stale.notice is None
    assert stale.error is not None and stale.error.kind is FeedErrorKind.NOT_FOUND
    clock.advance(timedelta(hours=23, minutes=45))
    still = await feeds.view(PERSON, url, LONDON)
    assert still.state is CalendarState.STALE
    clock.advance(timedelta(minutes=15))
    gone = await feeds.view(PERSON, url, LONDON)
    assert gone.state is CalendarState.UNREADABLE and gone.busy == ()
    assert gone.notice is not None and "the link no longer works" in gone.notice
    assert "/a.ics" not in gone.notice and "127.0.0.1" not in gone.notice
    clock.advance(timedelta(minutes=15))
    again = await feeds.view(PERSON, url, LONDON)
    assert again.state is CalendarState.UNREADABLE and again.notice is None


async def test_a_feed_that_never_worked_is_reported_at_once(
    ics_server: IcsServer, feeds: CalendarFeeds
) -> None:
    """No good copy to fall back on: unreadable now, with the notice (the bad ICS reason)."""
    url = ics_server.serve("/login.ics", NOT_A_CALENDAR)
    view = await feeds.view(PERSON, url, LONDON, command="/reminders")
    assert view.state is CalendarState.UNREADABLE
    assert view.notice is not None
    assert "doesn't serve a calendar" in view.notice and "/reminders calendar" in view.notice


async def test_recovery_ends_the_spell_and_a_new_one_is_told_again(
    ics_server: IcsServer, feeds: CalendarFeeds, clock: FakeClock
) -> None:
    """After a good fetch, a later day-long failure is reported once more."""
    url = ics_server.serve("/a.ics", NOT_A_CALENDAR)
    assert (await feeds.view(PERSON, url, LONDON)).notice is not None
    ics_server.serve("/a.ics", ALICE)
    clock.advance(timedelta(minutes=15))
    assert (await feeds.view(PERSON, url, LONDON)).state is CalendarState.OK
    ics_server.serve("/a.ics", "", status=500)
    clock.advance(timedelta(days=1, minutes=15))
    later = await feeds.view(PERSON, url, LONDON)
    assert later.state is CalendarState.UNREADABLE and later.notice is not None


async def test_a_new_link_is_fetched_at_once(ics_server: IcsServer, feeds: CalendarFeeds) -> None:
    """Changing the URL does not wait out the 15 minutes of the old one."""
    await feeds.view(PERSON, ics_server.serve("/old.ics", ALICE), LONDON)
    await feeds.view(PERSON, ics_server.serve("/new.ics", ALICE), LONDON)
    assert ics_server.hits == ["/old.ics", "/new.ics"]


async def test_forget_drops_the_cached_copy(ics_server: IcsServer, feeds: CalendarFeeds) -> None:
    """After forget (link removed or replaced), the next check fetches again."""
    url = ics_server.serve("/a.ics", ALICE)
    await feeds.view(PERSON, url, LONDON)
    feeds.forget(PERSON)
    await feeds.view(PERSON, url, LONDON)
    assert len(ics_server.hits) == 2


async def test_a_restart_remembers_the_last_success_and_the_notice(
    ics_server: IcsServer, fetcher: FeedFetcher, clock: FakeClock, health: MemoryHealthStore
) -> None:
    """A fresh process whose first fetch fails within a day of the last success does not
    alarm the person; one that already told them does not tell them twice."""
    url = ics_server.serve("/a.ics", ALICE)
    await CalendarFeeds(fetcher, clock, health=health).view(PERSON, url, LONDON)
    ics_server.serve("/a.ics", "", status=503)
    clock.advance(timedelta(hours=2))
    restarted = CalendarFeeds(fetcher, clock, health=health)
    view = await restarted.view(PERSON, url, LONDON)
    assert view.state is CalendarState.STALE and view.notice is None and view.busy == ()
    clock.advance(timedelta(days=1))
    told = await restarted.view(PERSON, url, LONDON)
    assert told.notice is not None
    again = await CalendarFeeds(fetcher, clock, health=health).view(PERSON, url, LONDON)
    assert again.state is CalendarState.UNREADABLE and again.notice is None


async def test_a_refused_link_is_unreadable_with_a_private_reason(
    feeds: CalendarFeeds
) -> None:
    """A link the guard refuses is unreadable; the notice says why without the link."""
    view = await feeds.view(PERSON, "file:///etc/passwd", LONDON)
    assert view.state is CalendarState.UNREADABLE
    assert view.notice is not None and "passwd" not in view.notice
    assert view.error is not None and view.error.kind is FeedErrorKind.REFUSED


async def test_unchanged_bytes_are_not_parsed_again(
    ics_server: IcsServer, fetcher: FeedFetcher, clock: FakeClock
) -> None:
    """A refetch returning the same feed reuses the expanded intervals while they reach a day
    ahead; changed bytes, or intervals running out, are parsed again."""
    parses: list[datetime] = []

    async def counting(data: bytes, start: datetime, end: datetime, tz: tzinfo,
                       owner: str | None) -> list[Busy]:
        parses.append(start)
        return await parse_in_thread(data, start, end, tz, owner)

    feeds = CalendarFeeds(fetcher, clock, parse=counting)
    url = ics_server.serve("/a.ics", ALICE)
    first = await feeds.view(PERSON, url, LONDON)
    clock.advance(timedelta(minutes=15))
    again = await feeds.view(PERSON, url, LONDON)
    assert len(parses) == 1 and again.busy == first.busy and len(ics_server.hits) == 2
    ics_server.serve("/a.ics", ALICE.replace("Stand-up", "Daily"))
    clock.advance(timedelta(minutes=15))
    await feeds.view(PERSON, url, LONDON)
    assert len(parses) == 2
    clock.advance(timedelta(days=1, minutes=15))
    await feeds.view(PERSON, url, LONDON)
    assert len(parses) == 3
