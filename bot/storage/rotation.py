"""The SQL-backed :class:`bot.core.rotation.RotationStore`: content decks survive restarts.

A deal is a read-modify-write of a deck, so it is one transaction that holds the decks it
read until their new state is saved: two processes sharing the database (or two batches in
one) never deal the same card twice in a round. A scheduler batch deals every target's deck
in that one transaction, two statements whatever its size:

- PostgreSQL reads the rows with ``SELECT ... ORDER BY key FOR UPDATE`` (locks taken in one
  order everywhere, so two batches sharing decks queue instead of deadlocking), then one
  ``UPDATE ... FROM unnest`` saves them. Rows of decks never dealt are created first, in a
  transaction of their own that holds nothing else (a locking read cannot lock a row that
  does not exist yet, and creating it while holding other locks could deadlock).
- SQLite's ``BEGIN IMMEDIATE`` (``Database.write``) already holds the one write lock, so a
  plain ``SELECT`` then one upsert.

Rotation is a nicety, not a correctness property: when the database cannot be read or written
(locked, full, corrupt) ``/tip``, ``/break`` and nudges still answer, dealing from the decks
kept in memory (a fresh one the first time) instead of failing because a deck could not be
saved.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Collection, Iterable, Sequence
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.core.rotation import Change, RotationState
from bot.storage import tables as t
from bot.storage.base import Database
from bot.storage.bulk import sqlite_datetime
from bot.storage.errors import StorageError

if TYPE_CHECKING:
    from bot.storage.store import Store

log = logging.getLogger(__name__)

# Fixed statements (tests/test_static_safety.py): the keys and decks travel as one array or
# JSON parameter, so each text is prepared once whatever the batch's size.
_PG_LOCK = sa.text(
    "SELECT key, CAST(state AS text) FROM rotation WHERE key = ANY(CAST(:keys AS text[])) "
    "ORDER BY key FOR UPDATE"
)
_PG_CREATE = sa.text(
    "INSERT INTO rotation (key, state, updated_at) "
    "SELECT k, CAST('{}' AS json), :now FROM unnest(CAST(:keys AS text[])) AS k ORDER BY k "
    "ON CONFLICT (key) DO NOTHING"
).bindparams(sa.bindparam("now", type_=t.UTCDateTime))
_PG_SAVE = sa.text(
    "UPDATE rotation AS r SET state = CAST(v.state AS json), updated_at = :now "
    "FROM unnest(CAST(:keys AS text[]), CAST(:states AS text[])) AS v(key, state) "
    "WHERE r.key = v.key"
).bindparams(sa.bindparam("now", type_=t.UTCDateTime))
_SQLITE_READ = "SELECT key, state FROM rotation WHERE key IN (SELECT value FROM json_each(?))"
# ``WHERE true`` keeps SQLite from reading ON CONFLICT as part of the SELECT's join.
_SQLITE_SAVE = (
    "INSERT INTO rotation (key, state, updated_at) "
    "SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]'), ? "
    "FROM json_each(?) WHERE true "
    "ON CONFLICT (key) DO UPDATE SET state = excluded.state, updated_at = excluded.updated_at"
)

RawChange = Callable[[dict[str, Any]], dict[str, Any]]


class RotationQueries(Database):
    """The ``rotation`` table: one JSON deck per key."""

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

    async def update_rotations(self, keys: Collection[str], change: RawChange) -> None:
        """Read the JSON states under ``keys`` (missing ones absent, or ``{}`` when just
        created), save the states ``change`` returns for them, in one transaction that keeps
        every other update of these keys out until it commits."""
        wanted = sorted(set(keys))
        if not wanted:
            return
        if self.dialect != "postgresql":
            await self._update_sqlite(wanted, change)
            return
        for first in (True, False):
            async with self.write() as conn:
                found = _parsed(await conn.execute(_PG_LOCK, {"keys": wanted}))
                missing = [key for key in wanted if key not in found]
                if not (missing and first):
                    # A row deleted since it was created (``forget``) is dealt fresh, unsaved.
                    await self._save_pg(conn, change(found))
                    return
            async with self.write() as conn:
                await conn.execute(_PG_CREATE, {"keys": missing, "now": self._now()})

    async def _save_pg(self, conn: AsyncConnection, saved: dict[str, Any]) -> None:
        if saved:
            await conn.execute(_PG_SAVE, {
                "keys": list(saved), "states": [json.dumps(s) for s in saved.values()],
                "now": self._now()})

    async def _update_sqlite(self, wanted: list[str], change: RawChange) -> None:
        async with self.write() as conn:
            found = _parsed(await conn.exec_driver_sql(_SQLITE_READ, (json.dumps(wanted),)))
            saved = change(found)
            if saved:
                await conn.exec_driver_sql(_SQLITE_SAVE, (
                    sqlite_datetime(conn)(self._now()), json.dumps(list(saved.items()))))


def _parsed(rows: Iterable[Any]) -> dict[str, Any]:
    """Each (key, JSON text) row as key -> state."""
    return {row[0]: json.loads(row[1]) for row in rows}


class SqlRotationStore:
    """Keeps each target's deck as one JSON row in the ``rotation`` table."""

    def __init__(self, store: Store) -> None:
        self._store = store
        # Decks the database refused to save; dealt from here until a save works again.
        self._unsaved: dict[str, RotationState] = {}

    async def update(self, keys: Collection[str], change: Change) -> None:
        def on_rows(found: dict[str, Any]) -> dict[str, Any]:
            states = {key: self._known(key, found.get(key)) for key in keys}
            return {key: state.to_dict() for key, state in change(states).items()}

        try:
            await self._store.update_rotations(keys, on_rows)
        except StorageError as exc:
            log.warning("cannot deal the rotation for %d target(s) from the database (%s); "
                        "dealing from memory", len(keys), exc)
            dealt = change({key: self._known(key, None) for key in keys})
            self._unsaved.update((key, state.copy()) for key, state in dealt.items())
        else:
            for key in keys:
                self._unsaved.pop(key, None)

    def _known(self, key: str, stored: dict[str, Any] | None) -> RotationState | None:
        """The newest deck of ``key``: an unsaved one beats the table's."""
        unsaved = self._unsaved.get(key)
        if unsaved is not None:
            return unsaved.copy()
        return None if stored is None else RotationState.from_dict(stored)
