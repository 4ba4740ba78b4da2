"""`deskbreak stats` (with --chart), `deskbreak stats export` and `deskbreak forget` on the
database the settings name."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.cli import main
from bot.core.events import BreakEvent, EventKind
from bot.core.ports import Platform
from bot.storage import create_store
from bot.storage.stats import StatsEvents


@pytest.fixture
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"sqlite+aiosqlite:///{tmp_path / 'db.sqlite3'}"
    monkeypatch.setenv("DESKBREAK_DATABASE_URL", url)
    return url


def seed(url: str, events: list[BreakEvent]) -> None:
    async def go() -> None:
        store = create_store(url)
        await store.migrate()
        await StatsEvents(store).record_many(events)
        await store.close()

    asyncio.run(go())


def console_done(at: datetime) -> BreakEvent:
    return BreakEvent(EventKind.DONE, Platform.CONSOLE, "console", "console-user", at)


def test_stats_prints_the_summary_and_writes_the_chart(
    database: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The console person's /mystats, and --chart writes its PNG."""
    now = datetime.now(UTC)
    seed(database, [console_done(now - timedelta(days=d)) for d in range(3)])
    chart = tmp_path / "mine.png"
    assert main(["stats", "--chart", str(chart)]) == 0
    out = capsys.readouterr().out
    assert "Your stats: last week" in out and "Breaks taken: 3" in out
    assert chart.read_bytes().startswith(b"\x89PNG") and chart.stat().st_size > 5_000


def test_export_writes_per_day_csv_without_person_ids(
    database: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """One row per day; a day with fewer than 3 people leaves the people column empty."""
    now = datetime.now(UTC)
    seed(database, [BreakEvent(EventKind.DONE, Platform.DISCORD, "G1", f"user{i}", now)
                    for i in range(4)]
         + [BreakEvent(EventKind.DONE, Platform.DISCORD, "G1", "user9",
                       now - timedelta(days=1))])
    assert main(["stats", "export", "--platform", "discord", "--workspace", "G1",
                 "--format", "csv", "--period", "week"]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert lines[0] == "date,nudges_posted,breaks_taken,people_taking_part"
    assert len(lines) == 8 and lines[-1].endswith(",0,4,4") and lines[-2].endswith(",0,1,")
    assert "user" not in out


def test_export_needs_its_workspace(database: str, capsys: pytest.CaptureFixture[str]) -> None:
    """A missing --workspace is one line and exit status 2."""
    assert main(["stats", "export", "--platform", "discord"]) == 2
    assert capsys.readouterr().err.strip() == "`deskbreak stats export` needs --workspace."


def test_forget_asks_for_yes_then_deletes(database: str, capsys: pytest.CaptureFixture[str],
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """Without a terminal it needs --yes (nothing deleted); with it, the events go."""
    seed(database, [console_done(datetime.now(UTC))])
    monkeypatch.setattr("sys.stdin.isatty", lambda: False, raising=False)
    assert main(["forget"]) == 2
    assert main(["forget", "--yes"]) == 0
    assert "Stats and break history: 1 event" in capsys.readouterr().out
    assert main(["stats"]) == 0
    assert "No stats yet" in capsys.readouterr().out
