"""Streaks: how many days in a row a person took at least one break.

A day counts when it had a break. A *working* day without one ends the run; a day off (not
in the person's own schedule) or a skip date (a holiday) without one leaves it as it is, so a
weekend never costs a streak, and a break taken on a day off still adds to it. Today only ends
a run once it is over: a streak is "current" until a whole working day passes without a break.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import date, timedelta


@dataclass(frozen=True, slots=True)
class Streaks:
    current: int
    best: int


def streaks(break_days: Collection[date], working: Callable[[date], bool], today: date,
            since: date) -> Streaks:
    """The current and best streak over the days ``since`` .. ``today`` (inclusive)."""
    run = best = 0
    day = since
    while day <= today:
        if day in break_days:
            run += 1
            best = max(best, run)
        elif working(day) and day != today:
            run = 0
        day += timedelta(days=1)
    return Streaks(run, best)
