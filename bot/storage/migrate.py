"""Bringing the schema up to date with Alembic, in-process, at start-up, one process at a time.

Several processes started together on one empty database (``podManagementPolicy: Parallel``,
``docker compose up --scale``) used to run Alembic side by side: PostgreSQL then refuses the
second ``CREATE TABLE`` of the same name with a duplicate-key error and most of them die. So
the migration runs under a lock: a transaction-scoped PostgreSQL advisory lock, or SQLite's
exclusive lock. Whoever gets it first migrates; the others wait (saying so, once), then find
the schema current and go on. Everything happens in one transaction, so a process stopped
while it waits or migrates (SIGTERM) leaves the database exactly as it found it.
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.storage.base import DATABASE_ERRORS, Database, db_error
from bot.storage.errors import StorageError, StoreUnavailable
from bot.storage.urls import describe

log = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).with_name("migrations")
# The advisory lock's number: "deskbrk" in ASCII, so it cannot collide with a lock another
# application on the same server picked by accident.
MIGRATION_LOCK = 0x6465736B62726B
WAITING = "waiting for another process to finish migrating the database"


_FAILURES: tuple[type[BaseException], ...] = (StorageError, *DATABASE_ERRORS)


class MigrationQueries(Database):
    lock_poll_seconds: float = 0.25

    async def migrate(self, revision: str = "head") -> None:
        """Bring the schema to ``revision`` (default: latest) with Alembic, in-process.

        This is the first thing a start does with the database, so a database that cannot
        be opened (corrupt file, locked, disk full, wrong password) surfaces here as one
        :class:`StoreUnavailable` line rather than a driver traceback. Cancelled (a stop
        signal) while waiting or migrating, it rolls back, logs one line and re-raises.
        """
        try:
            await self._migrate_locked(revision)
        except asyncio.CancelledError:
            log.info("stopped before the database migration finished; nothing was changed")
            raise
        except _FAILURES as exc:
            task = asyncio.current_task()
            if task is not None and task.cancelling():  # the stop broke the driver's call
                log.info("stopped before the database migration finished; nothing was changed")
                raise asyncio.CancelledError from exc
            where = describe(self.engine.url)
            reason = str(exc) if isinstance(exc, StorageError) else db_error(exc)
            raise StoreUnavailable(f"cannot use the database {where}: {reason}") from exc

    async def _migrate_locked(self, revision: str) -> None:
        if self.dialect == "sqlite":
            await self._migrate_sqlite(revision)
            return
        async with self.write() as conn:
            await self._wait_for_advisory_lock(conn)
            await conn.run_sync(_run_alembic, "upgrade", revision)

    async def _wait_for_advisory_lock(self, conn: AsyncConnection) -> None:
        """Take the migration lock, polling (cancellable) rather than blocking in the server,
        so a stop signal while waiting ends the wait at once and cleanly."""
        try_lock = sa.select(sa.func.pg_try_advisory_xact_lock(MIGRATION_LOCK))
        waited = False
        while not (await conn.execute(try_lock)).scalar_one():
            if not waited:
                log.info(WAITING)
                waited = True
            await asyncio.sleep(self.lock_poll_seconds)
        if waited:
            log.info("got the migration lock; checking the schema")

    async def _migrate_sqlite(self, revision: str) -> None:
        """``BEGIN EXCLUSIVE`` waits out the busy timeout for the lock; a database still
        locked after that is another process migrating (or a long write): say so and retry."""
        waited = False
        while True:
            try:
                async with self.write(begin="EXCLUSIVE") as conn:
                    await conn.run_sync(_run_alembic, "upgrade", revision)
                return
            except StorageError as exc:
                if "locked" not in str(exc):
                    raise
                if not waited:
                    log.info(WAITING)
                    waited = True
                await asyncio.sleep(self.lock_poll_seconds)

    async def schema_revision(self) -> str | None:
        async with self.read() as conn:
            return await conn.run_sync(_current_revision)


def _alembic_config(connection: Connection) -> Any:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.attributes["connection"] = connection
    return cfg


def _run_alembic(connection: Connection, action: str, revision: str) -> None:
    from alembic import command

    cfg = _alembic_config(connection)
    if action == "upgrade":
        command.upgrade(cfg, revision)
    elif action == "downgrade":
        command.downgrade(cfg, revision)
    else:  # pragma: no cover - internal misuse
        raise ValueError(action)


def _current_revision(connection: Connection) -> str | None:
    from alembic.runtime.migration import MigrationContext

    return MigrationContext.configure(connection).get_current_revision()
