"""Parsers for times, days, durations, dates and time zones, including hostile text."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.scheduling.recurrence import (
    ScheduleError,
    parse_date,
    parse_days,
    parse_hhmm,
    parse_minutes,
    parse_timezone,
    search_timezones,
    timezone_names,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("09:00", time(9)),
        ("9", time(9)),
        ("9am", time(9)),
        ("12am", time(0)),
        ("12pm", time(12)),
        ("5:30 pm", time(17, 30)),
        ("17.30", time(17, 30)),
        ("0930", time(9, 30)),
        (" 23:59 ", time(23, 59)),
        ("noon", time(12)),
    ],
)
def test_parse_hhmm_accepts(text: str, expected: time) -> None:
    """Common ways of writing a time of day parse to the same time."""
    assert parse_hhmm(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("24:00", "hour 24 is out of range 0-23"),
        ("9:60", "minute 60 is out of range 0-59"),
        ("13pm", "hour 13 is out of range 1-12"),
        ("nine", "is not a time of day"),
        ("", "time is empty"),
        ("٩:٠٠", "is not a time of day"),
    ],
)
def test_parse_hhmm_rejects(text: str, message: str) -> None:
    """Impossible or unreadable times raise ScheduleError saying why."""
    with pytest.raises(ScheduleError, match=message):
        parse_hhmm(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("mon-fri", {0, 1, 2, 3, 4}),
        ("Mon–Fri", {0, 1, 2, 3, 4}),
        ("monday to friday", {0, 1, 2, 3, 4}),
        ("mon,wed,fri", {0, 2, 4}),
        ("sat sun", {5, 6}),
        ("weekdays", {0, 1, 2, 3, 4}),
        ("weekends", {5, 6}),
        ("daily", set(range(7))),
        ("every day", set(range(7))),
        ("Tuesday, Thursday", {1, 3}),
        ("fri-mon", {4, 5, 6, 0}),
    ],
)
def test_parse_days_accepts(text: str, expected: set[int]) -> None:
    """Day lists, ranges, groups and full names map to 0=Monday..6=Sunday."""
    assert parse_days(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("1-5", "use day names"),
        ("mon-fry", "'fry' is not a day name"),
        ("", "days is empty"),
        (",", "days is empty"),
    ],
)
def test_parse_days_rejects(text: str, message: str) -> None:
    """Numbers (ambiguous between cron and Python) and misspellings are refused."""
    with pytest.raises(ScheduleError, match=message):
        parse_days(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("10", 10),
        ("10m", 10),
        ("10 min", 10),
        ("1h", 60),
        ("1h30m", 90),
        ("90 minutes", 90),
        ("2 hours", 120),
        ("1 hour and 15 minutes", 75),
    ],
)
def test_parse_minutes_accepts(text: str, expected: int) -> None:
    """Minutes and hours in short or long form add up to whole minutes."""
    assert parse_minutes(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("0", "out of range 1-1440"),
        ("25h", "out of range 1-1440"),
        ("ten", "not a duration"),
        ("10 parsecs", "not a duration"),
        ("-5", "not a duration"),
        ("1.5h", "not a duration"),
    ],
)
def test_parse_minutes_rejects(text: str, message: str) -> None:
    """Zero, too long, negative or unreadable durations raise ScheduleError."""
    with pytest.raises(ScheduleError, match=message):
        parse_minutes(text)


def test_parse_date() -> None:
    """An ISO date parses; impossible and other formats do not."""
    assert parse_date("2027-03-14") == date(2027, 3, 14)
    for bad in ("2027-02-30", "14/03/2027", "20270314", "２０２７-03-14"):
        with pytest.raises(ScheduleError):
            parse_date(bad)


def test_parse_timezone_is_case_insensitive() -> None:
    """Zone names resolve whatever their case."""
    assert parse_timezone("europe/LONDON").key == "Europe/London"
    assert parse_timezone("utc").key == "UTC"


def test_unknown_timezone_suggests_close_names() -> None:
    """A misspelt zone's error names the zone it probably meant."""
    with pytest.raises(ScheduleError, match="did you mean Europe/London"):
        parse_timezone("Europe/Londn")


@pytest.mark.parametrize("text", ["", "   ", "../../etc/passwd", "x" * 10_000, "Factory", "\x00"])
def test_absurd_timezones_are_refused(text: str) -> None:
    """Empty, path-like, huge or pseudo zone names raise ScheduleError."""
    with pytest.raises(ScheduleError):
        parse_timezone(text)


def test_search_timezones_finds_by_city_prefix() -> None:
    """Autocomplete finds zones by full-name prefix and by city name."""
    assert search_timezones("europe/lon")[0] == "Europe/London"
    assert "America/New_York" in search_timezones("new york")
    assert len(search_timezones("a", limit=5)) == 5
    assert search_timezones("")[0] == "UTC"


def test_timezone_names_are_loadable() -> None:
    """Every listed name resolves through parse_timezone."""
    names = timezone_names()
    assert "Pacific/Apia" in names and "Factory" not in names
    assert all(parse_timezone(name).key == name for name in names)


PARSERS: list[Callable[[object], object]] = [
    parse_hhmm,
    parse_days,
    parse_minutes,
    parse_date,
    parse_timezone,
]
HOSTILE = st.one_of(
    st.text(max_size=300),
    st.text(alphabet=st.characters(codec="utf-8"), min_size=150, max_size=10_000),
    st.text(alphabet="0123456789:-,. amphinutesdayonwekfrisa/_\t\n\x00\u200b", max_size=40),
    st.none(),
    st.integers(),
    st.binary(max_size=20),
)


@pytest.mark.parametrize("parser", PARSERS, ids=lambda p: p.__name__)
@settings(max_examples=200, deadline=None)
@given(value=HOSTILE)
def test_hostile_input_only_raises_schedule_error(
    parser: Callable[[object], object], value: object
) -> None:
    """Any input either parses or raises ScheduleError, never another exception."""
    try:
        parser(value)
    except ScheduleError as exc:
        assert str(exc)


@settings(max_examples=200, deadline=None)
@given(value=st.text(max_size=100))
def test_search_timezones_never_raises(value: str) -> None:
    """Autocomplete tolerates any text and returns at most `limit` valid names."""
    found = search_timezones(value, limit=25)
    assert len(found) <= 25 and set(found) <= set(timezone_names())
