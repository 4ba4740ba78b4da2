"""Alembic migrations: fresh installs, upgrades from older revisions, and no drift."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from bot.storage import Store, create_store
from bot.storage.tables import metadata
from tests.recorded import recorded

MIGRATIONS = Path(__file__).parents[2] / "bot" / "storage" / "migrations"


def _head() -> str:
    """The one head of the chain; more than one head (two branches' migrations) fails here."""
    (head,) = ScriptDirectory(str(MIGRATIONS)).get_heads()
    return head


HEAD_REVISION = _head()


def _diff(connection: sa.Connection) -> list[object]:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return list(compare_metadata(context, metadata))


async def test_fresh_database_migrates_to_head(empty_store: Store) -> None:
    """An empty database ends at the newest revision."""
    await empty_store.migrate()
    assert await empty_store.schema_revision() == HEAD_REVISION


async def test_migrated_schema_matches_the_tables_module(empty_store: Store) -> None:
    """The migrations and bot/storage/tables.py describe the same schema."""
    await empty_store.migrate()
    async with empty_store.engine.connect() as conn:
        assert await conn.run_sync(_diff) == []


async def test_migrate_twice_is_a_no_op(store: Store) -> None:
    """Running migrate on an up-to-date database changes nothing."""
    await store.kv_set("console", "k", "v")
    await store.migrate()
    assert await store.kv_get("console", "k") == "v"


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
    assert await empty_store.schema_revision() == HEAD_REVISION
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


async def test_upgrade_to_0040_moves_skip_dates_into_rows_and_back(empty_store: Store) -> None:
    """0040 copies each workspace's JSON skip list into rows (dropping non-dates) and drops
    the column; downgrading puts the list back."""
    import json
    from datetime import date

    await empty_store.migrate("0030")
    async with empty_store.engine.begin() as conn:
        await conn.execute(
            sa.text("INSERT INTO workspaces (platform, workspace_id, timezone, skip_dates,"
                    " updated_at) VALUES ('slack', 'T1', 'UTC', :days, :at),"
                    " ('slack', 'T2', 'UTC', :none, :at)"),
            {"days": json.dumps(["2027-12-25", "2027-01-01", "not a date"]),
             "none": "[]", "at": empty_store.clock.now()},
        )
    await empty_store.migrate()
    ws = await empty_store.get_workspace("slack", "T1")
    assert ws.skip_dates == (date(2027, 1, 1), date(2027, 12, 25))
    assert (await empty_store.get_workspace("slack", "T2")).skip_dates == ()
    async with empty_store.engine.begin() as conn:
        await conn.run_sync(_run_alembic_downgrade)
    async with empty_store.engine.connect() as conn:
        raw = (await conn.execute(sa.text(
            "SELECT skip_dates FROM workspaces WHERE workspace_id = 'T1'"))).scalar_one()
    assert (json.loads(raw) if isinstance(raw, str) else raw) == ["2027-01-01", "2027-12-25"]


def _run_alembic_downgrade(connection: sa.Connection) -> None:
    from bot.storage.migrate import _run_alembic

    _run_alembic(connection, "downgrade", "0030")


async def test_upgrade_to_0071_folds_history_into_stats_events_and_back(
        empty_store: Store) -> None:
    """0071 copies the presses stats never saw (older than the first stats event) into
    stats_events and drops ``history``; the presses written to both since 0050 are not
    copied twice. Downgrading brings the table back with every Done and Snooze in it."""
    await empty_store.migrate("0060")
    sqlite = empty_store.dialect == "sqlite"

    def at(hour: int) -> object:
        moment = datetime(2026, 11, 2, hour, tzinfo=UTC)
        return f"{moment:%Y-%m-%d %H:%M:%S}" if sqlite else moment

    async with empty_store.engine.begin() as conn:
        await conn.execute(sa.text(
            "INSERT INTO history (platform, workspace_id, user_id, event, detail, at) VALUES"
            " ('slack', 'T1', 'U1', 'done', NULL, :a), ('slack', 'T1', 'U1', 'snooze', '10', :b),"
            " ('slack', 'T1', 'U1', 'done', NULL, :c)"), {"a": at(8), "b": at(9), "c": at(12)})
        await conn.execute(sa.text(
            "INSERT INTO stats_events (platform, workspace_id, user_id, kind, source, reason,"
            " at) VALUES ('slack', 'T1', 'U1', 'done', 'nudge', '', :c)"), {"c": at(12)})
    await empty_store.migrate()
    assert await recorded(empty_store, "slack", "T1", "U1") == ["done", "snoozed", "done"]
    async with empty_store.engine.connect() as conn:
        sources = (await conn.execute(sa.text(
            "SELECT source FROM stats_events ORDER BY at"))).scalars().all()
        tables = await conn.run_sync(lambda c: sa.inspect(c).get_table_names())
    assert sources == ["history", "history", "nudge"] and "history" not in tables
    async with empty_store.engine.begin() as conn:
        await conn.run_sync(lambda c: _run_alembic_to(c, "downgrade", "0060"))
    async with empty_store.engine.connect() as conn:
        events = (await conn.execute(sa.text(
            "SELECT event FROM history ORDER BY at, id"))).scalars().all()
    assert events == ["done", "snooze", "done"]


def _run_alembic_to(connection: sa.Connection, direction: str, revision: str) -> None:
    from bot.storage.migrate import _run_alembic

    _run_alembic(connection, direction, revision)
