"""Deal content like a shuffled deck, so a channel sees every tip before any tip twice.

Each target key (a channel, a person's DMs) has its own deck per content kind. The state is
tiny and stored through :class:`RotationStore`, so the order survives restarts when the SQL store
is used. When the library changes between deals (an admin adds or removes entries), new ids join
the current deck and removed ones simply drop out; nothing already dealt this round comes back
early.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol


@dataclass(slots=True)
class RotationState:
    """``deck``: ids still to deal this round, in order; ``dealt``: ids dealt this round."""

    deck: list[str] = field(default_factory=list)
    dealt: list[str] = field(default_factory=list)
    last: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready form, for stores that keep the state as one text column."""
        return {"deck": list(self.deck), "dealt": list(self.dealt), "last": self.last}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RotationState:
        return cls(
            deck=[str(x) for x in data.get("deck", [])],
            dealt=[str(x) for x in data.get("dealt", [])],
            last=data.get("last"),
        )


class RotationStore(Protocol):
    async def get(self, key: str) -> RotationState | None: ...

    async def put(self, key: str, state: RotationState) -> None: ...


class MemoryRotationStore:
    """Keeps decks in a dict: the console's store, and the tests'."""

    def __init__(self) -> None:
        self._states: dict[str, RotationState] = {}

    async def get(self, key: str) -> RotationState | None:
        state = self._states.get(key)
        return None if state is None else RotationState.from_dict(state.to_dict())

    async def put(self, key: str, state: RotationState) -> None:
        self._states[key] = RotationState.from_dict(state.to_dict())


class Rotator:
    """Deals the next id for a key from a per-key shuffled deck.

    A per-key lock keeps two concurrent deals for the same key (two nudges firing together)
    from both reading the same state and dealing the same card.
    """

    def __init__(self, store: RotationStore, rng: random.Random | None = None) -> None:
        self._store = store
        self._rng = rng or random.Random()  # noqa: S311 - shuffling content, not security
        self._locks: dict[str, asyncio.Lock] = {}

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
        lock = self._locks.setdefault(key, asyncio.Lock())
        async with lock:
            state = await self._store.get(key) or RotationState()
            state = self._refresh(state, ids)
            chosen = self._take(state, accept or _any)
            if chosen is None:
                return None
            state.dealt.append(chosen)
            state.last = chosen
            await self._store.put(key, state)
            return chosen

    @staticmethod
    def _take(state: RotationState, accept: Callable[[str], bool]) -> str | None:
        """Remove and return the first accepted id of the deck, else of those dealt."""
        for pile in (state.deck, state.dealt):
            for i, candidate in enumerate(pile):
                if accept(candidate):
                    return pile.pop(i)
        return None

    def _refresh(self, state: RotationState, ids: Sequence[str]) -> RotationState:
        """Reconcile the stored deck with today's ids and start a new round when it runs out."""
        current = list(dict.fromkeys(ids))
        pool = set(current)
        dealt = [i for i in state.dealt if i in pool]
        deck = [i for i in state.deck if i in pool and i not in dealt]
        known = set(deck) | set(dealt)
        for new_id in (i for i in current if i not in known):
            deck.insert(self._rng.randint(0, len(deck)), new_id)
        if not deck:
            deck = current[:]
            self._rng.shuffle(deck)
            dealt = []
            if len(deck) > 1 and deck[0] == state.last:
                swap = self._rng.randint(1, len(deck) - 1)
                deck[0], deck[swap] = deck[swap], deck[0]
        return RotationState(deck=deck, dealt=dealt, last=state.last)


def _any(_: str) -> bool:
    return True
