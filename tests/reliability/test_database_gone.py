"""The SQLite file deleted under a running ``deskbreak run`` (issue 11 item 13): one line that
says so, and the process exits non-zero so a supervisor restarts it, instead of writing every
schedule and reminder into a nameless file that is gone at the next start."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.fakes.discord import FakeDiscord
from tests.reliability.botprocess import BotProcess, bot_env

GONE = "was deleted while the bot was running; writing nothing more and stopping (exit status 1)"


def _remove(db: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)


@pytest.mark.slow
async def test_deleting_the_database_file_stops_the_bot_with_status_1(
    fake: FakeDiscord, tmp_path: Path
) -> None:
    db = tmp_path / "deskbreak.sqlite3"
    bot = await BotProcess.start(tmp_path, bot_env(fake, f"sqlite+aiosqlite:///{db}",
                                                   DESKBREAK_TICK_SECONDS="0.5"))
    try:
        await bot.until(fake.identified)
        await bot.until_logged("scheduler started")
        _remove(db)
        status = await bot.exit_status()
    finally:
        await bot.ensure_dead()
    assert status == 1, bot.log
    assert bot.log.count(GONE) == 1, bot.log
    assert "Traceback" not in bot.log, bot.log
    assert not db.exists()  # it did not start a fresh, empty database in its place
