"""Alembic migrations: fresh installs, upgrades from older revisions, and no drift."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from bot.storage import Store, create_store
from bot.storage.tables import metadata


def _diff(connection: sa.Connection) -> list[object]:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return list(compare_metadata(context, metadata))


async def test_fresh_database_migrates_to_head(empty_store: Store) -> None:
    """An empty database ends at the newest revision."""
    await empty_store.migrate()
    assert await empty_store.schema_revision() == "0050"


async def test_migrated_schema_matches_the_tables_module(empty_store: Store) -> None:
    """The migrations and bot/storage/tables.py describe the same schema."""
    await empty_store.migrate()
    async with empty_store.engine.connect() as conn:
        assert await conn.run_sync(_diff) == []


async def test_migrate_twice_is_a_no_op(store: Store) -> None:
    """Running migrate on an up-to-date database changes nothing."""
    await store.add_history("console", "w", "u", "done")
    await store.migrate()
    assert len(await store.list_history("console", "w", "u")) == 1


async def test_upgrade_from_0001_keeps_rows_and_makes_pending_retryable(empty_store: Store) -> None:
    """A database left at 0001 with data upgrades in place; old pending rows become retryable."""
    await empty_store.migrate("0001")
    async with empty_store.engine.begin() as conn:
        await conn.execute(
            sa.text(
                "INSERT INTO deliveries (source, slot, target_key, platform, workspace_id,"
                " target_kind, target_id, kind, status, nonce, attempts, created_at, updated_at)"
                " VALUES ('schedule:1', :slot, 'k', 'console', 'w', 'channel', 'c', 'break',"
                " 'pending', 'n1', 0, :slot, :slot)"
            ),
            {"slot": "2027-03-01 08:00:00"}
            if empty_store.dialect == "sqlite"
            else {"slot": empty_store.clock.now()},
        )
    await empty_store.migrate()
    assert await empty_store.schema_revision() == "0050"
    [row] = await empty_store.list_deliveries()
    assert (row.nonce, row.next_attempt_at) == ("n1", empty_store.clock.now())


async def test_sqlite_store_creates_its_folder_and_uses_wal(tmp_path: Path) -> None:
    """The default backend creates the data folder and runs in WAL mode with a busy timeout."""
    store = create_store(f"sqlite+aiosqlite:///{tmp_path / 'nested' / 'x.sqlite3'}")
    try:
        await store.migrate()
        async with store.engine.connect() as conn:
            mode = (await conn.execute(sa.text("PRAGMA journal_mode"))).scalar_one()
            timeout = (await conn.execute(sa.text("PRAGMA busy_timeout"))).scalar_one()
        assert (mode, timeout) == ("wal", 5000)
        assert (tmp_path / "nested" / "x.sqlite3").exists()
    finally:
        await store.close()
