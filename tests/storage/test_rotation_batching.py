"""The SQL rotation store answers many concurrent deals with one read and one write."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
import sqlalchemy as sa

from bot.core.rotation import RotationState
from bot.storage import Store
from bot.storage.errors import StorageError
from bot.storage.rotation import SqlRotationStore

KEYS = [f"break:discord:@me:dm:{i}" for i in range(40)]


def _statements(store: Store, table: str) -> list[str]:
    seen: list[str] = []

    def listen(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if table in statement:
            seen.append(statement.split()[0])

    sa.event.listen(store.engine.sync_engine, "before_cursor_execute", listen)
    return seen


async def test_concurrent_reads_and_writes_are_coalesced(store: Store) -> None:
    """40 targets written together, then read together: one INSERT, one SELECT."""
    rotation = SqlRotationStore(store)
    seen = _statements(store, "rotation")
    states = {k: RotationState(deck=[f"s{i}", "x"], dealt=[], last=None)
              for i, k in enumerate(KEYS)}
    await asyncio.gather(*(rotation.put(k, st) for k, st in states.items()))
    fresh = SqlRotationStore(store)
    got = await asyncio.gather(*(fresh.get(k) for k in KEYS))
    assert got == [states[k] for k in KEYS]
    assert seen == ["INSERT", "SELECT"]


async def test_a_read_sees_a_write_still_waiting_for_its_batch(store: Store) -> None:
    """A deal right after another for the same target reads the newer deck."""
    rotation = SqlRotationStore(store)
    newer = RotationState(deck=["b"], dealt=["a"], last="a")
    writing = asyncio.ensure_future(rotation.put("tip:x", newer))
    assert await rotation.get("tip:x") == newer
    await writing
    assert await SqlRotationStore(store).get("tip:x") == newer


async def test_unknown_targets_read_as_none(store: Store) -> None:
    """Targets never dealt to have no state, whether asked alone or with others."""
    rotation = SqlRotationStore(store)
    await rotation.put("known", RotationState(deck=["a"]))
    assert await asyncio.gather(rotation.get("known"), rotation.get("unknown")) == [
        RotationState(deck=["a"]), None
    ]


async def test_a_queued_write_wins_over_an_older_unsaved_deck(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """While saves fail, a newer deck waiting for its batch is read, not the older unsaved one."""

    async def refuse(_states: dict[str, Any]) -> None:
        raise StorageError("database is locked")

    monkeypatch.setattr(store, "put_rotations", refuse)
    rotation = SqlRotationStore(store)
    older = RotationState(deck=["a", "b"], dealt=[], last=None)
    await rotation.put("tip:x", older)
    assert await rotation.get("tip:x") == older  # kept in memory after the refused save
    newer = RotationState(deck=["b"], dealt=["a"], last="a")
    writing = asyncio.ensure_future(rotation.put("tip:x", newer))
    await asyncio.sleep(0)  # the put is now queued for the next batch, not yet refused
    assert "tip:x" in rotation._writes
    assert await rotation.get("tip:x") == newer
    await writing
    assert await rotation.get("tip:x") == newer
