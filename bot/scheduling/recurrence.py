"""When a schedule fires: cron and friendly specs evaluated on local wall-clock time.

A schedule is a rule about the *local* clock ("09:00 on weekdays in Europe/London"), so fire
times are found by walking local dates and times of day and converting each candidate to UTC.
Across DST changes the rules are:

* a local time that does not exist that day (spring-forward gap) is skipped;
* an ambiguous local time (fall-back) fires once, at its first occurrence (``fold=0``);
* ``next_after`` is strictly increasing, so repeated calls never step backwards.

The search jumps from matching date to matching date and bisects the sorted times of day, so
one call costs microseconds; the scheduler calls it once per delivery.
"""

from __future__ import annotations

import calendar
from bisect import bisect_left
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from bot.scheduling.cron import parse_cron_fields
from bot.scheduling.errors import ScheduleError
from bot.scheduling.inputs import (
    format_days,
    parse_date,
    parse_days,
    parse_hhmm,
    parse_minutes,
)
from bot.scheduling.timezones import parse_timezone, search_timezones, timezone_names

__all__ = [
    "DEFAULT_DAYS",
    "DEFAULT_END",
    "DEFAULT_START",
    "DayRule",
    "Recurrence",
    "ScheduleError",
    "NEVER_FIRES",
    "NeverFires",
    "build_recurrence",
    "check_fires",
    "friendly",
    "parse_cron",
    "parse_date",
    "parse_days",
    "parse_hhmm",
    "parse_minutes",
    "parse_timezone",
    "search_timezones",
    "timezone_names",
]

DEFAULT_START = time(9, 0)
DEFAULT_END = time(17, 0)
DEFAULT_DAYS = frozenset(range(5))
MAX_UPCOMING = 1000

_ALL_DAYS = frozenset(range(1, 32))
_ALL_MONTHS = frozenset(range(1, 13))
_ALL_WEEKDAYS = frozenset(range(7))
_LONGEST_MONTH = {
    1: 31,
    2: 29,
    3: 31,
    4: 30,
    5: 31,
    6: 30,
    7: 31,
    8: 31,
    9: 30,
    10: 31,
    11: 30,
    12: 31,
}
# The Gregorian calendar repeats every 400 years: a day rule that matches nothing in that
# span matches nothing ever.
_SEARCH_YEARS = 401
_DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass(frozen=True, slots=True)
class DayRule:
    """Which local dates a schedule may fire on.

    ``either`` is crontab's rule: when both day-of-month and day-of-week are restricted a
    date matches if *either* does; otherwise both must match (an unrestricted one always does).
    """

    months: frozenset[int] = _ALL_MONTHS
    days_of_month: frozenset[int] = _ALL_DAYS
    weekdays: frozenset[int] = _ALL_WEEKDAYS
    either: bool = False

    def possible(self) -> bool:
        """Whether any date ever matches (``0 0 30 2 *`` never does)."""
        if not self.months or not self.weekdays or not self.days_of_month:
            return False
        if self.either:
            return True
        first_day = min(self.days_of_month)
        return any(first_day <= _LONGEST_MONTH[month] for month in self.months)

    def next_date(self, start: date) -> date | None:
        """The first matching date on or after ``start``, or None if there is none."""
        if not self.possible():
            return None
        months = sorted(self.months)
        last_year = min(9999, start.year + _SEARCH_YEARS)
        for year in range(start.year, last_year + 1):
            for month in months:
                if year == start.year and month < start.month:
                    continue
                first = start.day if (year, month) == (start.year, start.month) else 1
                found = self._first_in_month(year, month, first)
                if found is not None:
                    return date(year, month, found)
        return None

    def _first_in_month(self, year: int, month: int, first: int) -> int | None:
        first_weekday, length = calendar.monthrange(year, month)
        days, weekdays, either = self.days_of_month, self.weekdays, self.either
        for day in range(first, length + 1):
            dom = day in days
            dow = (first_weekday + day - 1) % 7 in weekdays
            if (dom or dow) if either else (dom and dow):
                return day
        return None


@dataclass(frozen=True, slots=True)
class Recurrence:
    """A parsed schedule: which local dates, and which local times of day on them.

    ``times`` are minutes after local midnight, sorted. ``kind`` and the source fields
    (``expression`` or ``every_minutes``/``start``/``end``/``weekdays``) are kept so the
    schedule can be described, stored and rebuilt with ``build_recurrence(**spec())``.
    """

    kind: Literal["cron", "friendly"]
    days: DayRule
    times: tuple[int, ...]
    expression: str | None = None
    every_minutes: int | None = None
    start: time | None = None
    end: time | None = None
    weekdays: frozenset[int] | None = None

    def next_after(self, after_utc: datetime, tz: ZoneInfo) -> datetime | None:
        """The first UTC instant strictly after ``after_utc`` whose local wall time matches."""
        if after_utc.tzinfo is None:
            raise ValueError("next_after needs a timezone-aware datetime")
        try:
            after = after_utc.astimezone(UTC)
            local = after.astimezone(tz)
        except OverflowError:
            return None  # at the very edge of datetime's range (year 1 or 9999)
        day: date | None = local.date()
        # Wall minutes up to and including the current one map to instants <= after
        # (the fold=0 mapping is monotonic), so the search starts one wall minute later.
        first_minute = local.hour * 60 + local.minute + 1
        while day is not None:
            day = self.days.next_date(day)
            if day is None:
                return None
            if day != local.date():
                first_minute = 0
            for minute in self.times[bisect_left(self.times, first_minute) :]:
                hit = _existing_instant(day, minute, tz)
                if hit is not None and hit > after:
                    return hit
            day = _next_day(day)
        return None

    def upcoming(self, after_utc: datetime, tz: ZoneInfo, count: int) -> list[datetime]:
        """The next ``count`` fire times (UTC) after ``after_utc``; fewer if it stops firing."""
        found: list[datetime] = []
        cursor: datetime | None = after_utc
        for _ in range(max(0, min(count, MAX_UPCOMING))):
            assert cursor is not None
            cursor = self.next_after(cursor, tz)
            if cursor is None:
                break
            found.append(cursor)
        return found

    def describe(self) -> str:
        """A one-line summary for people, e.g. ``every 60 min, 09:00–17:00, Mon–Fri``."""
        if self.kind == "cron":
            return f"cron `{self.expression}`"
        assert self.start is not None and self.end is not None and self.weekdays is not None
        return (
            f"every {self.every_minutes} min, {self.start:%H:%M}–{self.end:%H:%M}, "
            f"{format_days(self.weekdays)}"
        )

    def spec(self) -> dict[str, str]:
        """Plain strings that rebuild this schedule via ``build_recurrence(**spec)``."""
        if self.kind == "cron":
            assert self.expression is not None
            return {"cron": self.expression}
        assert self.start is not None and self.end is not None and self.weekdays is not None
        return {
            "every": str(self.every_minutes),
            "start": f"{self.start:%H:%M}",
            "end": f"{self.end:%H:%M}",
            "days": ",".join(_DAY_NAMES[day] for day in sorted(self.weekdays)),
        }


def _existing_instant(day: date, minute: int, tz: ZoneInfo) -> datetime | None:
    """The UTC instant of a local wall time (first occurrence), or None if it does not exist."""
    try:
        wall = datetime(day.year, day.month, day.day, minute // 60, minute % 60, tzinfo=tz)
        instant = wall.astimezone(UTC)
        back = instant.astimezone(tz)
    except OverflowError:
        return None
    if (back.hour, back.minute, back.day) != (wall.hour, wall.minute, wall.day):
        return None  # inside a spring-forward gap
    return instant


def _next_day(day: date) -> date | None:
    try:
        return day + timedelta(days=1)
    except OverflowError:
        return None


def parse_cron(expr: object) -> Recurrence:
    """Parse a standard 5-field crontab line (or ``@daily``-style macro)."""
    fields = parse_cron_fields(expr)
    assert isinstance(expr, str)
    rule = DayRule(
        months=fields.months,
        days_of_month=fields.days_of_month,
        weekdays=fields.weekdays,
        either=not (fields.day_star or fields.weekday_star),
    )
    times = tuple(sorted(hour * 60 + minute for hour in fields.hours for minute in fields.minutes))
    return Recurrence(kind="cron", days=rule, times=times, expression=" ".join(expr.split()))


def friendly(
    every_minutes: int | str,
    start: time | str,
    end: time | str,
    days: Iterable[int] | str,
) -> Recurrence:
    """Every N minutes from ``start`` to ``end`` (inclusive when aligned) on ``days`` (0=Mon).

    ``friendly(60, "09:00", "17:00", "mon-fri")`` fires like cron ``0 9-17 * * 1-5``.
    Strings are parsed with the same parsers the chat commands use.
    """
    every = _every(every_minutes)
    start_time = _clock_time(start, "start")
    end_time = _clock_time(end, "end")
    weekdays = _weekdays(days)
    first = start_time.hour * 60 + start_time.minute
    last = end_time.hour * 60 + end_time.minute
    if last <= first:
        raise ScheduleError(
            f"end {end_time:%H:%M} must be after start {start_time:%H:%M} "
            "(windows cannot cross midnight)"
        )
    return Recurrence(
        kind="friendly",
        days=DayRule(weekdays=weekdays),
        times=tuple(range(first, last + 1, every)),
        every_minutes=every,
        start=time(start_time.hour, start_time.minute),
        end=time(end_time.hour, end_time.minute),
        weekdays=weekdays,
    )


class NeverFires(ScheduleError):
    """A schedule whose days can never occur (``0 9 30 2 *``: the 30th of February)."""


NEVER_FIRES = "That schedule never fires. Check the days and months."


def check_fires(recurrence: Recurrence) -> Recurrence:
    """``recurrence`` if some date and time ever matches it, else :class:`NeverFires`.

    The one check behind ``/schedule add``, the dashboard, ``validate --config`` and the
    config file's apply, so a schedule one of them refuses is refused by all of them.
    """
    if not recurrence.times or not recurrence.days.possible():
        raise NeverFires(NEVER_FIRES)
    return recurrence


def build_recurrence(
    cron: str | None = None,
    every: int | str | None = None,
    start: time | str | None = None,
    end: time | str | None = None,
    days: Iterable[int] | str | None = None,
) -> Recurrence:
    """One entry point for "cron OR every/start/end/days" input from commands and config.

    Friendly schedules default to 09:00–17:00 on Mon–Fri when start/end/days are omitted.
    """
    friendly_given = any(value is not None for value in (every, start, end, days))
    if cron is not None:
        if friendly_given:
            raise ScheduleError("give either a cron expression or every/start/end/days, not both")
        return check_fires(parse_cron(cron))
    if every is None:
        if friendly_given:
            raise ScheduleError("every is required with start/end/days (e.g. every 60)")
        raise ScheduleError("give a cron expression or every/start/end/days")
    return friendly(
        every,
        DEFAULT_START if start is None else start,
        DEFAULT_END if end is None else end,
        DEFAULT_DAYS if days is None else days,
    )


def _every(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise ScheduleError("every must be a number of minutes between 1 and 1440")
    try:
        minutes = parse_minutes(value, minimum=0, maximum=10**9)
    except ScheduleError as exc:
        raise ScheduleError(f"every: {exc}") from None
    if not 1 <= minutes <= 1440:
        raise ScheduleError(f"every must be between 1 and 1440 minutes, got {minutes}")
    return minutes


def _clock_time(value: object, what: str) -> time:
    if isinstance(value, time):
        if value.second or value.microsecond:
            raise ScheduleError(f"{what} must be a whole minute, got {value.isoformat()}")
        return value
    try:
        return parse_hhmm(value)
    except ScheduleError as exc:
        raise ScheduleError(f"{what}: {exc}") from None


def _weekdays(value: object) -> frozenset[int]:
    if isinstance(value, str):
        return frozenset(parse_days(value))
    if not isinstance(value, Iterable):
        raise ScheduleError("days must be day names like mon-fri")
    result: set[int] = set()
    for day in value:
        if isinstance(day, bool) or not isinstance(day, int) or not 0 <= day <= 6:
            raise ScheduleError(f"days must be 0 (Monday) to 6 (Sunday), got {day!r}")
        result.add(day)
    if not result:
        raise ScheduleError("days is empty: try mon-fri, weekends or daily")
    return frozenset(result)
