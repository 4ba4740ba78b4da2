"""Keep posts to one channel about a second apart.

Slack allows roughly one chat.postMessage per second per channel and answers bursts with 429.
Pacing ourselves means a schedule fan-out never triggers that in the first place. Time comes
from the injected clock and waiting from the injected sleep, so tests step through it instantly.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

from bot.core.clock import Clock

Sleep = Callable[[float], Awaitable[None]]


class ChannelPacer:
    def __init__(
        self, clock: Clock, sleep: Sleep = asyncio.sleep, interval: timedelta = timedelta(seconds=1)
    ) -> None:
        self._clock = clock
        self._sleep = sleep
        self._interval = interval
        self._next: dict[str, datetime] = {}
        self._locks: dict[str, asyncio.Lock] = {}

    async def wait_turn(self, channel: str) -> None:
        """Return once a post to ``channel`` is allowed, and reserve the next slot."""
        lock = self._locks.setdefault(channel, asyncio.Lock())
        async with lock:
            due = self._next.get(channel)
            now = self._clock.now()
            if due is not None and due > now:
                await self._sleep((due - now).total_seconds())
                now = max(self._clock.now(), due)
            self._next[channel] = now + self._interval
        self._forget_idle()

    def push_back(self, channel: str, seconds: float) -> None:
        """Slack asked us to wait (Retry-After): no post to this channel before then."""
        until = self._clock.now() + timedelta(seconds=seconds)
        self._next[channel] = max(self._next.get(channel, until), until)

    def _forget_idle(self) -> None:
        if len(self._next) <= 5_000:
            return
        now = self._clock.now()
        for channel in [c for c, due in self._next.items() if due <= now]:
            self._next.pop(channel, None)
            lock = self._locks.get(channel)
            if lock is not None and not lock.locked():
                self._locks.pop(channel, None)
