"""Every storage test runs against SQLite and PostgreSQL through the same ``store`` fixture."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa

from bot.core.clock import FakeClock
from bot.storage import Store, create_store

START = datetime(2027, 3, 1, 8, 0, tzinfo=UTC)


@pytest.fixture(params=["sqlite", "postgresql"])
def backend_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'db' / 'deskbreak.sqlite3'}"
    return str(request.getfixturevalue("pg_url"))


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(START)


@pytest.fixture
async def empty_store(backend_url: str, clock: FakeClock) -> AsyncIterator[Store]:
    """A store on an empty database (PostgreSQL's schema is wiped before each test)."""
    store = create_store(backend_url, clock=clock)
    if store.dialect == "postgresql":
        async with store.engine.begin() as conn:
            await conn.execute(sa.text("DROP SCHEMA public CASCADE"))
            await conn.execute(sa.text("CREATE SCHEMA public"))
    yield store
    await store.close()


@pytest.fixture
async def store(empty_store: Store) -> Store:
    await empty_store.migrate()
    return empty_store


@pytest.fixture
def reopen(backend_url: str, clock: FakeClock) -> Callable[[], Awaitable[Store]]:
    """Open a second Store on the same database, as a restarted process would."""

    async def _open() -> Store:
        return create_store(backend_url, clock=clock)

    return _open
