"""Rotator: a shuffled deck per key, no repeats until everything was shown."""

from __future__ import annotations

import asyncio
import random

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core.rotation import MemoryRotationStore, RotationState, Rotator

ids_strategy = st.lists(st.text("abcdefgh", min_size=1, max_size=4), min_size=1, max_size=12,
                        unique=True)


async def deal(rotator: Rotator, key: str, ids: list[str], count: int) -> list[str]:
    return [await rotator.next(key, ids) for _ in range(count)]


@settings(max_examples=150, deadline=None)
@given(ids=ids_strategy, rounds=st.integers(1, 4), seed=st.integers(0, 2**32))
def test_every_round_is_a_permutation_and_never_repeats_back_to_back(
    ids: list[str], rounds: int, seed: int
) -> None:
    """Each block of len(ids) deals shows every id once; no id is dealt twice in a row."""
    rotator = Rotator(MemoryRotationStore(), random.Random(seed))
    dealt = asyncio.run(deal(rotator, "k", ids, len(ids) * rounds))
    for r in range(rounds):
        assert sorted(dealt[r * len(ids) : (r + 1) * len(ids)]) == sorted(ids)
    if len(ids) > 1:
        assert all(a != b for a, b in zip(dealt, dealt[1:], strict=False))


@settings(max_examples=100, deadline=None)
@given(ids=ids_strategy, extra=st.text("xyz", min_size=5, max_size=6), cut=st.integers(0, 11),
       seed=st.integers(0, 2**32))
def test_library_changes_mid_round_keep_the_promise(
    ids: list[str], extra: str, cut: int, seed: int
) -> None:
    """Added ids come before any repeat; removed ids are never dealt again."""
    rotator = Rotator(MemoryRotationStore(), random.Random(seed))
    cut = min(cut, len(ids) - 1)

    async def scenario() -> tuple[list[str], list[str], list[str]]:
        first = await deal(rotator, "k", ids, cut)
        changed = [*ids[1:], extra]  # ids[0] removed, extra added
        rest = await deal(rotator, "k", changed, len(changed) - len(set(first) - {ids[0]}))
        return first, changed, rest

    first, changed, rest = asyncio.run(scenario())
    assert ids[0] not in rest
    assert sorted(set(first) - {ids[0]} | set(rest)) == sorted(changed)
    assert len(rest) == len(set(rest))


def test_keys_rotate_independently() -> None:
    """Each target key has its own deck."""
    rotator = Rotator(MemoryRotationStore(), random.Random(1))
    ids = ["a", "b", "c"]

    async def scenario() -> tuple[list[str], list[str]]:
        return await deal(rotator, "one", ids, 3), await deal(rotator, "two", ids, 3)

    one, two = asyncio.run(scenario())
    assert sorted(one) == sorted(two) == ids


def test_state_survives_a_new_rotator_on_the_same_store() -> None:
    """The deck lives in the store, so a restart continues the round."""
    store = MemoryRotationStore()
    ids = ["a", "b", "c", "d"]

    async def scenario() -> list[str]:
        before = await deal(Rotator(store, random.Random(1)), "k", ids, 2)
        after = await deal(Rotator(store, random.Random(2)), "k", ids, 2)
        return before + after

    assert sorted(asyncio.run(scenario())) == ids


def test_concurrent_deals_do_not_duplicate() -> None:
    """Two deals racing for one key still get different ids."""
    rotator = Rotator(MemoryRotationStore(), random.Random(3))
    ids = [str(i) for i in range(10)]

    async def scenario() -> list[str | None]:
        return list(await asyncio.gather(*(rotator.next("k", ids) for _ in range(10))))

    assert sorted(asyncio.run(scenario())) == sorted(ids)


def test_empty_library_deals_nothing() -> None:
    """No ids: nothing to deal, no error."""
    assert asyncio.run(Rotator(MemoryRotationStore()).next("k", [])) is None


def test_state_round_trips_through_dict() -> None:
    """RotationState serialises for SQL stores and back unchanged."""
    state = RotationState(deck=["a"], dealt=["b"], last="b")
    assert RotationState.from_dict(state.to_dict()) == state


@settings(max_examples=100, deadline=None)
@given(ids=ids_strategy, seed=st.integers(0, 2**32), picks=st.lists(st.integers(0, 11),
                                                                    min_size=1, max_size=30))
def test_accept_deals_only_accepted_ids_and_keeps_the_others_waiting(
    ids: list[str], seed: int, picks: list[int]
) -> None:
    """With ``accept``, every deal is an accepted id; ids passed over keep their place, so a
    plain deal afterwards still shows every id not yet dealt this round before any repeat."""
    rotator = Rotator(MemoryRotationStore(), random.Random(seed))

    async def run() -> None:
        dealt: list[str] = []
        for pick in picks:
            wanted = ids[pick % len(ids)]
            got = await rotator.next("k", ids, accept=lambda i, w=wanted: i == w)
            assert got == wanted
            dealt.append(got)
        state = await rotator._store.get("k")  # the deck itself, not just what was dealt
        assert state is not None
        assert sorted(state.deck + state.dealt) == sorted(ids)

    asyncio.run(run())


async def test_accept_repeats_the_longest_ago_when_the_round_has_none_left() -> None:
    """When no id left this round is accepted, the accepted one dealt longest ago comes back;
    when no id is accepted at all, nothing is dealt."""
    rotator = Rotator(MemoryRotationStore(), random.Random(1))
    ids = ["a", "b", "c"]
    first = [await rotator.next("k", ids, accept=lambda i: i in {"a", "b"}) for _ in range(2)]
    assert sorted(first) == ["a", "b"]
    again = await rotator.next("k", ids, accept=lambda i: i in {"a", "b"})
    assert again == first[0]
    assert await rotator.next("k", ids, accept=lambda i: False) is None
    assert await rotator.next("k", ids) == "c"  # the one passed over is still waiting
