"""A person's ICS feed -> the intervals in which they are busy.

Parsing is icalendar's and recurrence expansion recurring-ical-events' (RRULE, RDATE, EXDATE,
overridden occurrences via RECURRENCE-ID, the feed's VTIMEZONEs and Google's X-WR-TIMEZONE).
What this module decides is which occurrences make someone busy:

* cancelled events (``STATUS:CANCELLED``) and events shown as free (``TRANSP:TRANSPARENT``,
  Outlook's ``X-MICROSOFT-CDO-BUSYSTATUS:FREE``/``WORKINGELSEWHERE``) do not;
* invitations the person declined do not: an ``ATTENDEE`` whose address is the person's with
  ``PARTSTAT=DECLINED``. Tentative and unanswered invitations do count: the meeting is on
  their calendar and they may well be in it;
* all-day events count for the whole local day when they are opaque (an "Out of office" day);
  Google writes its all-day events as transparent unless the person marked them busy, so a
  birthday does not silence a day;
* floating times and all-day dates are read in the person's own time zone.

**Whose PARTSTAT counts.** A feed lists every attendee of a meeting, so "declined" must be
read from the feed owner's own entry, and a feed does not say who its owner is in one
standard place. The owner's addresses are, in order:

1. the address the caller knows (an explicit ``owner``: a platform that shares the person's
   email can pass it);
2. ``X-WR-CALNAME`` when it is an email address: Google names a person's primary calendar
   after its owner's address;
3. otherwise, inferred: the address that appears as an attendee in more than half of the
   feed's meetings with two or more attendees, and in more of them than any other address.
   The owner is on every invitation in their own calendar, colleagues only on some.

When no owner can be told, no invitation is treated as declined: holding a nudge for a
meeting someone skipped costs less than nudging them in the middle of one they attend.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Any

import icalendar
import recurring_ical_events

from bot.meetings.errors import FeedError, FeedErrorKind

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_FREE_STATUSES = frozenset({"FREE", "WORKINGELSEWHERE"})
# A broken or hostile feed must not make one check expand without end.
MAX_OCCURRENCES = 5000


@dataclass(frozen=True, slots=True, order=True)
class Busy:
    """One busy interval, ``[start, end)`` in UTC."""

    start: datetime
    end: datetime

    @property
    def length(self) -> timedelta:
        return self.end - self.start


def parse_calendar(data: bytes) -> icalendar.Calendar:
    """The feed as a calendar, or ``FeedError(BAD_ICS)`` (an HTML login page, garbage...)."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("latin-1")
    if "BEGIN:VCALENDAR" not in text[:4096].upper():
        raise FeedError(FeedErrorKind.BAD_ICS)
    try:
        cal = icalendar.Calendar.from_ical(text)
    except Exception:  # icalendar raises ValueError and friends on malformed input
        raise FeedError(FeedErrorKind.BAD_ICS) from None
    if not isinstance(cal, icalendar.Calendar):
        raise FeedError(FeedErrorKind.BAD_ICS)
    return cal


def busy_intervals(
    data: bytes | icalendar.Calendar,
    *,
    start: datetime,
    end: datetime,
    tz: tzinfo,
    owner: str | None = None,
) -> list[Busy]:
    """The person's busy time in ``[start, end)``, merged, sorted and clipped to the window.

    ``tz`` is the person's zone (for floating times and all-day dates); ``owner`` their
    address when the caller knows it. Raises ``FeedError(BAD_ICS)`` for a feed that is not a
    calendar or cannot be expanded.
    """
    if start.tzinfo is None or end.tzinfo is None:
        raise ValueError("busy_intervals needs timezone-aware bounds")
    cal = data if isinstance(data, icalendar.Calendar) else parse_calendar(data)
    owners = owner_addresses(cal, owner)
    # Query a day wider on each side: all-day and floating events are placed in the person's
    # zone, which the library cannot know, so the clipping below is what makes the window exact.
    try:
        query = recurring_ical_events.of(cal, skip_bad_series=True)
        found: list[Busy] = []
        for count, event in enumerate(query.between(start - timedelta(days=1),
                                                     end + timedelta(days=1))):
            if count >= MAX_OCCURRENCES:
                break
            interval = _busy_interval(event, tz, owners)
            if interval is not None:
                found.append(interval)
    except FeedError:
        raise
    except Exception:
        raise FeedError(FeedErrorKind.BAD_ICS) from None
    return merge(found, start.astimezone(UTC), end.astimezone(UTC))


def merge(intervals: Iterable[Busy], start: datetime, end: datetime) -> list[Busy]:
    """Overlapping or touching intervals joined, clipped to ``[start, end)``."""
    out: list[Busy] = []
    for item in sorted(intervals):
        lo, hi = max(item.start, start), min(item.end, end)
        if hi <= lo:
            continue
        if out and lo <= out[-1].end:
            if hi > out[-1].end:
                out[-1] = Busy(out[-1].start, hi)
            continue
        out.append(Busy(lo, hi))
    return out


def owner_addresses(cal: icalendar.Calendar, explicit: str | None = None) -> frozenset[str]:
    """The addresses taken to be the feed owner's (see the module docstring)."""
    if explicit:
        return frozenset({_address(explicit)})
    name = str(cal.get("X-WR-CALNAME", "")).strip()
    if _EMAIL.match(name):
        return frozenset({name.lower()})
    counts: Counter[str] = Counter()
    meetings = 0
    for event in cal.walk("VEVENT"):
        addresses = {_address(a) for a in _attendees(event)}
        addresses.discard("")
        if len(addresses) < 2:
            continue
        meetings += 1
        counts.update(addresses)
    ranked = counts.most_common(2)
    if not ranked:
        return frozenset()
    top, hits = ranked[0]
    runner_up = ranked[1][1] if len(ranked) > 1 else 0
    if hits * 2 > meetings and hits > runner_up:
        return frozenset({top})
    return frozenset()


def _busy_interval(event: Any, tz: tzinfo, owners: frozenset[str]) -> Busy | None:
    if not _counts_as_busy(event, owners):
        return None
    begin = event.get("DTSTART")
    if begin is None:
        return None
    first = begin.dt
    finish = event.get("DTEND")
    if finish is not None:
        last = finish.dt
    elif event.get("DURATION") is not None:
        last = first + event["DURATION"].dt
    elif isinstance(first, datetime):
        return None  # no end and no duration: an instant, which takes no time (RFC 5545)
    else:
        last = first + timedelta(days=1)
    lo, hi = _instant(first, tz), _instant(last, tz)
    if hi <= lo:
        return None
    return Busy(lo, hi)


def _counts_as_busy(event: Any, owners: frozenset[str]) -> bool:
    if str(event.get("STATUS", "")).upper() == "CANCELLED":
        return False
    if str(event.get("TRANSP", "OPAQUE")).upper() == "TRANSPARENT":
        return False
    if str(event.get("X-MICROSOFT-CDO-BUSYSTATUS", "")).upper() in _FREE_STATUSES:
        return False
    if owners:
        for attendee in _attendees(event):
            if _address(attendee) in owners:
                partstat = str(getattr(attendee, "params", {}).get("PARTSTAT", "")).upper()
                if partstat == "DECLINED":
                    return False
    return True


def _attendees(event: Any) -> list[Any]:
    value = event.get("ATTENDEE")
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


def _address(value: Any) -> str:
    text = str(value).strip()
    if text.lower().startswith("mailto:"):
        text = text[7:]
    return text.strip().lower()


def _instant(value: date | datetime, tz: tzinfo) -> datetime:
    """A DTSTART/DTEND value as UTC: dates are local midnight, floating times local time."""
    if isinstance(value, datetime):
        local = value if value.tzinfo is not None else value.replace(tzinfo=tz)
        return local.astimezone(UTC)
    return datetime.combine(value, time(0, 0), tz).astimezone(UTC)
