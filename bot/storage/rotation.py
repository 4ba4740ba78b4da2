"""The SQL-backed :class:`bot.core.rotation.RotationStore`: content decks survive restarts.

Rotation is a nicety, not a correctness property: when the database cannot be read or written
(locked, full, corrupt) ``/tip``, ``/break`` and nudges still answer, dealing from a fresh deck
and keeping it in memory, instead of failing because a deck could not be saved.

Reads and writes that arrive together are coalesced: a scheduler fan-out deals a deck for every
target at once, and one query for all of them (plus one executemany to save them) costs a
fraction of two transactions per target, which used to be most of a nudge's cost. Callers
still await their own read or write, so the semantics are those of one call at a time.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from bot.core.rotation import RotationState
from bot.storage import tables as t
from bot.storage.base import Database
from bot.storage.errors import StorageError

if TYPE_CHECKING:
    from bot.storage.store import Store

log = logging.getLogger(__name__)


class RotationQueries(Database):
    """The ``rotation`` table: one JSON deck per key, read and written in batches."""

    async def get_rotations(self, keys: Sequence[str]) -> dict[str, Any]:
        """The JSON states stored under ``keys`` (missing keys are absent), in one query."""
        r = t.rotation
        out: dict[str, Any] = {}
        async with self.read() as conn:
            for start in range(0, len(keys), 500):
                stmt = sa.select(r.c.key, r.c.state).where(r.c.key.in_(keys[start : start + 500]))
                for key, state in (await conn.execute(stmt)).all():
                    out[key] = state
        return out

    async def put_rotations(self, states: dict[str, Any]) -> None:
        """Upsert many rotation states in one transaction (one executemany)."""
        if not states:
            return
        now = self._now()
        r = t.rotation
        stmt = self._insert(r)
        stmt = stmt.on_conflict_do_update(
            index_elements=[r.c.key],
            set_={"state": stmt.excluded.state, "updated_at": stmt.excluded.updated_at},
        )
        rows = [{"key": k, "state": v, "updated_at": now} for k, v in states.items()]
        async with self.write() as conn:
            await conn.execute(stmt, rows)


class SqlRotationStore:
    """Keeps each target's deck as one JSON row in the ``rotation`` table."""

    def __init__(self, store: Store) -> None:
        self._store = store
        # Decks the database refused to save; served from here until a save works again.
        self._unsaved: dict[str, RotationState] = {}
        # Calls waiting for the next batch: reads by key, writes by key (last one wins).
        self._reads: dict[str, list[asyncio.Future[Any]]] = {}
        self._writes: dict[str, tuple[RotationState, list[asyncio.Future[None]]]] = {}
        self._batch: asyncio.Task[None] | None = None

    async def get(self, key: str) -> RotationState | None:
        if key in self._writes:  # read your own write, even before it reaches the table
            return RotationState.from_dict(self._writes[key][0].to_dict())
        if key in self._unsaved:
            return self._unsaved[key]
        waiter: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._reads.setdefault(key, []).append(waiter)
        self._schedule()
        data = await waiter
        return None if data is None else RotationState.from_dict(data)

    async def put(self, key: str, state: RotationState) -> None:
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        _, waiters = self._writes.get(key, (state, []))
        self._writes[key] = (RotationState.from_dict(state.to_dict()), [*waiters, waiter])
        self._schedule()
        await waiter

    def _schedule(self) -> None:
        if self._batch is None:
            self._batch = asyncio.get_running_loop().create_task(self._run_batch())

    async def _run_batch(self) -> None:
        """Everything requested until this task first runs goes out as one write + one read."""
        await asyncio.sleep(0)  # let the callers of this same moment join the batch
        reads, self._reads = self._reads, {}
        writes, self._writes = self._writes, {}
        self._batch = None
        try:
            if writes:
                await self._write(writes)
            if reads:
                await self._read(reads)
        except BaseException as exc:  # never leave a caller waiting forever
            for waiter in [w for _, ws in writes.values() for w in ws] + [
                w for ws in reads.values() for w in ws
            ]:
                if not waiter.done():
                    waiter.set_exception(exc)
            if not isinstance(exc, Exception):
                raise

    async def _write(
        self, writes: dict[str, tuple[RotationState, list[asyncio.Future[None]]]]
    ) -> None:
        try:
            await self._store.put_rotations({k: st.to_dict() for k, (st, _) in writes.items()})
        except StorageError as exc:
            log.warning("cannot save the rotation for %d target(s) (%s); keeping them in memory",
                        len(writes), exc)
            for key, (state, _) in writes.items():
                self._unsaved[key] = state
        else:
            for key in writes:
                self._unsaved.pop(key, None)
        for _, waiters in writes.values():
            for waiter in waiters:
                if not waiter.done():
                    waiter.set_result(None)

    async def _read(self, reads: dict[str, list[asyncio.Future[Any]]]) -> None:
        try:
            found = await self._store.get_rotations(list(reads))
        except StorageError as exc:
            log.warning("cannot read the rotation for %d target(s) (%s); dealing from a fresh "
                        "deck", len(reads), exc)
            found = {}
        for key, waiters in reads.items():
            for waiter in waiters:
                if not waiter.done():
                    waiter.set_result(found.get(key))
