"""Pictures in the console: written to a file, and the answer says where; stdout stays text."""

from __future__ import annotations

import asyncio
import io
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.adapters.console import ConsoleAdapter
from bot.adapters.console.files import safe_name
from bot.core.clock import FakeClock
from bot.core.commands import ContentCommands
from bot.core.content.loader import load_library
from bot.core.messages import Attachment, Message, MessageKind
from bot.core.ports import Delivery, DeliveryStatus, Platform, Target, TargetKind
from bot.core.rotation import MemoryRotationStore
from bot.pictures.cache import StretchPictures
from tests.childenv import child_env

CONTENT = Path(__file__).resolve().parents[3] / "content"
PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def content(tmp_path: Path) -> ContentCommands:
    pictures = StretchPictures(tmp_path / "cache")
    yield ContentCommands(load_library([CONTENT]), MemoryRotationStore(),  # type: ignore[misc]
                          FakeClock(datetime(2027, 3, 1, 9, tzinfo=UTC)), pictures=pictures)
    pictures.close()


async def run_console(content: ContentCommands, lines: str, files: Path | None) -> str:
    out = io.StringIO()
    console = ConsoleAdapter(content, stdin=io.StringIO(lines), stdout=out, interactive=False,
                             files=files)
    assert await console.run() == 0
    return out.getvalue()


async def test_stretch_saves_its_picture_and_says_where(content: ContentCommands,
                                                        tmp_path: Path) -> None:
    """/stretch pigeon prints the card and one line naming the saved PNG; the output is plain
    text (no escape codes, no picture bytes) when piped."""
    saved = tmp_path / "saved"
    out = await run_console(content, "/stretch pigeon\n", saved)
    assert "Pigeon pose" in out
    assert f"Picture saved to {saved / 'pigeon.png'}" in out.splitlines()
    assert (saved / "pigeon.png").read_bytes().startswith(PNG)
    assert "\x1b" not in out and "PNG" not in out
    assert [p.name for p in saved.iterdir()] == ["pigeon.png"]  # no temporary file left


async def test_break_card_saves_its_stretchs_picture(content: ContentCommands,
                                                     tmp_path: Path) -> None:
    """/break names the picture of the stretch it suggests."""
    out = await run_console(content, "/break\n", tmp_path / "saved")
    (line,) = [x for x in out.splitlines() if x.startswith("Picture saved to ")]
    saved = Path(line.removeprefix("Picture saved to "))
    assert (await asyncio.to_thread(saved.read_bytes)).startswith(PNG)
    assert content.library.stretch(saved.stem) is not None


async def test_unwritable_folder_costs_one_line_not_the_answer(
    content: ContentCommands, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A folder that cannot be made: the card still prints, with one line saying so."""
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    out = await run_console(content, "/stretch pigeon\n", blocker / "saved")
    assert "Pigeon pose" in out
    (line,) = [x for x in out.splitlines() if x.startswith("Picture not saved")]
    assert str(blocker / "saved") in line
    assert len([r for r in caplog.records if "could not save pigeon.png" in r.getMessage()]) == 1


async def test_a_nudge_with_a_chart_is_saved_too(content: ContentCommands,
                                                 tmp_path: Path) -> None:
    """Whatever reaches the console with a file (a delivery, a chart) is saved the same way,
    under a plain name even if the attachment's name tries to climb out of the folder."""
    out = io.StringIO()
    console = ConsoleAdapter(content, stdin=io.StringIO(""), stdout=out, interactive=False,
                             files=tmp_path / "saved")
    chart = Attachment("../../mystats-week.png", PNG + b"rest", "Breaks this week.")
    message = Message(kind=MessageKind.INFO, title="Your week", attachments=(chart,),
                      image=chart.filename)
    target = Target(Platform.CONSOLE, "console", TargetKind.CHANNEL, "console")
    result = await console.notifier.deliver(Delivery(1, target, "n1", "reminder:1"), message)
    assert result.status is DeliveryStatus.SENT
    assert (tmp_path / "saved" / "mystats-week.png").read_bytes() == PNG + b"rest"
    assert f"Picture saved to {tmp_path / 'saved' / 'mystats-week.png'}" in out.getvalue()


def test_safe_names_stay_in_the_folder() -> None:
    """Names are reduced to one plain, visible file name."""
    assert safe_name("pigeon.png") == "pigeon.png"
    assert safe_name("../../etc/passwd") == "passwd"
    assert safe_name(".hidden.png") == "hidden.png"
    assert safe_name("a b/c?d.png") == "c-d.png"
    assert safe_name("") == "picture.png"


@pytest.mark.slow
def test_deskbreak_run_console_saves_in_the_data_folder(tmp_path: Path) -> None:
    """`deskbreak run --platform console` (piped) saves beside the database by default, or
    where DESKBREAK_PICTURES_DIR says."""
    env = child_env()
    env["DESKBREAK_DATABASE_URL"] = f"sqlite+aiosqlite:///{tmp_path / 'db' / 'db.sqlite3'}"
    (tmp_path / "db").mkdir()
    command = [sys.executable, "-m", "bot", "run", "--platform", "console"]
    first = subprocess.run(command, input="/stretch pigeon\n", capture_output=True, text=True,
                           timeout=120, env=env, cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    default = tmp_path / "db" / "saved" / "pigeon.png"
    assert f"Picture saved to {default}" in first.stdout
    assert default.read_bytes().startswith(PNG)
    assert "\x1b" not in first.stdout
    env["DESKBREAK_PICTURES_DIR"] = str(tmp_path / "mine")
    second = subprocess.run(command, input="/stretch pigeon\n", capture_output=True, text=True,
                            timeout=120, env=env, cwd=tmp_path)
    assert second.returncode == 0, second.stderr
    assert f"Picture saved to {tmp_path / 'mine' / 'pigeon.png'}" in second.stdout
