"""Keep chat.postMessage within Slack's two limits: per channel and per workspace.

Slack allows about one post per second per channel and, on top of that, a workspace-wide
number of posts per minute per app; past either it answers 429. Pacing ourselves means a
fan-out never draws one in the first place. Workspaces have their own slots, so a workspace
with thousands due never holds up another's posts.

A post is counted from the moment it is let through until a moment (``period`` and a small
``MARGIN``) after its response came back, as the Discord pacer counts its requests. Slack sees
a post at some instant between our start and our finish, so any window Slack measures can only
hold posts we still count: the bound holds on Slack's side however late a starved process
sends what it was allowed, or however a slow response bunches the next ones. Spacing the
moments posts were *allowed* (what this module did before) held only while every post reached
Slack in the same time; on a loaded machine they arrived bunched and drew 429s.

- A channel has one slot per second: no burst is relied on, as Slack promises none.
- A workspace has ``WORKSPACE_BURST`` slots per ``WORKSPACE_BURST`` x 60/N seconds (three per
  0.6 s at 300 a minute). Any 60 s window then holds at most N of our posts, and any 0.6 s
  window at most three, which even the strictest reading of "N a minute, short bursts allowed"
  (a leaky bucket with a burst of three, as the fake Slack enforces) admits. One slot per 0.2 s
  would be just as safe but cost a round trip per post (the slot is busy until the response);
  three slots pay it once per three posts.

Slack publishes no exact workspace figure ("several hundred messages per minute");
:data:`WORKSPACE_POSTS_PER_MINUTE` is the assumption, and a 429 with ``Retry-After`` holds the
channel and the workspace back (:meth:`ChannelPacer.push_back`) if it is wrong.

Time comes from the injected clock and waiting from the injected sleep, so tests step through
it instantly.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import datetime, timedelta

from bot.core.clock import Clock

Sleep = Callable[[float], Awaitable[None]]

WORKSPACE_POSTS_PER_MINUTE = 300
WORKSPACE_BURST = 3
CHANNEL_INTERVAL = timedelta(seconds=1)
# Added to every slot's period: the fake (and, for all we know, Slack) adds up its intervals in
# floating point, where three times 0.2 s is a hair more than 0.6 s.
MARGIN = timedelta(milliseconds=2)
# How many idle keys are kept before the ones with nothing counted are forgotten.
_KEEP = 5_000


class _Slots:
    """One key's posts in flight and those finished within the period (oldest first)."""

    __slots__ = ("finished", "in_flight", "not_before", "queue", "released")

    def __init__(self) -> None:
        self.queue = asyncio.Lock()  # waiters take slots in arrival order
        self.released = asyncio.Event()
        self.in_flight = 0
        self.finished: deque[datetime] = deque()  # when each slot frees up again
        self.not_before: datetime | None = None  # Retry-After

    def idle(self, now: datetime) -> bool:
        return (self.in_flight == 0 and not self.queue.locked()
                and (not self.finished or self.finished[-1] <= now)
                and (self.not_before is None or self.not_before <= now))


class _Window:
    """Per key: at most ``size`` posts in flight or finished within the last ``period``."""

    def __init__(self, clock: Clock, sleep: Sleep, size: int, period: timedelta) -> None:
        if size < 1:
            raise ValueError("size must be >= 1")
        self._clock = clock
        self._sleep = sleep
        self.size = size
        self.hold = period + MARGIN
        self._keys: dict[str, _Slots] = {}

    async def acquire(self, key: str) -> None:
        slots = self._keys.get(key)
        if slots is None:
            slots = self._keys[key] = _Slots()
        async with slots.queue:
            while True:
                now = self._clock.now()
                if slots.not_before is not None and slots.not_before > now:
                    await self._sleep((slots.not_before - now).total_seconds())
                    continue
                while slots.finished and slots.finished[0] <= now:
                    slots.finished.popleft()
                if slots.in_flight + len(slots.finished) < self.size:
                    slots.in_flight += 1
                    return
                if slots.finished:
                    await self._sleep((slots.finished[0] - now).total_seconds())
                else:
                    slots.released.clear()
                    await slots.released.wait()

    def release(self, key: str) -> None:
        """The post's response is in: its slot frees up ``period`` (and the margin) later."""
        slots = self._keys[key]
        slots.in_flight -= 1
        slots.finished.append(self._clock.now() + self.hold)
        slots.released.set()

    def push_back(self, key: str, until: datetime) -> None:
        slots = self._keys.get(key)
        if slots is None:
            slots = self._keys[key] = _Slots()
        if slots.not_before is None or slots.not_before < until:
            slots.not_before = until

    def forget_idle(self) -> None:
        if len(self._keys) <= _KEEP:
            return
        now = self._clock.now()
        for key in [k for k, slots in self._keys.items() if slots.idle(now)]:
            del self._keys[key]


class ChannelPacer:
    """One post per channel per ``interval``, and ``per_minute`` per workspace, each counted
    until a moment after its response (see the module docstring)."""

    def __init__(
        self,
        clock: Clock,
        sleep: Sleep = asyncio.sleep,
        interval: timedelta = CHANNEL_INTERVAL,
        *,
        per_minute: int = WORKSPACE_POSTS_PER_MINUTE,
        burst: int = WORKSPACE_BURST,
    ) -> None:
        if per_minute < 1 or burst < 1:
            raise ValueError("per_minute and burst must be >= 1")
        self._clock = clock
        self._channels = _Window(clock, sleep, 1, interval)
        self._workspaces = _Window(clock, sleep, burst, timedelta(minutes=1) / per_minute * burst)

    @asynccontextmanager
    async def turn(self, channel: str, workspace: str | None = None) -> AsyncIterator[None]:
        """Hold a slot of ``channel`` (and of ``workspace``) while the post is made inside.

        The channel's slot is taken first and held while the workspace's comes round, so
        neither limit is crossed by the other's wait. ``workspace`` None (an admin notice with
        no workspace known, a picture upload) paces the channel only. A post that fails still
        counts: Slack may have seen it.
        """
        await self._channels.acquire(channel)
        try:
            if workspace is None:
                yield
            else:
                await self._workspaces.acquire(workspace)
                try:
                    yield
                finally:
                    self._workspaces.release(workspace)
        finally:
            self._channels.release(channel)
            self._channels.forget_idle()
            self._workspaces.forget_idle()

    def push_back(self, channel: str, seconds: float, workspace: str | None = None) -> None:
        """Slack asked us to wait (Retry-After): no post to this channel, nor (as Slack does
        not say which limit it was) to its workspace, before then."""
        until = self._clock.now() + timedelta(seconds=seconds)
        self._channels.push_back(channel, until)
        if workspace is not None:
            self._workspaces.push_back(workspace, until)
