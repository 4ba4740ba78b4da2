"""Deal content like a shuffled deck, so a channel sees every tip before any tip twice.

Each target key (a channel, a person's DMs) has its own deck per content kind. The state is
tiny and stored through :class:`RotationStore`, so the order survives restarts when the SQL store
is used. When the library changes between deals (an admin adds or removes entries), new ids join
the current deck and removed ones simply drop out; nothing already dealt this round comes back
early.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar

T = TypeVar("T")


@dataclass(slots=True)
class RotationState:
    """``deck``: ids still to deal this round, in order; ``dealt``: ids dealt this round."""

    deck: list[str] = field(default_factory=list)
    dealt: list[str] = field(default_factory=list)
    last: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready form, for stores that keep the state as one text column."""
        return {"deck": list(self.deck), "dealt": list(self.dealt), "last": self.last}

    def copy(self) -> RotationState:
        return RotationState(deck=list(self.deck), dealt=list(self.dealt), last=self.last)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RotationState:
        return cls(
            deck=list(data.get("deck", [])),
            dealt=list(data.get("dealt", [])),
            last=data.get("last"),
        )


Change = Callable[[dict[str, RotationState | None]], dict[str, RotationState]]


class RotationStore(Protocol):
    async def update(self, keys: Collection[str], change: Change) -> None:
        """Read the decks under ``keys`` (None: never dealt), save what ``change`` returns.

        Atomic per call: no other update of any of these keys comes between the read and
        the write, in this process or (for a shared database) another one, so no card is
        dealt twice in a round. ``change`` is synchronous, so nothing can interleave with it
        here, and it may be called again (a store that had to retry, or fell back to memory),
        each time with decks of its own that it may change in place.
        """
        ...


class MemoryRotationStore:
    """Keeps decks in a dict: the console's store, and the tests'."""

    def __init__(self) -> None:
        self._states: dict[str, RotationState] = {}

    async def get(self, key: str) -> RotationState | None:
        return self._copy(key)

    async def update(self, keys: Collection[str], change: Change) -> None:
        for key, state in change({key: self._copy(key) for key in keys}).items():
            self._states[key] = state.copy()

    def _copy(self, key: str) -> RotationState | None:
        state = self._states.get(key)
        return None if state is None else state.copy()


class Hand:
    """Deals from decks already read (and, in a SQL store, locked) for one update.

    Several deals for one key in the same hand follow each other through the same deck, so a
    batch with two nudges for one channel deals two different cards.
    """

    def __init__(self, rotator: Rotator, states: dict[str, RotationState | None]) -> None:
        self._rotator = rotator
        self._states = states
        self.changed: dict[str, RotationState] = {}

    def next(
        self, key: str, ids: Sequence[str], accept: Callable[[str], bool] | None = None
    ) -> str | None:
        """The next id for ``key`` (see :meth:`Rotator.next`); ``key`` must be one of the
        keys the hand was dealt for."""
        if not ids:
            return None
        if key not in self._states:
            raise KeyError(f"{key!r} was not read for this deal")
        state = self.changed.get(key) or self._states[key] or RotationState()
        state = self._rotator.refresh(state, ids)
        chosen = _take(state, accept or _any)
        if chosen is None:
            return None
        state.dealt.append(chosen)
        state.last = chosen
        self.changed[key] = state
        return chosen


class Rotator:
    """Deals the next id for a key from a per-key shuffled deck kept in a RotationStore.

    Deals go through :meth:`RotationStore.update`, which reads and saves the decks in one
    atomic step: two deals for the same key at once (two nudges firing together, or two
    processes sharing a database) never both read the same deck and deal the same card.
    """

    def __init__(self, store: RotationStore, rng: random.Random | None = None) -> None:
        self._store = store
        self._rng = rng or random.Random()  # noqa: S311 - shuffling content, not security
        self._libraries: dict[tuple[str, ...], tuple[list[str], frozenset[str]]] = {}

    async def next(
        self, key: str, ids: Sequence[str], accept: Callable[[str], bool] | None = None
    ) -> str | None:
        """Return the next id for ``key`` from ``ids`` (the current library), or None if empty.

        With ``accept``, the next id in the deck that it accepts is dealt and the others keep
        their places (a break prompt must suit the stretch it sits beside). If none left this
        round is accepted, the accepted one dealt longest ago is dealt again; if no id at all is
        accepted, nothing is dealt and the answer is None.
        """
        if not ids:
            return None
        return await self.dealing([key], lambda hand: hand.next(key, ids, accept))

    async def dealing(self, keys: Collection[str], work: Callable[[Hand], T]) -> T:
        """Run ``work`` on a :class:`Hand` holding the decks of ``keys``, then save them, as
        one store update: a scheduler batch deals every target's card in one read and one
        write instead of two per card. ``work`` must be quick and synchronous (the decks are
        locked while it runs) and may run more than once; its last result is returned."""
        if not keys:  # nothing to deal (a routine's fixed steps): no store round trip
            return work(Hand(self, {}))
        results: list[T] = []

        def change(states: dict[str, RotationState | None]) -> dict[str, RotationState]:
            hand = Hand(self, states)
            results[:] = [work(hand)]
            return hand.changed

        await self._store.update(keys, change)
        return results[0]

    def refresh(self, state: RotationState, ids: Sequence[str]) -> RotationState:
        """Reconcile the stored deck with today's ids and start a new round when it runs out.

        May return ``state`` itself: a store hands each update decks of its own."""
        current, pool = self._library(ids)
        if state.deck and len(state.deck) + len(state.dealt) == len(pool) and (
                pool == set(state.deck).union(state.dealt)):
            return state  # the library is the deck's: nothing to reconcile (the usual case)
        dealt = [i for i in state.dealt if i in pool]
        deck = [i for i in state.deck if i in pool and i not in dealt]
        known = set(deck) | set(dealt)
        for new_id in (i for i in current if i not in known):
            deck.insert(self._rng.randint(0, len(deck)), new_id)
        if not deck:
            deck = list(current)
            self._rng.shuffle(deck)
            dealt = []
            if len(deck) > 1 and deck[0] == state.last:
                swap = self._rng.randint(1, len(deck) - 1)
                deck[0], deck[swap] = deck[swap], deck[0]
        return RotationState(deck=deck, dealt=dealt, last=state.last)

    def _library(self, ids: Sequence[str]) -> tuple[list[str], frozenset[str]]:
        """``ids`` without repeats, in order, and as a set; worked out once per library (a
        fan-out deals from the same two or three thousands of times)."""
        key = tuple(ids)
        known = self._libraries.get(key)
        if known is None:
            current = list(dict.fromkeys(ids))
            if len(self._libraries) >= 64:  # libraries change rarely; never grow for ever
                self._libraries.clear()
            known = self._libraries[key] = (current, frozenset(current))
        return known


def _take(state: RotationState, accept: Callable[[str], bool]) -> str | None:
    """Remove and return the first accepted id of the deck, else of those dealt."""
    for pile in (state.deck, state.dealt):
        for i, candidate in enumerate(pile):
            if accept(candidate):
                return pile.pop(i)
    return None


def _any(_: str) -> bool:
    return True
