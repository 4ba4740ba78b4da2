"""A corrupt, locked or full database: one clear error, no crash loop, commands keep working."""

from __future__ import annotations

import errno
import os
import sqlite3
import subprocess
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

import pytest

from bot.storage import Spec, Store, create_store
from tests.fakes.discord import FakeDiscord
from tests.fakes.discord import payloads as p
from tests.reliability.botprocess import BotProcess, bot_env
from tests.reliability.conftest import due_slot, stored, when

DEFERRED = 5  # interaction callback type: "thinking...", the answer follows as a follow-up
ANSWER_WAIT = 20.0  # a locked database makes each write wait out SQLite's 5 s busy timeout
FAST_TICKS = {"DESKBREAK_TICK_SECONDS": "0.5"}
TICK_FAILED = "scheduler tick failed: the database refused ("


async def test_corrupt_database_exits_1_with_one_clear_line(
    fake: FakeDiscord, tmp_path: Path
) -> None:
    """A file that is not a database: exit 1 at once, one line naming it, no traceback."""
    db = tmp_path / "deskbreak.sqlite3"
    db.write_bytes(b"this is not a database, it is a shopping list\n" * 200)
    bot = await BotProcess.start(tmp_path, bot_env(fake, f"sqlite+aiosqlite:///{db}"))
    assert await bot.exit_status() == 1
    assert f"cannot use the database sqlite+aiosqlite:///{db}: file is not a database" in bot.log
    assert "Traceback" not in bot.log
    assert fake.identifies == 0  # it never got as far as logging in, let alone retrying


class Fault(Protocol):
    reason: str

    def apply(self) -> None: ...

    def clear(self) -> None: ...


class Locked:
    """Another program holds SQLite's write lock (BEGIN EXCLUSIVE) on the database."""

    reason = "database is locked"

    def __init__(self, db: Path) -> None:
        self.db = db
        self.conn: sqlite3.Connection | None = None

    def apply(self) -> None:
        self.conn = sqlite3.connect(self.db, timeout=0, isolation_level=None)
        self.conn.execute("BEGIN EXCLUSIVE")

    def clear(self) -> None:
        if self.conn is not None:
            self.conn.execute("ROLLBACK")
            self.conn.close()
            self.conn = None


class DiskFull:
    """The filesystem holding the database has no space left (a filler file takes it all)."""

    reason = "database or disk is full"

    def __init__(self, mountpoint: Path) -> None:
        self.filler = mountpoint / "filler"

    def apply(self) -> None:
        chunk = b"\0" * 4096
        fd = os.open(self.filler, os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
        try:
            while True:
                os.write(fd, chunk)
        except OSError as exc:
            assert exc.errno == errno.ENOSPC
        finally:
            os.close(fd)

    def clear(self) -> None:
        self.filler.unlink(missing_ok=True)


@pytest.fixture
def tiny_disk(tmp_path: Path) -> Iterator[Path]:
    """A 4 MB tmpfs: a real full disk. Needs mount permission (root in a container)."""
    mountpoint = tmp_path / "disk"
    mountpoint.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(mountpoint)],
                          capture_output=True, check=False)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode().strip()}")
    try:
        yield mountpoint
    finally:
        subprocess.run(["umount", "-l", str(mountpoint)], check=False)


@dataclass
class Desk:
    guild: p.FakeGuild
    channel: p.FakeChannel
    member: p.Invoker


async def _seed(db_url: str, fake: FakeDiscord) -> tuple[Store, Desk]:
    """One channel schedule due now; the store stays open (its WAL keeps its space)."""
    guild = fake.add_guild("Desk Club")
    channel = fake.add_channel(guild, "general")
    member = fake.add_member(guild, "sam")
    store = create_store(db_url)
    await store.migrate()
    slot = due_slot(datetime.now(UTC))
    await store.add_schedule(
        platform="discord", workspace_id=guild.guild_id, channel_id=channel.channel_id,
        kind="tip", spec=Spec(cron=f"{slot.minute} {slot.hour} * * *"), timezone="UTC",
        next_due=slot, created_by=guild.owner_id,
    )
    return store, Desk(guild, channel, member)


@pytest.fixture(params=["locked", "disk full"])
async def faulty(
    request: pytest.FixtureRequest, fake: FakeDiscord, tmp_path: Path
) -> AsyncIterator[tuple[str, Fault, Desk]]:
    """A seeded database and a fault to put in force: (database URL, fault, the server)."""
    if request.param == "locked":
        db = tmp_path / "deskbreak.sqlite3"
    else:
        db = request.getfixturevalue("tiny_disk") / "deskbreak.sqlite3"
    url = f"sqlite+aiosqlite:///{db}"
    store, desk = await _seed(url, fake)
    fault: Fault = Locked(db) if request.param == "locked" else DiskFull(db.parent)
    try:
        yield url, fault, desk
    finally:
        fault.clear()
        await store.close()


async def _answer(fake: FakeDiscord, desk: Desk, name: str,
                  options: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """The bot's answer to a slash command, waiting past a deferral for the follow-up."""
    payload = fake.slash(desk.member, desk.channel, name, options)
    cb = await fake.interact(payload)
    if cb.type == DEFERRED:
        return await fake.next_followup(payload["token"], within=ANSWER_WAIT)
    return cb.data


async def test_unwritable_database_keeps_commands_answering_and_the_slot_is_sent_later(
    fake: FakeDiscord, faulty: tuple[str, Fault, Desk], tmp_path: Path
) -> None:
    """While writes fail: /stretch, /redflags and /tip answer and the tick logs one line per
    try; once writes work again the due slot goes out, once."""
    url, fault, desk = faulty
    bot = await BotProcess.start(tmp_path, bot_env(fake, url, **FAST_TICKS))
    try:
        await bot.until(fake.identified)  # started; from here on no write succeeds
        fault.apply()
        stretch = await _answer(fake, desk, "stretch", [p.option("name", "pigeon")])
        assert "pigeon" in _title(stretch).lower()
        assert _title(await _answer(fake, desk, "redflags"))
        assert _title(await _answer(fake, desk, "tip"))
        await bot.until_logged(f"{TICK_FAILED}{fault.reason})")  # met the fault, and lived
        assert fake.message_count == 0  # nothing could be claimed, so nothing was sent
        delivered = when(fake, stored(1))
        fault.clear()
        await bot.until(delivered)
    finally:
        status = await bot.stop()
    assert status == 0
    assert len(fake.messages[desk.channel.channel_id]) == 1
    assert "Traceback" not in bot.log, bot.log


def _title(answer: dict[str, Any]) -> str:
    embeds = answer.get("embeds") or [{}]
    return str(embeds[0].get("title") or "")


@pytest.mark.parametrize("faulty", ["locked"], indirect=True)
async def test_stop_while_the_database_refuses_writes_still_exits_0(
    fake: FakeDiscord, faulty: tuple[str, Fault, Desk], tmp_path: Path
) -> None:
    """SIGTERM while no write works: the stop still completes, exit 0, no traceback."""
    url, fault, _desk = faulty
    bot = await BotProcess.start(tmp_path, bot_env(fake, url, **FAST_TICKS))
    await bot.until(fake.identified)
    fault.apply()
    await bot.until_logged(f"{TICK_FAILED}{fault.reason})")
    assert await bot.stop() == 0
    assert f"could not release this run's leases ({fault.reason})" in bot.log
    assert "Traceback" not in bot.log, bot.log
