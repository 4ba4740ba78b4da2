"""Whether a person is free right now, as their chat platform sees it: the presence port.

Each platform adapter implements :class:`PresenceSource` (Slack: DND, away, status; Discord:
the gateway's presences). The scheduler never calls a source directly: it asks
:class:`CachedPresence`, which

* keeps every answer for a minute per person, so a person with several nudges, or a held
  nudge re-checked every tick, costs one check a minute;
* batches: lookups made in the same event-loop turn (a fan-out's prefetch) go to the source
  together, in groups of ``batch_size``, so a source with a batch method (Slack's
  ``dnd.teamInfo``) makes one request per group instead of one per person;
* shares a check already under way between everyone asking for the same person;
* never makes a nudge wait long: a check slower than ``wait`` answers UNKNOWN for now (the
  nudge goes out on time) while the check finishes in the background and fills the cache.

UNKNOWN is always "deliver": when the platform cannot tell (an error, a rate limit, a user it
does not know), the person gets their nudge as if the feature were off.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Protocol

from bot.core.clock import Clock

log = logging.getLogger(__name__)

TTL = timedelta(minutes=1)
BATCH_SIZE = 50
WAIT_SECONDS = 2.0
MAX_ENTRIES = 100_000
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class PresenceState(StrEnum):
    """The value is the reason recorded when a nudge is held or dropped for it."""

    AVAILABLE = "available"
    UNKNOWN = "unknown"
    IN_MEETING = "in a meeting"
    DO_NOT_DISTURB = "do not disturb"
    OUT_OF_OFFICE = "out of office"
    OFFLINE = "offline"
    AWAY = "away"


# When several signals hold at once, the one named is the most telling.
_PRECEDENCE = (
    PresenceState.OUT_OF_OFFICE,
    PresenceState.IN_MEETING,
    PresenceState.DO_NOT_DISTURB,
    PresenceState.OFFLINE,
    PresenceState.AWAY,
)


@dataclass(frozen=True, slots=True)
class Presence:
    """One person's state; ``until`` is when the platform says it ends (a DND window's end,
    a status's expiry), None when nobody knows."""

    state: PresenceState
    until: datetime | None = None
    detail: str = ""

    @property
    def holds(self) -> bool:
        """Whether a personal nudge should wait."""
        return self.state in _PRECEDENCE

    @classmethod
    def available(cls) -> Presence:
        return cls(PresenceState.AVAILABLE)

    @classmethod
    def unknown(cls, detail: str = "") -> Presence:
        return cls(PresenceState.UNKNOWN, detail=detail)

    @classmethod
    def combine(cls, signals: Iterable[Presence]) -> Presence:
        """One presence from several signals (DND, away, status): the most telling one that
        holds; else available if any signal said so; else unknown."""
        seen = list(signals)
        for state in _PRECEDENCE:
            matching = [s for s in seen if s.state is state]
            if matching:
                # Of two equal signals, the one that lasts longer is the one to wait for.
                return max(matching, key=lambda s: (s.until is None, s.until or _EPOCH))
        if any(s.state is PresenceState.AVAILABLE for s in seen):
            return cls.available()
        return cls.unknown()


class PresenceSource(Protocol):
    """A platform's presence, many people at a time (a one-person check is a list of one)."""

    async def statuses(self, workspace_id: str, user_ids: Sequence[str]
                       ) -> Mapping[str, Presence]:
        """Every asked-for user's presence; a user missing from the answer is UNKNOWN.

        Must not raise for platform refusals (rate limits, missing scopes): answer UNKNOWN.
        """
        ...


class PresenceLookup(Protocol):
    """What the scheduler calls: one person's presence now (cached, batched)."""

    async def status(self, workspace_id: str, user_id: str) -> Presence: ...


Key = tuple[str, str]


class CachedPresence:
    """The per-person one-minute cache and batching front of a :class:`PresenceSource`."""

    def __init__(
        self,
        source: PresenceSource,
        clock: Clock,
        *,
        ttl: timedelta = TTL,
        batch_size: int = BATCH_SIZE,
        wait: float = WAIT_SECONDS,
        max_entries: int = MAX_ENTRIES,
    ) -> None:
        if batch_size < 1:
            raise ValueError("batch_size must be at least 1")
        self.source = source
        self._clock = clock
        self.ttl = ttl
        self.batch_size = batch_size
        self.wait = wait
        self._max_entries = max_entries
        self._cache: dict[Key, tuple[datetime, Presence]] = {}
        self._inflight: dict[Key, asyncio.Future[Presence]] = {}
        self._queued: dict[str, list[str]] = {}
        self._flush_pending = False
        self._tasks: set[asyncio.Task[None]] = set()
        self.checks = 0  # people sent to the source, for benchmarks and tests

    def cached(self, workspace_id: str, user_id: str) -> Presence | None:
        """The answer if one under ``ttl`` old is held; never asks the platform."""
        hit = self._cache.get((workspace_id, user_id))
        if hit is None:
            return None
        at, presence = hit
        if self._clock.now() - at >= self.ttl:
            return None
        return presence

    async def status(self, workspace_id: str, user_id: str) -> Presence:
        """The person's presence; UNKNOWN if the platform takes longer than ``wait``."""
        hit = self.cached(workspace_id, user_id)
        if hit is not None:
            return hit
        [future] = self._request(workspace_id, [user_id])
        try:
            return await asyncio.wait_for(asyncio.shield(future), self.wait)
        except TimeoutError:
            return Presence.unknown("the presence check is slow")

    async def prefetch(self, workspace_id: str, user_ids: Sequence[str]) -> None:
        """Check everyone in ``user_ids`` now, in batches, so the nudges find answers cached."""
        futures = self._request(workspace_id, user_ids)
        await asyncio.gather(*(asyncio.shield(f) for f in futures), return_exceptions=True)

    def forget(self, workspace_id: str, user_id: str) -> None:
        """Drop a cached answer (the platform told us it changed)."""
        self._cache.pop((workspace_id, user_id), None)

    def _request(self, workspace_id: str, user_ids: Sequence[str]
                 ) -> list[asyncio.Future[Presence]]:
        loop = asyncio.get_running_loop()
        out: list[asyncio.Future[Presence]] = []
        for user_id in dict.fromkeys(user_ids):
            key = (workspace_id, user_id)
            hit = self.cached(workspace_id, user_id)
            if hit is not None:
                done: asyncio.Future[Presence] = loop.create_future()
                done.set_result(hit)
                out.append(done)
                continue
            future = self._inflight.get(key)
            if future is None:
                future = self._inflight[key] = loop.create_future()
                self._queued.setdefault(workspace_id, []).append(user_id)
            out.append(future)
        if self._queued and not self._flush_pending:
            # Everything asked for in this loop turn goes out together.
            self._flush_pending = True
            loop.call_soon(self._flush)
        return out

    def _flush(self) -> None:
        self._flush_pending = False
        queued, self._queued = self._queued, {}
        for workspace_id, users in queued.items():
            for start in range(0, len(users), self.batch_size):
                task = asyncio.ensure_future(
                    self._check(workspace_id, users[start:start + self.batch_size]))
                self._tasks.add(task)
                task.add_done_callback(self._tasks.discard)

    async def _check(self, workspace_id: str, users: list[str]) -> None:
        self.checks += len(users)
        found: Mapping[str, Presence] = {}
        try:
            found = await self.source.statuses(workspace_id, users)
        except Exception:
            log.exception("presence check failed for %d people in %s", len(users), workspace_id)
        finally:  # cancelled or failed: everyone waiting gets UNKNOWN, never a hang
            self._settle(workspace_id, users, found)

    def _settle(self, workspace_id: str, users: list[str], found: Mapping[str, Presence]
                ) -> None:
        now = self._clock.now()
        for user_id in users:
            presence = found.get(user_id) or Presence.unknown()
            key = (workspace_id, user_id)
            self._cache.pop(key, None)  # re-inserted at the end: eviction drops oldest first
            self._cache[key] = (now, presence)
            future = self._inflight.pop(key, None)
            if future is not None and not future.done():
                future.set_result(presence)
        if len(self._cache) > self._max_entries:
            self._evict(now)

    def _evict(self, now: datetime) -> None:
        """Expired answers first, then the oldest (dicts keep insertion order)."""
        self._cache = {k: v for k, v in self._cache.items() if now - v[0] < self.ttl}
        while len(self._cache) > self._max_entries:
            self._cache.pop(next(iter(self._cache)))
