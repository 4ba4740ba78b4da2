"""Storage lets out StorageError and nothing else: not SQLAlchemy's errors, not the raw
``ConnectionRefusedError`` asyncpg raises from connect(), not sqlite3's; and the message is
one line with no SQL, parameters or server address."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from bot.storage import create_store
from bot.storage.errors import StorageError


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def test_a_refused_postgresql_connection_is_a_storage_error_without_the_address() -> None:
    port = _closed_port()
    store = create_store(f"postgresql+asyncpg://bot:pw@127.0.0.1:{port}/deskbreak")
    try:
        with pytest.raises(StorageError) as caught:
            await store.get_workspace("discord", "1")
        with pytest.raises(StorageError):
            await store.ping()
    finally:
        await store.close()
    text = str(caught.value)
    assert "refused" in text.lower()
    assert str(port) not in text and "127.0.0.1" not in text and "\n" not in text


async def test_a_file_that_is_not_a_database_is_a_storage_error(tmp_path: Path) -> None:
    path = tmp_path / "garbage.sqlite3"
    path.write_bytes(b"this is not a database, just some bytes " * 200)
    store = create_store(f"sqlite+aiosqlite:///{path}")
    try:
        with pytest.raises(StorageError, match="not a database"):
            await store.kv_set("ns", "k", "secret-value-must-not-print")
        with pytest.raises(StorageError) as caught:
            await store.list_schedules("discord", "1")
    finally:
        await store.close()
    assert "SELECT" not in str(caught.value) and "secret-value" not in str(caught.value)


async def test_a_failed_write_is_a_storage_error_without_sql(store: object) -> None:
    """A constraint the database refuses (on both backends) comes out as StorageError."""
    from bot.storage import Store

    assert isinstance(store, Store)
    async with store.write() as conn:
        await conn.exec_driver_sql("CREATE TABLE refuse_me (x INTEGER NOT NULL)")
    with pytest.raises(StorageError) as caught:
        async with store.write() as conn:
            await conn.exec_driver_sql("INSERT INTO refuse_me (x) VALUES (NULL)")
    assert "INSERT" not in str(caught.value) and "\n" not in str(caught.value)
