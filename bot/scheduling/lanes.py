"""One queue of sends per workspace, so a big workspace's fan-out never holds up a small one.

A single FIFO of send slots serves rows in the order they were claimed: with 20,000 due in one
workspace claimed ahead of one nudge in another, that nudge waits behind all 20,000, i.e.
minutes at a platform's rate limit. Here each (platform, workspace) has its own ``per_lane``
slots, so every workspace with work has sends under way at once and the platform's pacers
(Discord's per bot, Slack's per workspace) share the rate between them. A global cap bounds
the sends in flight when very many workspaces are due together. Idle lanes are dropped.

Within a lane, a send marked ``first`` is served before the waiting ones that are not: the
dispatcher marks channel posts, which their channel paces too (one a second on Slack), so a
post never waits out a fan-out's DMs and then leaves its channel's next posts to crawl after
the DMs are done.
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import itertools
from collections.abc import AsyncIterator, Hashable


class _Slots:
    """A lane's slots: a semaphore whose waiters are served by priority, then arrival."""

    def __init__(self, size: int) -> None:
        self.free = size
        self.users = 0  # sends waiting in or holding the lane
        self._waiting: list[tuple[int, int, asyncio.Future[None]]] = []
        self._seq = itertools.count()

    async def acquire(self, priority: int) -> None:
        if self.free > 0 and not self._waiting:
            self.free -= 1
            return
        turn: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._waiting, (priority, next(self._seq), turn))
        try:
            await turn
        except asyncio.CancelledError:
            if turn.done() and not turn.cancelled():
                self.release()  # handed the slot as it was cancelled: pass it on
            raise

    def release(self) -> None:
        while self._waiting:
            _, _, turn = heapq.heappop(self._waiting)
            if not turn.done():  # a cancelled waiter's turn is skipped
                turn.set_result(None)
                return
        self.free += 1


class Lanes:
    def __init__(self, per_lane: int, total: int) -> None:
        if per_lane < 1 or total < per_lane:
            raise ValueError("per_lane must be >= 1 and total >= per_lane")
        self.per_lane = per_lane
        self._total = asyncio.Semaphore(total)
        self._lanes: dict[Hashable, _Slots] = {}

    @contextlib.asynccontextmanager
    async def slot(self, lane: Hashable, *, first: bool = False) -> AsyncIterator[None]:
        """Hold one of ``lane``'s slots: first come, first served within the lane, except that
        a ``first`` send is served before every waiting send that is not."""
        slots = self._lanes.get(lane)
        if slots is None:
            slots = self._lanes[lane] = _Slots(self.per_lane)
        slots.users += 1
        try:
            await slots.acquire(0 if first else 1)
            try:
                async with self._total:
                    yield
            finally:
                slots.release()
        finally:
            slots.users -= 1
            if slots.users == 0:
                self._lanes.pop(lane, None)

    def __len__(self) -> int:
        """Lanes with sends waiting or under way."""
        return len(self._lanes)
