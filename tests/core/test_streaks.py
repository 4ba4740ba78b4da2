"""Streak rules: working days need a break, days off and skip dates never break a run, a
break on a day off still counts, and today ends nothing until it is over."""

from __future__ import annotations

from datetime import date, timedelta

from bot.core.streaks import Streaks, streaks

MON = date(2027, 3, 1)


def weekdays(day: date) -> bool:
    return day.weekday() < 5


def days(*offsets: int) -> set[date]:
    return {MON + timedelta(days=o) for o in offsets}


def test_a_weekend_without_breaks_keeps_the_streak() -> None:
    """Mon-Fri with breaks, a quiet weekend, then Monday: six days in a row."""
    assert streaks(days(0, 1, 2, 3, 4, 7), weekdays, MON + timedelta(days=7), MON) == Streaks(6, 6)


def test_a_missed_working_day_ends_the_run_but_not_the_best() -> None:
    """Wednesday without a break: the run restarts on Thursday; the best remembers two."""
    assert streaks(days(0, 1, 3), weekdays, MON + timedelta(days=3), MON) == Streaks(1, 2)


def test_a_skip_date_is_a_day_off() -> None:
    """A holiday on Wednesday (a skip date) does not break Monday to Friday."""
    holiday = MON + timedelta(days=2)
    working = lambda d: weekdays(d) and d != holiday  # noqa: E731
    assert streaks(days(0, 1, 3, 4), working, MON + timedelta(days=4), MON) == Streaks(4, 4)


def test_today_without_a_break_yet_keeps_the_streak() -> None:
    """Tuesday morning with no break yet: Monday's streak is still current."""
    assert streaks(days(0), weekdays, MON + timedelta(days=1), MON) == Streaks(1, 1)


def test_a_break_on_a_day_off_adds_to_the_streak() -> None:
    """Friday, Saturday (a day off, but a break taken) and Monday: three."""
    assert streaks(days(4, 5, 7), weekdays, MON + timedelta(days=7), MON) == Streaks(3, 3)
