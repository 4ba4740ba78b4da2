"""A strict parser for standard 5-field crontab expressions.

We parse crontab ourselves instead of using APScheduler's ``CronTrigger.from_crontab`` because
that one numbers weekdays from Monday, ignores 7 = Sunday and ANDs day-of-month with
day-of-week (its own docstring warns about the first; APScheduler issue #286). The output
is plain sets of field values; turning them into instants on a local wall clock is
``recurrence.py``'s job.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.scheduling.errors import ScheduleError
from bot.scheduling.inputs import clean_text

MAX_CRON_LENGTH = 200

MACROS = {
    "@hourly": "0 * * * *",
    "@daily": "0 0 * * *",
    "@midnight": "0 0 * * *",
    "@weekly": "0 0 * * 0",
    "@monthly": "0 0 1 * *",
    "@yearly": "0 0 1 1 *",
    "@annually": "0 0 1 1 *",
}

_MONTH_NAMES = {
    name: number
    for number, name in enumerate(
        ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"),
        start=1,
    )
}
_DOW_NAMES = {
    name: number for number, name in enumerate(("sun", "mon", "tue", "wed", "thu", "fri", "sat"))
}
_NUMBER = re.compile(r"[0-9]{1,2}", re.ASCII)


@dataclass(frozen=True, slots=True)
class _Field:
    name: str
    low: int
    high: int
    names: dict[str, int] | None = None


_FIELDS = (
    _Field("minute", 0, 59),
    _Field("hour", 0, 23),
    _Field("day-of-month", 1, 31),
    _Field("month", 1, 12, _MONTH_NAMES),
    _Field("day-of-week", 0, 7, _DOW_NAMES),
)


@dataclass(frozen=True, slots=True)
class CronFields:
    """The expanded value sets of one crontab line.

    ``weekdays`` uses Python numbering (0=Monday .. 6=Sunday); crontab's 0 and 7 (Sunday)
    both become 6. ``day_star``/``weekday_star`` record whether the field *began with* ``*``,
    which is what decides crontab's OR rule (as in Vixie cron and cronie).
    """

    minutes: frozenset[int]
    hours: frozenset[int]
    days_of_month: frozenset[int]
    months: frozenset[int]
    weekdays: frozenset[int]
    day_star: bool
    weekday_star: bool


def expand_macro(text: str) -> str:
    """Replace a standard ``@daily``-style macro by its 5-field form."""
    if not text.startswith("@"):
        return text
    expansion = MACROS.get(text.lower())
    if expansion is None:
        known = ", ".join(MACROS)
        raise ScheduleError(f"cron macro '{text[:20]}' is not supported; use one of {known}")
    return expansion


def parse_cron_fields(expr: object) -> CronFields:
    """Parse crontab text into expanded field sets, or raise ``ScheduleError``."""
    text = clean_text(expr, "cron expression", max_length=MAX_CRON_LENGTH)
    fields = expand_macro(text).split()
    if len(fields) != 5:
        raise ScheduleError(
            f"expected 5 fields (minute hour day-of-month month day-of-week), got {len(fields)}"
        )
    values = [_parse_field(spec, field) for spec, field in zip(_FIELDS, fields, strict=True)]
    weekdays = frozenset((day - 1) % 7 for day in values[4])
    return CronFields(
        minutes=values[0],
        hours=values[1],
        days_of_month=values[2],
        months=values[3],
        weekdays=weekdays,
        day_star=fields[2].startswith("*"),
        weekday_star=fields[4].startswith("*"),
    )


def _parse_field(spec: _Field, field: str) -> frozenset[int]:
    result: set[int] = set()
    for item in field.split(","):
        if not item:
            raise ScheduleError(f"{spec.name} field '{field}' has an empty list item")
        result |= _parse_item(spec, item)
    return frozenset(result)


def _parse_item(spec: _Field, item: str) -> set[int]:
    range_text, slash, step_text = item.partition("/")
    step = 1
    if slash:
        if not _NUMBER.fullmatch(step_text):
            raise ScheduleError(f"{spec.name} field '{item}': step '{step_text}' is not a number")
        step = int(step_text)
        span = spec.high - spec.low + 1
        if not 1 <= step <= span:
            raise ScheduleError(f"{spec.name} field '{item}': step {step} is out of range 1-{span}")
    if range_text == "*":
        first, last = spec.low, spec.high
    elif "-" in range_text:
        first_text, _, last_text = range_text.partition("-")
        first, last = _value(spec, first_text, item), _value(spec, last_text, item)
        if spec.name == "day-of-week" and last == 0 and first > 0:
            last = 7  # "fri-sun": Sunday closes the week
        if first > last:
            raise ScheduleError(
                f"{spec.name} field '{item}' is a reversed range: {first} is after {last}"
            )
    else:
        first = _value(spec, range_text, item)
        last = spec.high if slash else first
    return set(range(first, last + 1, step))


def _value(spec: _Field, token: str, item: str) -> int:
    lowered = token.lower()
    if spec.names and lowered in spec.names:
        return spec.names[lowered]
    if not _NUMBER.fullmatch(token):
        kind = "a number or name" if spec.names else "a number"
        shown = token if len(token) <= 20 else token[:19] + "…"
        raise ScheduleError(f"{spec.name} field '{item[:40]}': '{shown}' is not {kind}")
    number = int(token)
    if not spec.low <= number <= spec.high:
        where = f"'{token}'" if token == item else f"'{item}': {number}"
        raise ScheduleError(f"{spec.name} field {where} is out of range {spec.low}-{spec.high}")
    return number
