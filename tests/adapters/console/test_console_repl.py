"""The console adapter, driven the way a person (or a script) drives it: through stdin."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.adapters.console import ConsoleAdapter, ConsoleNotifier, ConsoleOutput
from bot.core.clock import FakeClock
from bot.core.commands import ContentCommands
from bot.core.content.loader import load_library
from bot.core.messages import info
from bot.core.ports import Delivery, DeliveryStatus, Platform, Target, TargetKind
from bot.core.rotation import MemoryRotationStore

FIXTURE_CONTENT = Path(__file__).resolve().parents[2] / "fixtures" / "content"
Console = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture
def console(tmp_path: Path) -> Console:
    """Run `deskbreak run --platform console` in a scratch directory with its own database."""

    def run(stdin: str, content_dir: Path | None = None) -> subprocess.CompletedProcess[str]:
        env = {k: v for k, v in os.environ.items()
               if not k.startswith(("DESKBREAK_", "DISCORD_", "SLACK_"))}
        env["DESKBREAK_DATABASE_URL"] = f"sqlite+aiosqlite:///{tmp_path / 'db.sqlite3'}"
        if content_dir is not None:
            env["DESKBREAK_BASE_CONTENT_DIR"] = str(content_dir)
        return subprocess.run([sys.executable, "-m", "bot", "run", "--platform", "console"],
                              input=stdin, capture_output=True, text=True, timeout=60, env=env,
                              cwd=tmp_path)

    return run


def test_stretch_pigeon_shows_steps_and_cautions(console: Console) -> None:
    """/stretch pigeon prints numbered steps and the cautions, then EOF exits 0."""
    result = console("/stretch pigeon\n")
    assert result.returncode == 0, result.stderr
    assert "Pigeon pose" in result.stdout
    assert "  1. " in result.stdout and "  2. " in result.stdout
    assert "Cautions" in result.stdout and "sharp pain" in result.stdout


def test_unknown_stretch_shows_suggestions(console: Console) -> None:
    """An unknown stretch answers with the closest names."""
    result = console("/stretch neck side stretchy\n", FIXTURE_CONTENT)
    assert "Did you mean" in result.stdout and "/stretch neck-side-bend" in result.stdout


def test_quit_exits_0_and_ignores_the_rest(console: Console) -> None:
    """/quit ends the session with status 0; later lines are not run."""
    result = console("/about\n/quit\n/stretch pigeon\n", FIXTURE_CONTENT)
    assert result.returncode == 0
    assert "About deskbreak" in result.stdout and "Pigeon pose" not in result.stdout


def test_piped_session_has_no_prompt(console: Console) -> None:
    """With stdin not a terminal there is no prompt or banner, so output pipes cleanly."""
    result = console("/tip\n", FIXTURE_CONTENT)
    assert "deskbreak>" not in result.stdout and result.stdout.startswith("Desk tip: ")


def test_every_content_command_answers(console: Console) -> None:
    """Each console command answers; unknown ones point to /help."""
    script = "/help\n/stretches hips\n/stretches desk\n/break\n/redflags\n/nope\n\n"
    out = console(script, FIXTURE_CONTENT).stdout
    assert "/stretch NAME" in out and "/quit" in out
    assert "Stretches (hips)" in out and "Stretches (at your desk)" in out
    assert "Time for a short break" in out and "[Snooze 10 min]" in out
    assert "When to stop" in out and "Unknown command /nope" in out


@pytest.fixture
def content() -> ContentCommands:
    return ContentCommands(load_library([FIXTURE_CONTENT]), MemoryRotationStore(),
                           FakeClock(datetime(2026, 1, 5, tzinfo=UTC)))


async def test_table_accepts_new_commands(content: ContentCommands) -> None:
    """Other features register commands in the table and the REPL runs them."""
    out = io.StringIO()
    adapter = ConsoleAdapter(content, stdin=io.StringIO("/ping now\n"), stdout=out)

    async def ping(ctx, args):
        return info("pong", f"{args} as {ctx.actor.user_id}")

    adapter.table.register("ping", "/ping", "answer pong", ping)
    assert await adapter.run() == 0
    assert "pong" in out.getvalue() and "now as console-user" in out.getvalue()


async def test_notifier_prints_nudges_and_redraws_prompt(content: ContentCommands) -> None:
    """A nudge arriving while the prompt shows is printed and the prompt comes back."""
    out = io.StringIO()
    output = ConsoleOutput(out, interactive=True)
    notifier = ConsoleNotifier(output)
    output.prompt()
    target = Target(Platform.CONSOLE, "console", TargetKind.CHANNEL, "console")
    result = await notifier.deliver(Delivery(1, target, "n1", "schedule:1"),
                                    await content.nudge("break", target.key))
    assert result.status is DeliveryStatus.SENT
    text = out.getvalue()
    assert "Time for a short break" in text and text.endswith("deskbreak> ")
    assert await notifier.check_channel("console", "anything") is None
