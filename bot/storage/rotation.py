"""The SQL-backed :class:`bot.core.rotation.RotationStore`: content decks survive restarts."""

from __future__ import annotations

from bot.core.rotation import RotationState
from bot.storage.store import Store


class SqlRotationStore:
    """Keeps each target's deck as one JSON row in the ``rotation`` table."""

    def __init__(self, store: Store) -> None:
        self._store = store

    async def get(self, key: str) -> RotationState | None:
        data = await self._store.get_rotation(key)
        return None if data is None else RotationState.from_dict(data)

    async def put(self, key: str, state: RotationState) -> None:
        await self._store.put_rotation(key, state.to_dict())
