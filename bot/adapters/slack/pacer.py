"""Keep chat.postMessage within Slack's two limits: per channel and per workspace.

Slack allows about one post per second per channel and, on top of that, a workspace-wide
number of posts per minute per app; past either it answers 429. Pacing ourselves means a
fan-out never draws one in the first place. Each limit is kept as evenly spaced turns (one
channel post a second, one workspace post every 60/N seconds): no burst is relied on, because
Slack promises none, and even spacing stays under either limit however Slack counts it (a
sliding minute, a bucket). Workspaces have their own turns, so a workspace with thousands due
never holds up another's posts.

Slack publishes no exact workspace figure ("several hundred messages per minute");
:data:`WORKSPACE_POSTS_PER_MINUTE` is the assumption, and a 429 with ``Retry-After`` pushes the
channel's and the workspace's next turn back (:meth:`ChannelPacer.push_back`) if it is wrong.

Time comes from the injected clock and waiting from the injected sleep, so tests step through
it instantly.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

from bot.core.clock import Clock

Sleep = Callable[[float], Awaitable[None]]

WORKSPACE_POSTS_PER_MINUTE = 300
CHANNEL_INTERVAL = timedelta(seconds=1)
# How many idle keys are kept before the ones whose turn has passed are forgotten.
_KEEP = 5_000


class _Turns:
    """Evenly spaced turns per key, handed out in arrival order."""

    def __init__(self, clock: Clock, sleep: Sleep, interval: timedelta) -> None:
        self._clock = clock
        self._sleep = sleep
        self.interval = interval
        self._next: dict[str, datetime] = {}
        self._locks: dict[str, asyncio.Lock] = {}

    def lock(self, key: str) -> asyncio.Lock:
        return self._locks.setdefault(key, asyncio.Lock())

    async def wait(self, key: str) -> None:
        """Sleep until ``key``'s next turn; the caller holds ``lock(key)``."""
        due = self._next.get(key)
        now = self._clock.now()
        if due is not None and due > now:
            await self._sleep((due - now).total_seconds())

    def taken(self, key: str) -> None:
        """The turn was used now: the next one is an interval later."""
        due = self._next.get(key)
        now = self._clock.now()
        start = now if due is None or due < now else due
        self._next[key] = start + self.interval

    def push_back(self, key: str, until: datetime) -> None:
        self._next[key] = max(self._next.get(key, until), until)

    def forget_idle(self) -> None:
        if len(self._next) <= _KEEP:
            return
        now = self._clock.now()
        for key in [k for k, due in self._next.items() if due <= now]:
            self._next.pop(key, None)
            lock = self._locks.get(key)
            if lock is not None and not lock.locked():
                self._locks.pop(key, None)


class ChannelPacer:
    """One post per channel per ``interval``, and ``per_minute`` per workspace, evenly spaced."""

    def __init__(
        self,
        clock: Clock,
        sleep: Sleep = asyncio.sleep,
        interval: timedelta = CHANNEL_INTERVAL,
        *,
        per_minute: int = WORKSPACE_POSTS_PER_MINUTE,
    ) -> None:
        if per_minute < 1:
            raise ValueError("per_minute must be >= 1")
        self._clock = clock
        self._channels = _Turns(clock, sleep, interval)
        self._workspaces = _Turns(clock, sleep, timedelta(minutes=1) / per_minute)

    async def wait_turn(self, channel: str, workspace: str | None = None) -> None:
        """Return once a post to ``channel`` (in ``workspace``) is allowed; take that turn.

        The channel's turn is held while the workspace's comes round, and both are counted
        from the moment the post actually goes, so neither limit is crossed by the other's
        wait. ``workspace`` None (an admin notice with no workspace known) paces the channel
        only.
        """
        async with self._channels.lock(channel):
            await self._channels.wait(channel)
            if workspace is not None:
                async with self._workspaces.lock(workspace):
                    await self._workspaces.wait(workspace)
                    self._workspaces.taken(workspace)
            self._channels.taken(channel)
        self._channels.forget_idle()
        self._workspaces.forget_idle()

    def push_back(self, channel: str, seconds: float, workspace: str | None = None) -> None:
        """Slack asked us to wait (Retry-After): no post to this channel, nor (as Slack does
        not say which limit it was) to its workspace, before then."""
        until = self._clock.now() + timedelta(seconds=seconds)
        self._channels.push_back(channel, until)
        if workspace is not None:
            self._workspaces.push_back(workspace, until)
