"""Time for a guided run: what time it is, and waiting until a moment.

A guided run waits a lot (a 30 s hold, 2 s between edits). Tests must not wait on the wall
clock, so the runner asks a :class:`Timer` instead of calling ``asyncio.sleep``: production
uses :class:`SystemTimer`; tests use :class:`FakeTimer`, whose clock only moves when the test
says so and which wakes every sleeper whose moment has come, in order.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
from datetime import datetime, timedelta
from typing import Protocol

from bot.core.clock import Clock, FakeClock, SystemClock


class Timer(Protocol):
    def now(self) -> datetime:
        """The current instant (timezone-aware UTC)."""
        ...

    async def sleep_until(self, when: datetime) -> None:
        """Return at ``when`` (at once if it has passed); cancellable."""
        ...


class SystemTimer:
    """The wall clock (or any injected Clock) with ``asyncio.sleep`` to wait."""

    def __init__(self, clock: Clock | None = None) -> None:
        self._clock = clock or SystemClock()

    def now(self) -> datetime:
        return self._clock.now()

    async def sleep_until(self, when: datetime) -> None:
        delay = (when - self._clock.now()).total_seconds()
        if delay > 0:
            await asyncio.sleep(delay)


class FakeTimer:
    """A timer on a :class:`FakeClock`: sleepers wake only when :meth:`advance` passes their
    moment. ``advance`` moves the clock to each wake-up in turn and lets the woken tasks run
    (a few event-loop turns) before moving on, so a runner sees the times it would see live."""

    def __init__(self, clock: FakeClock) -> None:
        self.clock = clock
        self._sleepers: list[tuple[datetime, int, asyncio.Future[None]]] = []
        self._order = itertools.count()

    def now(self) -> datetime:
        return self.clock.now()

    @property
    def sleeping(self) -> int:
        """How many sleepers are waiting (cancelled ones not counted)."""
        return sum(1 for _, _, f in self._sleepers if not f.done())

    def next_wake(self) -> datetime | None:
        live = [w for w, _, f in self._sleepers if not f.done()]
        return min(live) if live else None

    async def sleep_until(self, when: datetime) -> None:
        if when <= self.clock.now():
            await asyncio.sleep(0)
            return
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._sleepers, (when, next(self._order), future))
        await future

    async def advance(self, seconds: float, *, turns: int = 20) -> None:
        """Move the clock ``seconds`` forward, waking sleepers in time order on the way."""
        end = self.clock.now() + timedelta(seconds=seconds)
        while self._sleepers and self._sleepers[0][0] <= end:
            when, _, future = heapq.heappop(self._sleepers)
            if future.done():
                continue
            if when > self.clock.now():
                self.clock.set(when)
            future.set_result(None)
            await settle(turns)
        if end > self.clock.now():
            self.clock.set(end)
        await settle(turns)

    async def run_until_idle(self, *, limit: float = 3600, turns: int = 20) -> None:
        """Advance to each next wake-up until nobody sleeps (or ``limit`` seconds passed)."""
        start = self.clock.now()
        await settle(turns)  # tasks just created have not reached their first sleep yet
        while (wake := self.next_wake()) is not None:
            if (wake - start).total_seconds() > limit:
                raise TimeoutError(f"still sleeping after {limit} s of fake time")
            await self.advance((wake - self.clock.now()).total_seconds(), turns=turns)


async def settle(turns: int = 20) -> None:
    """Let other tasks run a few event-loop turns (no wall-clock wait)."""
    for _ in range(turns):
        await asyncio.sleep(0)
