"""The SQLite file deleted, replaced or made unwritable under a running bot (issue 11 item 13):
/healthz turns unhealthy and the scheduler stops ticking into a file nobody will open again.
(The whole process exiting non-zero: tests/reliability/test_database_gone.py.)"""

from __future__ import annotations

import logging
import subprocess
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.core.clock import FakeClock
from bot.core.commands import ContentCommands
from bot.core.rotation import MemoryRotationStore
from bot.observability.store_probe import store_health
from bot.scheduling.service import LOST_DATABASE_STATUS, SchedulerService
from bot.storage import Store, create_store
from tests.scheduling.scheduling_harness import library

NOW = datetime(2027, 3, 1, 8, 0, tzinfo=UTC)


@pytest.fixture
async def sqlite_store(tmp_path: Path) -> AsyncIterator[tuple[Store, Path]]:
    path = tmp_path / "deskbreak.sqlite3"
    store = create_store(f"sqlite+aiosqlite:///{path}", clock=FakeClock(NOW))
    await store.migrate()
    yield store, path
    await store.close()


def _remove(path: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


async def test_a_deleted_file_turns_health_unhealthy(
    sqlite_store: tuple[Store, Path]
) -> None:
    store, path = sqlite_store
    check = store_health(store)
    assert await check() is None
    _remove(path)
    reason = await check()
    assert reason == f"the database: the database file {path} was deleted while the bot was running"


async def test_a_replaced_file_turns_health_unhealthy(sqlite_store: tuple[Store, Path]) -> None:
    """A new file at the same path (a restore copied over, a fresh empty one) is not ours."""
    store, path = sqlite_store
    _remove(path)
    fresh = create_store(f"sqlite+aiosqlite:///{path}")
    await fresh.migrate()
    await fresh.close()
    assert "was replaced while the bot was running" in str(await store_health(store)())


async def test_the_tick_stops_on_a_deleted_file_saying_so_once_a_tick(
    sqlite_store: tuple[Store, Path], caplog: pytest.LogCaptureFixture
) -> None:
    """Each tick logs one line and writes nothing; wait_lost() gives the exit status."""
    store, path = sqlite_store
    clock = FakeClock(NOW)
    service = SchedulerService(store, {}, ContentCommands(library(), MemoryRotationStore(), clock),
                               clock, instance_id="gone")
    await service._guarded_tick()
    _remove(path)
    with caplog.at_level(logging.INFO):
        await service._guarded_tick()
        await service._guarded_tick()
    lines = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(lines) == 2 and all("was deleted while the bot was running" in r.getMessage()
                                   and r.exc_info is None for r in lines)
    assert await service.wait_lost() == LOST_DATABASE_STATUS
    assert not path.exists()  # nothing wrote a new file in its place


def _chattr(flag: str, *paths: Path) -> None:
    subprocess.run(["chattr", flag, *map(str, paths)], check=True, capture_output=True)


async def test_an_immutable_database_turns_health_unhealthy(tmp_path: Path) -> None:
    """``chattr +i`` on the database, its WAL and its folder: reads still answer, every
    write fails, and /healthz says so (it used to pass on a SELECT 1)."""
    folder = tmp_path / "db"
    path = folder / "deskbreak.sqlite3"
    store = create_store(f"sqlite+aiosqlite:///{path}")
    await store.migrate()
    check = store_health(store)
    assert await check() is None
    # Not the -shm: SQLite maps it into memory, and a write to an immutable mapping is SIGBUS.
    locked = [p for p in (path, Path(f"{path}-wal"), folder) if p.exists()]
    try:
        try:
            _chattr("+i", *locked)
        except (OSError, subprocess.CalledProcessError) as exc:
            pytest.skip(f"cannot make files immutable here: {exc}")
        reason = await check()
        assert await store.list_schedules("discord", "1") == []  # reads still answer
    finally:
        _chattr("-i", *locked)
        await store.close()
    assert reason is not None and reason.startswith("the database: "), reason


async def test_a_read_only_database_turns_health_unhealthy(tmp_path: Path) -> None:
    """A database opened read-only (SQLite's mode=ro) answers reads but takes no write."""
    path = tmp_path / "deskbreak.sqlite3"
    writer = create_store(f"sqlite+aiosqlite:///{path}")
    await writer.migrate()
    await writer.close()
    store = create_store(f"sqlite+aiosqlite:///file:{path}?mode=ro&uri=true")
    try:
        assert await store.count_stored() == (0, 0)
        reason = await store_health(store)()
    finally:
        await store.close()
    assert reason is not None and "readonly" in reason.replace("-", "").replace(" ", ""), reason


async def test_a_connection_opened_after_the_delete_makes_no_new_file(
    sqlite_store: tuple[Store, Path],
) -> None:
    """A read that needs a new connection after the file is gone (the pool grows when two
    reads overlap) fails instead of creating a fresh, empty database at the path, so the
    check still reports the deletion, not a replacement."""
    from bot.storage.errors import StorageError

    store, path = sqlite_store
    _remove(path)
    await store.engine.dispose()  # every later read opens a new connection
    with pytest.raises(StorageError):
        await store.has_work(NOW)
    assert not path.exists()
    problem = store.file_problem()
    assert problem is not None and "was deleted" in problem


async def test_a_path_with_uri_characters_still_opens(tmp_path: Path) -> None:
    """The remembered path goes into a ``file:`` URI: characters a URI treats specially
    (``?``, ``#``, ``%``; the database URL carries them percent-encoded) are quoted, so new
    connections open the same file."""
    store = create_store(f"sqlite+aiosqlite:///{tmp_path}/odd%3F %23 %2541/deskbreak.sqlite3",
                         clock=FakeClock(NOW))
    try:
        await store.migrate()
        assert (tmp_path / "odd? # %41" / "deskbreak.sqlite3").exists()
        await store.engine.dispose()
        assert await store.has_work(NOW) is False
        assert store.file_problem() is None
    finally:
        await store.close()
