"""One queue of sends per workspace, so a big workspace's fan-out never holds up a small one.

A single FIFO of send slots serves rows in the order they were claimed: with 20,000 due in one
workspace claimed ahead of one nudge in another, that nudge waits behind all 20,000, i.e.
minutes at a platform's rate limit. Here each (platform, workspace) has its own ``per_lane``
slots, so every workspace with work has sends under way at once and the platform's pacers
(Discord's per bot, Slack's per workspace) share the rate between them. A global cap bounds
the sends in flight when very many workspaces are due together. Idle lanes are dropped.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Hashable


class Lanes:
    def __init__(self, per_lane: int, total: int) -> None:
        if per_lane < 1 or total < per_lane:
            raise ValueError("per_lane must be >= 1 and total >= per_lane")
        self.per_lane = per_lane
        self._total = asyncio.Semaphore(total)
        # lane -> (its slots, how many sends are waiting in or holding it)
        self._lanes: dict[Hashable, tuple[asyncio.Semaphore, list[int]]] = {}

    @contextlib.asynccontextmanager
    async def slot(self, lane: Hashable) -> AsyncIterator[None]:
        """Hold one of ``lane``'s slots (first come, first served within the lane)."""
        entry = self._lanes.get(lane)
        if entry is None:
            entry = self._lanes[lane] = (asyncio.Semaphore(self.per_lane), [0])
        slots, users = entry
        users[0] += 1
        try:
            async with slots, self._total:
                yield
        finally:
            users[0] -= 1
            if users[0] == 0:
                self._lanes.pop(lane, None)

    def __len__(self) -> int:
        """Lanes with sends waiting or under way."""
        return len(self._lanes)
