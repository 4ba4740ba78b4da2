"""Parsers for the small pieces of schedule input people type: times, days, durations, dates.

Each returns a plain value or raises ``ScheduleError`` with a message fit to show the user.
Inputs come straight from chat, so they may be any object, any length, and any unicode; only
ASCII digits count as digits (``int()`` would happily accept Arabic-Indic or full-width ones).
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, time

from bot.scheduling.errors import ScheduleError

MAX_INPUT_LENGTH = 200
# The years a typed date or instant may name: far from the ends of Python's datetime range.
MIN_YEAR = 1900
MAX_YEAR = 9000

WEEKDAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_DAY_TOKENS: dict[str, int] = {}
for _index, _full in enumerate(
    ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
):
    _DAY_TOKENS[_full] = _index
    _DAY_TOKENS[_full[:3]] = _index
_DAY_TOKENS.update({"tues": 1, "wednes": 2, "thur": 3, "thurs": 3})

_DAY_GROUPS: dict[str, frozenset[int]] = {
    "weekdays": frozenset(range(5)),
    "weekday": frozenset(range(5)),
    "workdays": frozenset(range(5)),
    "weekends": frozenset({5, 6}),
    "weekend": frozenset({5, 6}),
    "daily": frozenset(range(7)),
    "every day": frozenset(range(7)),
    "everyday": frozenset(range(7)),
    "all": frozenset(range(7)),
    "*": frozenset(range(7)),
}

_HHMM = re.compile(
    r"(?P<h>[0-9]{1,2})(?:[:.h](?P<m>[0-9]{2}))?\s*(?P<ampm>am|pm|a\.m\.|p\.m\.)?", re.ASCII
)
_COMPACT_HHMM = re.compile(r"(?P<h>[0-9]{2})(?P<m>[0-9]{2})", re.ASCII)
_DURATION_PART = re.compile(
    r"(?P<n>[0-9]{1,6})\s*(?P<unit>minutes|minute|mins|min|m|hours|hour|hrs|hr|h)?", re.ASCII
)
_ISO_DATE = re.compile(r"(?P<y>[0-9]{4})-(?P<m>[0-9]{2})-(?P<d>[0-9]{2})", re.ASCII)


def clean_text(value: object, what: str, max_length: int = MAX_INPUT_LENGTH) -> str:
    """Return ``value`` stripped, or raise ``ScheduleError`` if it is not sane text.

    Shared by every parser so hostile input (non-strings, control characters, huge strings)
    is rejected the same way everywhere, before any real parsing starts.
    """
    if not isinstance(value, str):
        raise ScheduleError(f"{what} must be text, got {type(value).__name__}")
    if len(value) > max_length:
        raise ScheduleError(f"{what} is too long ({len(value)} characters, at most {max_length})")
    text = value.strip()
    if not text:
        raise ScheduleError(f"{what} is empty")
    for char in text:
        if unicodedata.category(char) in {"Cc", "Cf", "Cs", "Co", "Cn"} and char not in "\t":
            raise ScheduleError(f"{what} contains a control or invisible character {char!r}")
    return text


def _normalise_dashes(text: str) -> str:
    return text.replace("\u2013", "-").replace("\u2014", "-").replace("\u2212", "-")


def parse_hhmm(text: object) -> time:
    """Parse a time of day: ``09:00``, ``9``, ``9am``, ``5:30 pm``, ``17.30``, ``0930``."""
    raw = clean_text(text, "time").lower()
    if raw in {"noon", "midday"}:
        return time(12, 0)
    if raw == "midnight":
        return time(0, 0)
    match = _HHMM.fullmatch(raw) or _COMPACT_HHMM.fullmatch(raw)
    if match is None:
        raise ScheduleError(f"time '{_shown(raw)}' is not a time of day like 09:00 or 5pm")
    hour = int(match.group("h"))
    minute = int(match.group("m") or 0)
    ampm = match.groupdict().get("ampm")
    if ampm:
        if not 1 <= hour <= 12:
            raise ScheduleError(f"time '{_shown(raw)}': hour {hour} is out of range 1-12 for am/pm")
        hour = hour % 12 + (12 if ampm.startswith("p") else 0)
    if hour > 23:
        raise ScheduleError(f"time '{_shown(raw)}': hour {hour} is out of range 0-23")
    if minute > 59:
        raise ScheduleError(f"time '{_shown(raw)}': minute {minute} is out of range 0-59")
    return time(hour, minute)


def parse_days(text: object) -> set[int]:
    """Parse days of the week into a set of ``0=Monday .. 6=Sunday``.

    Accepts ``mon-fri``, ``mon,wed,fri``, ``sat sun``, ``weekdays``, ``weekends``, ``daily``,
    ``every day`` and full names. Ranges may wrap the week (``fri-mon``). Numbers are refused:
    crontab counts Sunday as 0 and Python counts Monday as 0, so a number is ambiguous.
    """
    raw = _normalise_dashes(clean_text(text, "days").lower())
    raw = re.sub(r"\s*-\s*|\s+(?:to|through|thru)\s+", "-", raw)
    if raw in _DAY_GROUPS:
        return set(_DAY_GROUPS[raw])
    days: set[int] = set()
    for token in re.split(r"[\s,;/&+]+|\band\b", raw):
        if not token:
            continue
        if token in _DAY_GROUPS:
            days |= _DAY_GROUPS[token]
        elif "-" in token:
            first_text, _, last_text = token.partition("-")
            first, last = _day(first_text), _day(last_text)
            length = (last - first) % 7
            days |= {(first + offset) % 7 for offset in range(length + 1)}
        else:
            days.add(_day(token))
    if not days:
        raise ScheduleError("days is empty: try mon-fri, weekends or daily")
    return days


def _day(token: str) -> int:
    if token in _DAY_TOKENS:
        return _DAY_TOKENS[token]
    if token.isascii() and token.isdigit():
        raise ScheduleError(
            f"days '{_shown(token)}': use day names (mon, tue, ...) rather than numbers"
        )
    raise ScheduleError(
        f"days '{_shown(token)}' is not a day name: use mon..sun, mon-fri, weekdays, "
        "weekends or daily"
    )


def parse_minutes(text: object, *, minimum: int = 1, maximum: int = 1440) -> int:
    """Parse a duration in whole minutes: ``10``, ``10m``, ``1h``, ``1h30m``, ``90 minutes``."""
    if isinstance(text, int) and not isinstance(text, bool):
        value = text
    else:
        raw = clean_text(text, "duration").lower()
        value = _duration(raw)
    if not minimum <= value <= maximum:
        raise ScheduleError(f"duration {value} minutes is out of range {minimum}-{maximum}")
    return value


def _duration(raw: str) -> int:
    compact = re.sub(r"\s+(?:and\s+)?", " ", raw)
    total = 0
    position = 0
    parts = 0
    while position < len(compact):
        if compact[position] == " ":
            position += 1
            continue
        match = _DURATION_PART.match(compact, position)
        if match is None or (match.group("unit") is None and match.end() < len(compact)):
            raise ScheduleError(
                f"duration '{_shown(raw)}' is not a duration like 10, 10m, 1h or 90 minutes"
            )
        number = int(match.group("n"))
        unit = match.group("unit") or "m"
        total += number * (60 if unit.startswith("h") else 1)
        parts += 1
        position = match.end()
    if parts == 0:
        raise ScheduleError(f"duration '{_shown(raw)}' is empty")
    return total


def parse_date(text: object) -> date:
    """Parse a calendar date written as ``YYYY-MM-DD`` (the only unambiguous form)."""
    raw = clean_text(text, "date")
    match = _ISO_DATE.fullmatch(raw)
    if match is None:
        raise ScheduleError(f"date '{_shown(raw)}' is not written as YYYY-MM-DD")
    try:
        day = date(int(match.group("y")), int(match.group("m")), int(match.group("d")))
    except ValueError as exc:
        raise ScheduleError(f"date '{raw}' does not exist ({exc})") from None
    return check_year(day)


def check_year(day: date) -> date:
    """``day`` if its year is one the bot can reason about, else a ScheduleError.

    Python's dates end at years 1 and 9999, so 0001-01-01 read in a zone east of UTC is
    before the first representable instant (an OverflowError deep in a command). Refusing
    far-off years here keeps every date input (commands, config files) well inside it.
    """
    if not MIN_YEAR <= day.year <= MAX_YEAR:
        raise ScheduleError(
            f"date '{day.isoformat()}' is outside the years {MIN_YEAR}-{MAX_YEAR}")
    return day


def format_days(days: set[int] | frozenset[int]) -> str:
    """Summarise weekdays for people: ``Mon–Fri``, ``Mon, Wed, Fri``, ``every day``."""
    ordered = sorted(days)
    if len(ordered) == 7:
        return "every day"
    runs: list[list[int]] = []
    for day in ordered:
        if runs and runs[-1][-1] == day - 1:
            runs[-1].append(day)
        else:
            runs.append([day])
    pieces = []
    for run in runs:
        if len(run) >= 3:
            pieces.append(f"{WEEKDAY_NAMES[run[0]]}–{WEEKDAY_NAMES[run[-1]]}")
        else:
            pieces.extend(WEEKDAY_NAMES[day] for day in run)
    return ", ".join(pieces)


def _shown(text: str, limit: int = 40) -> str:
    """Echo user input back safely: truncated so an error message stays one readable line."""
    return text if len(text) <= limit else text[: limit - 1] + "…"

