"""The one database gateway: SQLAlchemy 2 async Core, SQLite by default, PostgreSQL for scale.

``Store`` is a facade over one query module per concern (workspaces, schedules, reminders,
claims, the delivery ledger, rotation decks, key-value state, migrations); each is a
small :class:`~bot.storage.base.Database` subclass, so callers keep one object and every
query still runs through the same engine, clock and error translation.

Why Core and not ORM sessions: every hot path here (claiming due rows, writing the ledger,
marking sends) is a handful of set-based statements; an identity map would only add cost.
All SQL is built with SQLAlchemy expressions, so every value is a bound parameter.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import create_async_engine

from bot.core.clock import Clock
from bot.storage import tables as t
from bot.storage.base import db_error
from bot.storage.claims import ClaimQueries
from bot.storage.errors import StorageError, StoreUnavailable
from bot.storage.kv import KeyValueQueries
from bot.storage.ledger import LedgerQueries, new_nonce
from bot.storage.migrate import MigrationQueries
from bot.storage.reminders import ReminderQueries
from bot.storage.rotation import RotationQueries
from bot.storage.schedules import ScheduleQueries
from bot.storage.urls import parse_database_url

DEFAULT_URL = "sqlite+aiosqlite:///./data/deskbreak.sqlite3"
SQLITE_BUSY_TIMEOUT_MS = 5000


def create_store(
    url: str | None = None, *, clock: Clock | None = None, echo: bool = False
) -> Store:
    """Build a :class:`Store` for a SQLite or PostgreSQL URL (accepted forms: bot/storage/urls.py).

    For SQLite the parent folder is created and every connection is switched to WAL with a
    busy timeout, so readers never block the scheduler and short write races wait, not fail.
    """
    opened = parse_database_url(url or DEFAULT_URL)  # DatabaseUrlError: one line
    parsed = opened.url
    kwargs: dict[str, Any] = {"echo": echo, "connect_args": dict(opened.connect_args)}
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database or ""
        if database and database != ":memory:" and not database.startswith("file:"):
            Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        kwargs["connect_args"]["timeout"] = SQLITE_BUSY_TIMEOUT_MS / 1000
    else:
        kwargs["pool_pre_ping"] = True
    engine = create_async_engine(parsed, **kwargs)
    store = Store(engine, clock=clock)
    if parsed.get_backend_name() == "sqlite":
        sa.event.listen(engine.sync_engine, "do_connect", store.open_existing)
        sa.event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        sa.event.listen(engine.sync_engine, "begin", _sqlite_begin)
    return store


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # The driver must not start transactions on its own (it began one only before DML, so
    # reads ran outside it); _sqlite_begin starts each one, SQLAlchemy's documented recipe.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


_BEGIN = {mode: "BEGIN " + mode for mode in ("DEFERRED", "IMMEDIATE", "EXCLUSIVE")}


def _sqlite_begin(conn: sa.Connection) -> None:
    """``BEGIN IMMEDIATE`` (or EXCLUSIVE) for Store.write(), a plain deferred BEGIN for reads."""
    mode = conn.get_execution_options().get("sqlite_begin", "DEFERRED")
    if mode not in ("DEFERRED", "IMMEDIATE", "EXCLUSIVE"):  # pragma: no cover - misuse
        raise ValueError(mode)
    conn.exec_driver_sql(_BEGIN[mode])  # one of three fixed statements, never formatted


class Store(
    MigrationQueries,
    ReminderQueries,  # (and WorkspaceQueries, which it reads the workspace through)
    ScheduleQueries,
    ClaimQueries,
    LedgerQueries,
    RotationQueries,
    KeyValueQueries,
):
    """Async API over the deskbreak database. Every method is one short transaction and lets
    out only :class:`~bot.storage.errors.StorageError`."""

    async def ping(self) -> None:
        """What /healthz asks of the database: is it still the file we opened (SQLite), and
        does it take a write? A read alone passed on a deleted file and on a database that
        refuses every write (read-only, immutable, full), where the bot can do nothing useful.
        The write is one upsert of one ``kv`` row."""
        problem = self.file_problem()
        if problem is not None:
            raise StorageError(problem)
        await self.kv_set("deskbreak", "health_probe", self._now().isoformat())

    async def count_stored(self) -> tuple[int, int]:
        """How many schedule and reminder rows exist, paused and disabled ones included."""
        async with self.read() as conn:
            schedules = await conn.scalar(sa.select(sa.func.count()).select_from(t.schedules))
            reminders = await conn.scalar(sa.select(sa.func.count()).select_from(t.reminders))
        return int(schedules or 0), int(reminders or 0)

    async def snapshot(self) -> dict[str, list[dict[str, Any]]]:
        """Every row of every table, sorted: lets tests prove a refused command changed nothing."""
        out: dict[str, list[dict[str, Any]]] = {}
        async with self.read() as conn:
            for table in t.metadata.sorted_tables:
                rows = (await conn.execute(sa.select(table))).mappings().all()
                out[table.name] = sorted((dict(r) for r in rows), key=repr)
        return out


__all__ = ["DEFAULT_URL", "Store", "StoreUnavailable", "create_store", "db_error", "new_nonce"]
