"""Bringing the schema up to date with Alembic, in-process, at start-up."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy.engine import Connection

from bot.storage.base import DATABASE_ERRORS, Database, db_error
from bot.storage.errors import StoreUnavailable

MIGRATIONS_DIR = Path(__file__).with_name("migrations")


class MigrationQueries(Database):
    async def migrate(self, revision: str = "head") -> None:
        """Bring the schema to ``revision`` (default: latest) with Alembic, in-process.

        This is the first thing a start does with the database, so a database that cannot
        be opened (corrupt file, locked, disk full, wrong password) surfaces here as one
        :class:`StoreUnavailable` line rather than a driver traceback.
        """
        try:
            async with self.engine.begin() as conn:
                await conn.run_sync(_run_alembic, "upgrade", revision)
        except DATABASE_ERRORS as exc:
            where = self.engine.url.render_as_string(hide_password=True)
            raise StoreUnavailable(f"cannot use the database {where}: {db_error(exc)}") from exc

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
