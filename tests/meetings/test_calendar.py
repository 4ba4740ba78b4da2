"""ICS -> busy intervals: recurrences, exceptions, overrides, all-day, free, declined, DST."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.meetings.calendar import Busy, busy_intervals, merge, owner_addresses, parse_calendar
from bot.meetings.errors import FeedError, FeedErrorKind
from tests.meetings import feeds
from tests.meetings.feeds import ALICE, ALICE_BUSY, ALICE_UNNAMED, GOOGLE_STYLE, utc

LONDON = ZoneInfo("Europe/London")
NEW_YORK = ZoneInfo("America/New_York")
DAYS = {"thu-25": 25, "fri-26": 26, "sun-28": 28, "mon-29": 29, "tue-30": 30, "wed-31": 31}


def _local_day(day: int) -> tuple[datetime, datetime]:
    start = datetime(2027, 3, day, tzinfo=LONDON)
    return start, datetime.combine(start.date() + timedelta(days=1), start.time(), LONDON)


def _pairs(items: list[Busy]) -> list[tuple[datetime, datetime]]:
    return [(b.start, b.end) for b in items]


@pytest.mark.parametrize("name", sorted(DAYS))
def test_alice_is_busy_exactly_when_her_calendar_says(name: str) -> None:
    """Per local day across the spring-forward change: the expected UTC intervals."""
    start, end = _local_day(DAYS[name])
    got = busy_intervals(ALICE.encode(), start=start, end=end, tz=LONDON)
    expected = [(max(s, start), min(e, end)) for s, e in ALICE_BUSY[name]]
    assert _pairs(got) == expected


def test_recurring_meeting_keeps_local_time_across_dst() -> None:
    """The 09:30 London stand-up is 09:30 UTC on Thursday and 08:30 UTC on Tuesday."""
    got = busy_intervals(ALICE.encode(), start=utc(2027, 3, 25), end=utc(2027, 3, 31),
                         tz=LONDON)
    standups = [b.start for b in got if b.length == timedelta(minutes=15)]
    assert standups == [utc(2027, 3, 25, 9, 30), utc(2027, 3, 30, 8, 30)]


def test_an_event_spanning_the_change_is_as_long_as_it_really_is() -> None:
    """00:30 GMT to 03:00 BST on the change night is 90 minutes, not 150."""
    start, end = _local_day(28)
    [deploy] = busy_intervals(ALICE.encode(), start=start, end=end, tz=LONDON)
    assert deploy.length == timedelta(minutes=90)


def test_an_opaque_all_day_event_covers_the_local_day() -> None:
    """An all-day offsite is busy from local midnight to local midnight (in UTC: 23:00)."""
    start, end = _local_day(31)
    assert _pairs(busy_intervals(ALICE.encode(), start=start, end=end, tz=LONDON)) == [
        (utc(2027, 3, 30, 23), utc(2027, 3, 31, 23))]


def test_owner_comes_from_the_calendar_name_when_it_is_an_address() -> None:
    """Google names a primary calendar after its owner's address."""
    assert owner_addresses(parse_calendar(ALICE.encode())) == {"alice@example.com"}


def test_owner_is_inferred_from_the_attendees_when_unnamed() -> None:
    """Without an address for a name, the attendee on most meetings is the owner."""
    assert owner_addresses(parse_calendar(ALICE_UNNAMED.encode())) == {"alice@example.com"}


def test_an_explicit_owner_wins() -> None:
    """The address the caller knows is used as given (case and mailto: ignored)."""
    assert owner_addresses(parse_calendar(ALICE.encode()), "MAILTO:Bob@Example.com") == {
        "bob@example.com"}


def test_declined_is_read_from_the_owners_entry_only() -> None:
    """The pitch Alice declined is free in her view of the feed and busy when the same feed
    is read as Dan's, who accepted it."""
    start, end = _local_day(29)
    alice = busy_intervals(ALICE.encode(), start=start, end=end, tz=LONDON)
    as_dan = busy_intervals(ALICE.encode(), start=start, end=end, tz=LONDON,
                            owner="dan@example.com")
    pitch = (utc(2027, 3, 29, 15), utc(2027, 3, 29, 16))
    assert pitch not in _pairs(alice)
    assert pitch in _pairs(as_dan)


def test_with_no_owner_known_declined_meetings_count_as_busy() -> None:
    """When nobody can be told to be the owner, no invitation is taken as declined."""
    ambiguous = feeds._calendar(feeds._event(
        "x", "Pair", "DTSTART:20270329T150000Z", "DTEND:20270329T160000Z",
        "ATTENDEE;PARTSTAT=DECLINED:mailto:a@example.com",
        "ATTENDEE;PARTSTAT=ACCEPTED:mailto:b@example.com"))
    cal = parse_calendar(ambiguous.encode())
    assert owner_addresses(cal) == frozenset()
    assert _pairs(busy_intervals(cal, start=utc(2027, 3, 29), end=utc(2027, 3, 30),
                                 tz=LONDON)) == [(utc(2027, 3, 29, 15), utc(2027, 3, 29, 16))]


def test_free_cancelled_and_outlook_free_events_do_not_count() -> None:
    """Tuesday has only the stand-up and the back-to-back block; the rest is free."""
    start, end = _local_day(30)
    got = _pairs(busy_intervals(ALICE.encode(), start=start, end=end, tz=LONDON))
    assert got == ALICE_BUSY["tue-30"]


def test_back_to_back_meetings_merge_into_one_block() -> None:
    """12:00-13:00 and 13:00-14:00 are one two-hour block."""
    start, end = _local_day(30)
    blocks = busy_intervals(ALICE.encode(), start=start, end=end, tz=LONDON)
    assert max(b.length for b in blocks) == timedelta(hours=2)


def test_x_wr_timezone_and_floating_times_use_local_time() -> None:
    """Google's UTC-plus-X-WR-TIMEZONE series stays at 09:00 New York after the US change;
    a floating lunch is read in the person's zone."""
    got = _pairs(busy_intervals(GOOGLE_STYLE.encode(), start=utc(2027, 3, 8),
                                end=utc(2027, 3, 16), tz=NEW_YORK))
    assert got == [(utc(2027, 3, 8, 14), utc(2027, 3, 8, 14, 30)),
                   (utc(2027, 3, 15, 13), utc(2027, 3, 15, 13, 30)),
                   (utc(2027, 3, 15, 16), utc(2027, 3, 15, 17))]


def test_results_are_clipped_to_the_window() -> None:
    """An interval crossing the window's edges is cut to it."""
    got = busy_intervals(ALICE.encode(), start=utc(2027, 3, 29, 13),
                         end=utc(2027, 3, 29, 13, 30), tz=LONDON)
    assert _pairs(got) == [(utc(2027, 3, 29, 13), utc(2027, 3, 29, 13, 30))]


@pytest.mark.parametrize("body", [feeds.NOT_A_CALENDAR, feeds.BROKEN, b"", b"\xff\xfe\x00"])
def test_what_is_not_a_calendar_is_bad_ics(body: bytes) -> None:
    """A login page, a broken feed or garbage is FeedError(BAD_ICS), never a crash."""
    with pytest.raises(FeedError) as caught:
        busy_intervals(body, start=utc(2027, 3, 1), end=utc(2027, 3, 2), tz=LONDON)
    assert caught.value.kind is FeedErrorKind.BAD_ICS


def test_naive_bounds_are_refused() -> None:
    """The window must be timezone-aware (DTZ): a naive one is a programming error."""
    with pytest.raises(ValueError, match="timezone-aware"):
        busy_intervals(ALICE.encode(), start=datetime(2027, 3, 1),  # noqa: DTZ001
                       end=utc(2027, 3, 2), tz=LONDON)


def test_merge_joins_overlaps_and_touching_intervals() -> None:
    """Overlapping and touching intervals become one; gaps stay."""
    a = Busy(utc(2027, 1, 1, 9), utc(2027, 1, 1, 10))
    b = Busy(utc(2027, 1, 1, 9, 30), utc(2027, 1, 1, 11))
    c = Busy(utc(2027, 1, 1, 11), utc(2027, 1, 1, 12))
    d = Busy(utc(2027, 1, 1, 13), utc(2027, 1, 1, 14))
    assert merge([d, c, b, a], utc(2027, 1, 1), utc(2027, 1, 2)) == [
        Busy(utc(2027, 1, 1, 9), utc(2027, 1, 1, 12)), d]
