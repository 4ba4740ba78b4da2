"""Starting several processes at once on a fresh database, and stopping one while it waits for
the migration lock or migrates (issue 11 items 1 and 2), with real ``deskbreak run`` processes.

Before the lock, three processes on an empty PostgreSQL database ran Alembic side by side and
most died with ``duplicate key value violates unique constraint "pg_type_typname_nsp_index"``;
a SIGTERM during start-up killed the process with 143 and no word.
"""

from __future__ import annotations

import asyncio
import secrets
import signal
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import pytest
import sqlalchemy as sa

from bot.storage import create_store
from bot.storage.migrate import MIGRATION_LOCK, WAITING
from tests.conftest import PG_SERVER_URL, _pg_admin
from tests.fakes.discord import FakeDiscord
from tests.reliability.botprocess import BotProcess, bot_env

STOPPED = "stopped before the database migration finished; nothing was changed"


@pytest.fixture
async def fake() -> AsyncIterator[FakeDiscord]:
    server = FakeDiscord()
    await server.start()
    yield server
    await server.close()


@pytest.fixture
async def fresh_pg() -> AsyncIterator[str]:
    """An empty PostgreSQL database of its own (the shared test database is already migrated)."""
    server = sa.make_url(PG_SERVER_URL)
    name = f"deskbreak_fresh_{secrets.token_hex(5)}"
    try:
        await _pg_admin(server, f'CREATE DATABASE "{name}"')
    except (OSError, TimeoutError) as exc:
        pytest.skip(f"no PostgreSQL server answers ({exc})")
    yield server.set(drivername="postgresql+asyncpg", database=name).render_as_string(
        hide_password=False)
    await _pg_admin(server, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", "postgresql"])
def fresh_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'fresh.sqlite3'}"
    return str(request.getfixturevalue("fresh_pg"))


async def _revision(url: str) -> str | None:
    store = create_store(url)
    try:
        return await store.schema_revision()
    finally:
        await store.close()


async def _identified(fake: FakeDiscord, count: int, bots: list[BotProcess]) -> None:
    """Wait until ``count`` processes have logged in to the fake (each migrated first)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 60
    while fake.identifies < count:
        dead = [b for b in bots if b.proc.returncode is not None]
        assert not dead, "\n\n".join(b.log for b in dead)
        assert loop.time() < deadline, "\n\n".join(b.log for b in bots)
        await asyncio.sleep(0.1)


@pytest.mark.slow
async def test_three_processes_started_together_on_a_fresh_database_all_run(
    fake: FakeDiscord, fresh_url: str, tmp_path: Path
) -> None:
    """All three migrate-or-wait and log in; the schema is at head once; no traceback."""
    bots = await asyncio.gather(*(
        BotProcess.start(tmp_path, bot_env(fake, fresh_url), name=f"bot{i}") for i in range(3)))
    try:
        await _identified(fake, 3, list(bots))
    finally:
        statuses = [await b.stop() for b in bots]
    assert statuses == [0, 0, 0]
    for bot in bots:
        assert "Traceback" not in bot.log and "duplicate key" not in bot.log, bot.log
    assert await _revision(fresh_url) is not None


class HeldLock:
    """Another process holding the migration lock: the PostgreSQL advisory lock, or SQLite's
    exclusive lock on the database file."""

    def __init__(self, url: str) -> None:
        self.url = sa.make_url(url)
        self.pg: asyncpg.Connection | None = None
        self.sqlite: sqlite3.Connection | None = None

    async def take(self) -> None:
        if self.url.get_backend_name() == "sqlite":
            self.sqlite = sqlite3.connect(str(self.url.database), timeout=0,
                                          isolation_level=None)
            self.sqlite.execute("BEGIN EXCLUSIVE")
            return
        dsn = self.url.set(drivername="postgresql").render_as_string(hide_password=False)
        self.pg = await asyncpg.connect(dsn)
        await self.pg.execute("SELECT pg_advisory_lock($1)", MIGRATION_LOCK)

    async def release(self) -> None:
        if self.sqlite is not None:
            self.sqlite.execute("ROLLBACK")
            self.sqlite.close()
            self.sqlite = None
        if self.pg is not None:
            await self.pg.close()
            self.pg = None


@pytest.mark.slow
async def test_a_process_waits_for_the_migration_lock_saying_so_once(
    fake: FakeDiscord, fresh_url: str, tmp_path: Path
) -> None:
    """While another holds the lock: one "waiting" line, no login; once released, it runs."""
    held = HeldLock(fresh_url)
    await held.take()
    bot = await BotProcess.start(tmp_path, bot_env(fake, fresh_url))
    try:
        await bot.until_logged(WAITING)
        assert fake.identifies == 0
        await held.release()
        await bot.until(fake.identified)
    finally:
        await held.release()
        status = await bot.stop()
    assert status == 0
    assert bot.log.count(WAITING) == 1, bot.log
    assert "Traceback" not in bot.log, bot.log


@pytest.mark.slow
async def test_sigterm_while_waiting_for_the_migration_lock_exits_0_saying_so(
    fake: FakeDiscord, fresh_url: str, tmp_path: Path
) -> None:
    """A stop while waiting: exit 0 (not 143), a line that says so, the database untouched."""
    held = HeldLock(fresh_url)
    await held.take()
    bot = await BotProcess.start(tmp_path, bot_env(fake, fresh_url))
    try:
        await bot.until_logged(WAITING)
        bot.kill(signal.SIGTERM)
        status = await bot.exit_status()
    finally:
        await held.release()
        await bot.ensure_dead()
    assert status == 0, bot.log
    assert "SIGTERM received" in bot.log and STOPPED in bot.log, bot.log
    assert "Traceback" not in bot.log, bot.log
    assert await _revision(fresh_url) is None
