"""The one place that answers "what time is it".

Schedule logic never calls ``datetime.now()`` itself: it is handed a clock, so tests can walk
across days, DST changes and restarts instantly instead of sleeping.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime:
        """Return the current instant as a timezone-aware UTC datetime."""
        ...

    def seconds(self) -> float:
        """Seconds on a count that never goes back, for measuring spans (a cooldown's refill).

        A per-command path asks for it instead of :meth:`now`: building an aware datetime cost
        ~20 µs on the cold cache a bot between commands has (bench/README.md, "Throughput"),
        a float ~3 µs. Only differences between two readings mean anything.
        """
        ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)

    def seconds(self) -> float:
        return time.monotonic()


class FakeClock:
    """A clock that only moves when told to; used by tests and benchmarks."""

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("FakeClock needs a timezone-aware start")
        self._now = start.astimezone(UTC)

    def now(self) -> datetime:
        return self._now

    def seconds(self) -> float:
        return self._now.timestamp()

    def advance(self, delta: timedelta) -> datetime:
        self._now += delta
        return self._now

    def set(self, when: datetime) -> datetime:
        if when.tzinfo is None:
            raise ValueError("FakeClock.set needs a timezone-aware datetime")
        self._now = when.astimezone(UTC)
        return self._now
