"""A global sliding-window pacer for the bot's own REST calls.

discord.py only reacts after Discord answers 429, and a bucket's first request always goes out
at once, so a fan-out over hundreds of channels would hit the 50 requests/second global limit
and draw 429s (which count towards Discord's 10,000-invalid-requests IP ban). Every REST call
the bot's client makes (:func:`pace_requests`) waits here first, so the whole bot stays at or
under the limit: pacing only the notifier's calls would let command syncs, channel checks and
the like push a full-speed fan-out over it.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Awaitable, Callable
from typing import Any

# Interaction callbacks and webhook follow-ups are not bound by the bot's global limit.
UNPACED_PREFIXES = ("/interactions/", "/webhooks/")

# Discord's global limit itself. No extra headroom is needed: a request is counted from its
# start until a full period after it *finished*, so any window Discord measures holds at most
# ``rate`` of ours (see Pacer). Headroom would only be lost throughput: the counting already
# costs one round-trip per slot, so the achieved rate is rate / (period + round-trip).
DEFAULT_RATE = 50
DEFAULT_PERIOD = 1.0


class Pacer:
    """At most ``rate`` requests in flight or finished within the last ``period`` seconds.

    Counting a request until ``period`` after it *finished* (not after it started) is what
    makes the bound hold on Discord's side too: the server sees a request at some moment
    between our start and our finish, so any window it measures can only contain requests we
    still count. Use ``async with pacer:`` around each request.

    ``monotonic`` and ``sleep`` are injectable so tests can check the schedule without waiting.
    """

    def __init__(
        self,
        rate: int = DEFAULT_RATE,
        period: float = DEFAULT_PERIOD,
        *,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
    ) -> None:
        if rate < 1 or period <= 0:
            raise ValueError("rate must be >= 1 and period > 0")
        self.rate = rate
        self.period = period
        self._monotonic = monotonic
        self._sleep = sleep
        self._finished: deque[float] = deque()
        self._in_flight = 0
        self._changed = asyncio.Condition()

    async def __aenter__(self) -> None:
        async with self._changed:
            while True:
                now = self._monotonic()
                while self._finished and now - self._finished[0] >= self.period:
                    self._finished.popleft()
                if self._in_flight + len(self._finished) < self.rate:
                    self._in_flight += 1
                    return
                if self._finished:
                    # Wait for the oldest finish to age out (or an in-flight one to finish).
                    wait = self.period - (now - self._finished[0])
                    self._changed.release()
                    try:
                        await self._sleep(wait)
                    finally:
                        await self._changed.acquire()
                else:
                    await self._changed.wait()

    async def __aexit__(self, *exc_info: object) -> None:
        async with self._changed:
            self._in_flight -= 1
            self._finished.append(self._monotonic())
            self._changed.notify_all()


def pace_requests(http: Any, pacer: Pacer) -> None:
    """Make every REST request of a discord.py ``HTTPClient`` wait on ``pacer`` (once).

    discord.py looks ``request`` up on the instance for every call, so wrapping it there
    covers login, command syncs, channel fetches and sends alike.
    """
    if getattr(http, "deskbreak_pacer", None) is not None:
        return
    original = http.request

    async def request(route: Any, **kwargs: Any) -> Any:
        if str(getattr(route, "path", "")).startswith(UNPACED_PREFIXES):
            return await original(route, **kwargs)
        async with pacer:
            return await original(route, **kwargs)

    http.request = request
    http.deskbreak_pacer = pacer
