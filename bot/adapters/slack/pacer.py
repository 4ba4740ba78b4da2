"""Keep chat.postMessage within Slack's two limits: per channel and per workspace.

Slack allows about one post per second per channel and, on top of that, a workspace-wide
number of posts per minute per app; past either it answers 429. Pacing ourselves means a
fan-out never draws one in the first place. Workspaces have their own slots, so a workspace
with thousands due never holds up another's posts.

Slack sees a post at some instant between the moment we let it through and the moment its
answer is back, and that is all we know of it. So the pacer counts every post as possibly
arriving anywhere in that span, and lets a new one through only if, with every earlier post
placed at its worst, no window could hold more than Slack allows. Slack describes both limits
as a rate with short bursts; their strictest reading, which the fake Slack enforces, is a
leaky bucket (a generic cell rate): ``burst`` posts at once, then one per ``interval``; any
span of L seconds holds at most ``burst + L / interval``. Checking that against the worst
placements is cheap: the bucket's theoretical arrival time, kept over the *answer* times
(each post as late as it can have arrived), must be at most ``(burst - posts in flight) x
interval`` ahead of now, and no more than ``burst`` posts may be in flight. In steady state a
post goes every ``interval`` and its round trip is absorbed by the burst allowance instead of
being added to every post (the three-slots-per-0.6 s pacer this replaces paid a round trip per
three posts: 1-3 % of a fan-out's floor). However late a starved process sends what it was
allowed, or however a slow answer bunches the next posts, no window Slack measures holds more
than the limit.

- A channel: one post per second, no burst (Slack promises none): a post waits for the
  previous answer and a second more.
- A workspace: ``WORKSPACE_BURST`` (3) at once, then one per 60/N seconds (0.2 s at 300 a
  minute); a sliding minute holds at most N + 3.

Time comes from the injected clock and waiting from the injected sleep, so tests step through
it instantly.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import datetime, timedelta

from bot.core.clock import Clock

Sleep = Callable[[float], Awaitable[None]]

WORKSPACE_POSTS_PER_MINUTE = 300
WORKSPACE_BURST = 3
CHANNEL_INTERVAL = timedelta(seconds=1)
# Added to every interval: the fake (and, for all we know, Slack) adds up its intervals in
# floating point, and our clock counts in microseconds.
MARGIN = timedelta(microseconds=500)
# How many idle keys are kept before the ones with nothing counted are forgotten.
_KEEP = 5_000


class _Slots:
    """One key's posts in flight and the bucket over its answered ones."""

    __slots__ = ("in_flight", "not_before", "queue", "released", "tat")

    def __init__(self) -> None:
        self.queue = asyncio.Lock()  # waiters take turns in arrival order
        self.released = asyncio.Event()
        self.in_flight = 0
        # The leaky bucket's theoretical arrival time over the answer times: past it, the
        # bucket of posts answered so far is empty.
        self.tat: datetime | None = None
        self.not_before: datetime | None = None  # Retry-After

    def idle(self, now: datetime) -> bool:
        return (self.in_flight == 0 and not self.queue.locked()
                and (self.tat is None or self.tat <= now)
                and (self.not_before is None or self.not_before <= now))


class _Window:
    """Per key: a leaky bucket of ``burst`` posts and one per ``interval``, with each post
    counted as arriving as late as its answer (see the module docstring)."""

    def __init__(self, clock: Clock, sleep: Sleep, burst: int, interval: timedelta) -> None:
        if burst < 1:
            raise ValueError("burst must be >= 1")
        self._clock = clock
        self._sleep = sleep
        self.burst = burst
        self.interval = interval + MARGIN
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
                if slots.in_flight >= self.burst:
                    slots.released.clear()
                    await slots.released.wait()
                    continue
                # With this post in flight too, every answered post placed at its answer and
                # the in-flight ones anywhere from now on: the bucket must have room for all.
                room = (self.burst - slots.in_flight - 1) * self.interval
                opens = None if slots.tat is None else slots.tat - room
                if opens is not None and opens > now:
                    await self._sleep((opens - now).total_seconds())
                    continue
                slots.in_flight += 1
                return

    def release(self, key: str) -> None:
        """The post's answer is in: it arrived at Slack by now at the latest."""
        slots = self._keys[key]
        slots.in_flight -= 1
        now = self._clock.now()
        slots.tat = (now if slots.tat is None or slots.tat < now else slots.tat) + self.interval
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
    """One post per channel per ``interval``, and ``per_minute`` per workspace with a burst of
    ``burst``, each post counted as arriving as late as its answer (see the module docstring)."""

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
        self._workspaces = _Window(clock, sleep, burst, timedelta(minutes=1) / per_minute)

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
