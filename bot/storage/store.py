"""The one database gateway: SQLAlchemy 2 async Core, SQLite by default, PostgreSQL for scale.

``Store`` is a facade over one query module per concern (workspaces, schedules, reminders,
claims, the delivery ledger, rotation decks, key-value state, history, migrations); each is a
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
from bot.storage.errors import StoreUnavailable
from bot.storage.history import HistoryQueries
from bot.storage.kv import KeyValueQueries
from bot.storage.ledger import LedgerQueries, new_nonce
from bot.storage.migrate import MigrationQueries
from bot.storage.reminders import ReminderQueries
from bot.storage.rotation import RotationQueries
from bot.storage.schedules import ScheduleQueries
from bot.storage.workspaces import WorkspaceQueries

DEFAULT_URL = "sqlite+aiosqlite:///./data/deskbreak.sqlite3"
SQLITE_BUSY_TIMEOUT_MS = 5000


def create_store(
    url: str | None = None, *, clock: Clock | None = None, echo: bool = False
) -> Store:
    """Build a :class:`Store` for ``sqlite+aiosqlite://`` or ``postgresql+asyncpg://`` URLs.

    For SQLite the parent folder is created and every connection is switched to WAL with a
    busy timeout, so readers never block the scheduler and short write races wait, not fail.
    """
    url = url or DEFAULT_URL
    parsed = sa.make_url(url)
    kwargs: dict[str, Any] = {"echo": echo}
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database or ""
        if database and database != ":memory:" and not database.startswith("file:"):
            Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        kwargs["connect_args"] = {"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000}
    elif parsed.get_backend_name() == "postgresql":
        kwargs["pool_pre_ping"] = True
    else:
        raise ValueError(f"unsupported database URL scheme: {parsed.drivername}")
    engine = create_async_engine(parsed, **kwargs)
    if parsed.get_backend_name() == "sqlite":
        sa.event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
    return Store(engine, clock=clock)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


class Store(
    MigrationQueries,
    WorkspaceQueries,
    ScheduleQueries,
    ReminderQueries,
    ClaimQueries,
    LedgerQueries,
    RotationQueries,
    KeyValueQueries,
    HistoryQueries,
):
    """Async API over the deskbreak database. Every method is one short transaction and lets
    out only :class:`~bot.storage.errors.StorageError`."""

    async def ping(self) -> None:
        """One round trip (``SELECT 1``): what /healthz asks of the database."""
        async with self.read() as conn:
            await conn.execute(sa.text("SELECT 1"))

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
