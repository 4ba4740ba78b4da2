"""The presence front: one-minute cache per person, batching, shared checks, a bounded wait,
and UNKNOWN (deliver) whenever the platform cannot tell."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from datetime import timedelta

import pytest

from bot.core.clock import FakeClock
from bot.meetings.presence import CachedPresence, Presence, PresenceState
from tests.meetings.feeds import utc


class FakeSource:
    """Answers from a table; records every batch; can fail or wait for a gate."""

    def __init__(self) -> None:
        self.table: dict[str, Presence] = {}
        self.batches: list[tuple[str, list[str]]] = []
        self.gate: asyncio.Event | None = None
        self.fail = False

    async def statuses(self, workspace_id: str, user_ids: Sequence[str]
                       ) -> Mapping[str, Presence]:
        self.batches.append((workspace_id, list(user_ids)))
        if self.gate is not None:
            await self.gate.wait()
        if self.fail:
            raise RuntimeError("platform exploded")
        return {u: self.table[u] for u in user_ids if u in self.table}


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(utc(2027, 3, 29, 10))


@pytest.fixture
def source() -> FakeSource:
    return FakeSource()


@pytest.fixture
def presence(source: FakeSource, clock: FakeClock) -> CachedPresence:
    return CachedPresence(source, clock)


async def test_answers_are_cached_for_a_minute(
    presence: CachedPresence, source: FakeSource, clock: FakeClock
) -> None:
    """Asked twice within a minute: one check; a minute later: checked again."""
    source.table["U1"] = Presence(PresenceState.DO_NOT_DISTURB)
    assert (await presence.status("T1", "U1")).state is PresenceState.DO_NOT_DISTURB
    clock.advance(timedelta(seconds=59))
    source.table["U1"] = Presence.available()
    assert (await presence.status("T1", "U1")).state is PresenceState.DO_NOT_DISTURB
    clock.advance(timedelta(seconds=1))
    assert (await presence.status("T1", "U1")).state is PresenceState.AVAILABLE
    assert len(source.batches) == 2


async def test_lookups_in_one_turn_are_batched(presence: CachedPresence,
                                               source: FakeSource) -> None:
    """120 people asked for at once go out as batches of 50, 50 and 20."""
    await asyncio.gather(*(presence.status("T1", f"U{i}") for i in range(120)))
    assert [len(users) for _, users in source.batches] == [50, 50, 20]
    assert presence.checks == 120


async def test_batches_never_mix_workspaces(presence: CachedPresence,
                                            source: FakeSource) -> None:
    """A batch is one workspace's people (one team's token, one guild)."""
    await asyncio.gather(presence.status("T1", "U1"), presence.status("T2", "U1"),
                         presence.status("T1", "U2"))
    assert sorted(source.batches) == [("T1", ["U1", "U2"]), ("T2", ["U1"])]


async def test_concurrent_lookups_share_one_check(presence: CachedPresence,
                                                  source: FakeSource) -> None:
    """The same person asked for ten times while a check runs: one check."""
    source.gate = asyncio.Event()
    waiting = [asyncio.ensure_future(presence.status("T1", "U1")) for _ in range(10)]
    await asyncio.sleep(0)
    await asyncio.sleep(0)
    source.gate.set()
    await asyncio.gather(*waiting)
    assert source.batches == [("T1", ["U1"])]


async def test_prefetch_fills_the_cache(presence: CachedPresence, source: FakeSource) -> None:
    """After prefetching a fan-out's people, their lookups cost nothing."""
    source.table = {f"U{i}": Presence.available() for i in range(60)}
    await presence.prefetch("T1", [f"U{i}" for i in range(60)])
    before = len(source.batches)
    await asyncio.gather(*(presence.status("T1", f"U{i}") for i in range(60)))
    assert len(source.batches) == before == 2


async def test_a_failing_platform_means_unknown_and_is_not_hammered(
    presence: CachedPresence, source: FakeSource
) -> None:
    """A source that raises gives UNKNOWN (deliver), cached like any answer."""
    source.fail = True
    first = await presence.status("T1", "U1")
    second = await presence.status("T1", "U1")
    assert first.state is second.state is PresenceState.UNKNOWN
    assert len(source.batches) == 1


async def test_a_slow_platform_never_delays_the_nudge(source: FakeSource,
                                                      clock: FakeClock) -> None:
    """Past ``wait`` the answer is UNKNOWN now; the check still lands in the cache."""
    presence = CachedPresence(source, clock, wait=0.05)
    source.table["U1"] = Presence(PresenceState.AWAY)
    source.gate = asyncio.Event()
    assert (await presence.status("T1", "U1")).state is PresenceState.UNKNOWN
    source.gate.set()
    await presence.prefetch("T1", ["U1"])
    assert presence.cached("T1", "U1") == Presence(PresenceState.AWAY)


async def test_people_the_platform_does_not_know_are_unknown(presence: CachedPresence) -> None:
    """A user missing from the source's answer is UNKNOWN."""
    assert (await presence.status("T1", "U404")).state is PresenceState.UNKNOWN


async def test_the_cache_is_bounded(source: FakeSource, clock: FakeClock) -> None:
    """Past max_entries the oldest answers go."""
    presence = CachedPresence(source, clock, max_entries=100)
    await presence.prefetch("T1", [f"U{i}" for i in range(250)])
    assert sum(presence.cached("T1", f"U{i}") is not None for i in range(250)) <= 100


def test_combine_names_the_most_telling_signal() -> None:
    """Out of office > meeting > DND > offline > away; else available; else unknown; the
    longer of two equal signals wins."""
    short = Presence(PresenceState.DO_NOT_DISTURB, until=utc(2027, 1, 1, 10))
    long = Presence(PresenceState.DO_NOT_DISTURB, until=utc(2027, 1, 1, 12))
    assert Presence.combine([Presence(PresenceState.AWAY), short, long]) == long
    assert Presence.combine([Presence(PresenceState.AWAY),
                             Presence(PresenceState.OUT_OF_OFFICE)]).state is \
        PresenceState.OUT_OF_OFFICE
    assert Presence.combine([Presence.unknown(), Presence.available()]) == Presence.available()
    assert Presence.combine([Presence.unknown()]).state is PresenceState.UNKNOWN
    assert Presence.combine([]).state is PresenceState.UNKNOWN
    assert not Presence.available().holds and not Presence.unknown().holds
