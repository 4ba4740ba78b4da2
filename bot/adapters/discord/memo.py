"""What an object the core hands out again and again became for discord.py, by identity.

The core keeps its answers (a stretch card per stretch, suggestions per typed prefix) and
hands out the same objects each time; the adapter keeps what it built from each one (an
embed and view, a list of choices) beside it, so a repeat builds nothing. Keyed by ``id``
with the object itself kept in the entry, so an id cannot be reused while its entry lives;
the least recently used goes first when full.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Generic, TypeVar

K = TypeVar("K")
V = TypeVar("V")


class ByIdentity(Generic[K, V]):
    __slots__ = ("_entries", "_size")

    def __init__(self, size: int) -> None:
        self._entries: OrderedDict[int, tuple[K, V]] = OrderedDict()
        self._size = size

    def get(self, key: K) -> V | None:
        hit = self._entries.get(id(key))
        if hit is None or hit[0] is not key:
            return None
        self._entries.move_to_end(id(key))
        return hit[1]

    def put(self, key: K, value: V) -> None:
        self._entries[id(key)] = (key, value)
        if len(self._entries) > self._size:
            self._entries.popitem(last=False)
