"""Fixtures shared by the whole suite. Keep this file small; area fixtures live beside tests."""

from __future__ import annotations

import asyncio
import os
import secrets
from collections.abc import Iterator

import pytest
import sqlalchemy as sa

PG_SERVER_URL = os.environ.get(
    "DESKBREAK_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)


async def _pg_admin(server: sa.URL, sql: str) -> None:
    import asyncpg

    dsn = server.set(drivername="postgresql").render_as_string(hide_password=False)
    conn = await asyncpg.connect(dsn, timeout=5)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


SLOW_FOLDERS = (
    "reliability", "scaleout",  # whole bot processes, killed and restarted
    "e2e",  # a bot process and a headless browser
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark as ``slow`` what needs processes or PostgreSQL, wherever it is written: tests in
    the process folders, and every test that asks for a PostgreSQL database (the ``pg_url``
    fixture, or a ``postgresql`` parameter of a database fixture). Tests that spawn a
    process elsewhere carry ``@pytest.mark.slow`` themselves."""
    for item in items:
        parts = item.path.parts
        callspec = getattr(item, "callspec", None)
        on_postgres = "pg_url" in getattr(item, "fixturenames", ()) or (
            callspec is not None and "postgresql" in callspec.id.split("-"))
        if on_postgres or any(f"{folder}" in parts for folder in SLOW_FOLDERS):
            item.add_marker(pytest.mark.slow)


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    """A fresh, randomly named PostgreSQL database for this test session, dropped afterwards.

    Skips (with the reason) only when no server answers; any other error fails loudly.
    """
    server = sa.make_url(PG_SERVER_URL)
    name = f"deskbreak_test_{secrets.token_hex(6)}"
    try:
        asyncio.run(_pg_admin(server, f'CREATE DATABASE "{name}"'))
    except (OSError, TimeoutError) as exc:
        pytest.skip(
            f"no PostgreSQL server answers at {server.render_as_string()} ({exc}); "
            "set DESKBREAK_TEST_PG_URL to run the PostgreSQL storage tests"
        )
    url = server.set(drivername="postgresql+asyncpg", database=name)
    yield url.render_as_string(hide_password=False)
    asyncio.run(_pg_admin(server, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
