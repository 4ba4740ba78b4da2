"""What every part of the store stands on: one engine, its dialect, the clock, and transactions
that turn any database failure into :class:`~bot.storage.errors.StorageError`.

Every query in bot/storage opens its connection through :meth:`Database.read` or
:meth:`Database.write`, so there is exactly one place that decides what a database failure
looks like to the rest of the bot. That covers the driver errors SQLAlchemy wraps *and* the
ones it lets through untouched: asyncpg raises ``ConnectionRefusedError`` (an ``OSError``)
and ``TimeoutError`` straight from ``connect()``, and aiosqlite can surface raw
``sqlite3.Error``. Callers above storage then catch one type and never see SQL, parameters
or a server address.
"""

from __future__ import annotations

import os
import socket
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from bot.core.clock import Clock, SystemClock
from bot.storage.errors import StorageError


def _driver_errors() -> tuple[type[Exception], ...]:
    """asyncpg's own exception roots, when asyncpg is installed (it is optional for SQLite)."""
    try:
        import asyncpg
    except ImportError:  # pragma: no cover - asyncpg is a dependency today
        return ()
    return (asyncpg.PostgresError, asyncpg.InterfaceError)


# Everything a database can throw at us. OSError covers refused/reset connections, DNS
# failures and timeouts (TimeoutError is an OSError); sqlite3.Error what aiosqlite lets out.
DATABASE_ERRORS: tuple[type[Exception], ...] = (
    sa.exc.SQLAlchemyError,
    OSError,
    sqlite3.Error,
    *_driver_errors(),
)


def db_error(exc: BaseException) -> str:
    """The driver's own one-line reason ("file is not a database", "Connection refused").

    Never SQLAlchemy's statement dump (SQL and parameters), and never a server address: an
    ``OSError`` from a socket names the host and port it tried, which /healthz would
    otherwise show to whoever asks, so a socket error is worded by its errno alone.
    """
    orig = getattr(exc, "orig", None)
    cause = orig if orig is not None else exc
    if isinstance(cause, TimeoutError):
        return "timed out talking to the database"
    if isinstance(cause, socket.gaierror):
        return "cannot reach the database server: its host name does not resolve"
    if isinstance(cause, OSError):
        if isinstance(cause.errno, int) and cause.errno > 0:
            return f"cannot reach the database server: {os.strerror(cause.errno)}"
        return "cannot reach the database server"
    text = str(cause).strip()
    if text.startswith("<class '") and ">: " in text:  # SQLAlchemy's asyncpg adapter prefix
        text = text.split(">: ", 1)[1]
    return (text.splitlines() or [type(cause).__name__])[0][:200] or type(cause).__name__


def storage_error(exc: BaseException) -> StorageError:
    """``exc`` as the one error type storage lets out (chained by the caller's ``from``)."""
    return exc if isinstance(exc, StorageError) else StorageError(db_error(exc))


class Database:
    """The engine and clock every repository of the store shares."""

    def __init__(self, engine: AsyncEngine, *, clock: Clock | None = None) -> None:
        self.engine = engine
        self.clock = clock or SystemClock()

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    async def close(self) -> None:
        await self.engine.dispose()

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncConnection]:
        """A connection for reads; any database failure comes out as StorageError."""
        try:
            async with self.engine.connect() as conn:
                yield conn
        except DATABASE_ERRORS as exc:
            raise storage_error(exc) from exc

    @asynccontextmanager
    async def write(self, *, begin: str = "IMMEDIATE") -> AsyncIterator[AsyncConnection]:
        """One transaction, committed when the block ends; failures come out as StorageError.

        On SQLite the transaction starts with ``BEGIN IMMEDIATE`` (``begin``), taking the
        write lock before its first read, so a read-modify-write inside one ``write()``
        block is atomic against every other writer, in this process or another. (The
        driver's own default began only at the first INSERT/UPDATE, so a count or a read
        before it ran outside the transaction.) PostgreSQL serialises such blocks with
        :meth:`lock` instead.
        """
        try:
            async with self.engine.connect() as conn:
                if self.dialect == "sqlite":
                    await conn.execution_options(sqlite_begin=begin)
                async with conn.begin():
                    yield conn
        except DATABASE_ERRORS as exc:
            raise storage_error(exc) from exc

    async def lock(self, conn: AsyncConnection, *key: str, shared: bool = False) -> None:
        """Hold a lock named by ``key`` until ``conn``'s transaction ends.

        What makes a read-modify-write on PostgreSQL atomic when no row exists yet to lock
        with ``FOR UPDATE`` (a count before an insert, a workspace never configured): a
        transaction-scoped advisory lock on a hash of the key. SQLite needs nothing here:
        :meth:`write` already holds the database's single write lock. ``shared`` holders
        run side by side and only exclude an exclusive holder (many small writers against
        one rebuild).
        """
        if self.dialect == "postgresql":
            name = "\x1f".join(key)
            take = sa.func.pg_advisory_xact_lock_shared if shared else sa.func.pg_advisory_xact_lock
            await conn.execute(sa.select(take(sa.func.hashtextextended(name, 0))))

    def _insert(self, table: sa.Table) -> Any:
        """A dialect insert, so ``on_conflict_*`` is available on both backends."""
        if self.dialect == "postgresql":
            return postgresql.insert(table)
        return sqlite.insert(table)

    def _now(self) -> datetime:
        return self.clock.now()
