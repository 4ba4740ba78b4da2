"""The console adapter, driven the way a person (or a script) drives it: through stdin."""

from __future__ import annotations

import io
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
from tests.childenv import child_env

FIXTURE_CONTENT = Path(__file__).resolve().parents[2] / "fixtures" / "content"
Console = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture
def console(tmp_path: Path) -> Console:
    """Run `deskbreak run --platform console` in a scratch directory with its own database."""

    def run(
        stdin: str, content_dir: Path | None = None, *options: str
    ) -> subprocess.CompletedProcess[str]:
        env = child_env()
        env["DESKBREAK_DATABASE_URL"] = f"sqlite+aiosqlite:///{tmp_path / 'db.sqlite3'}"
        if content_dir is not None:
            env["DESKBREAK_BASE_CONTENT_DIR"] = str(content_dir)
        return subprocess.run([sys.executable, "-m", "bot", "run", "--platform", "console",
                               *options],
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
    assert "Time for a short break" in out and "Snooze: /snooze 10" in out and "[Snooze" not in out
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


async def test_notifier_prints_nudges_without_internal_labels(content: ContentCommands) -> None:
    """A nudge is printed as the person should read it: no ledger source or target id, and
    its buttons as what to type."""
    out = io.StringIO()
    notifier = ConsoleNotifier(ConsoleOutput(out))
    target = Target(Platform.CONSOLE, "console", TargetKind.CHANNEL, "console")
    result = await notifier.deliver(Delivery(1, target, "n1", "schedule:1"),
                                    await content.nudge("break", target.key))
    assert result.status is DeliveryStatus.SENT
    text = out.getvalue()
    assert text.startswith("Time for a short break\n")
    assert "schedule:1" not in text and "->" not in text and "[" not in text
    assert "Done? type /done · Snooze: /snooze 10 · Steps: /stretch " in text
    assert await notifier.check_channel("console", "anything") is None


async def session(content: ContentCommands, script: str) -> str:
    """What the console prints for ``script``, run in-process through the real REPL."""
    out = io.StringIO()
    assert await ConsoleAdapter(content, stdin=io.StringIO(script), stdout=out).run() == 0
    return out.getvalue()


async def test_words_without_a_slash_are_quoted_as_typed(content: ContentCommands) -> None:
    """`hello` is answered about "hello" (not "/hello") and points to /help; long input is cut."""
    out = await session(content, "hello there\n/nope\n" + "z" * 5000 + "\n")
    assert "I don't know “hello there”" in out and "/hello" not in out and "/help" in out
    assert "Unknown command /nope." in out
    assert "z" * 100 not in out


async def test_stretches_takes_area_and_place_in_any_order(content: ContentCommands) -> None:
    """`/stretches standing neck` or `neck standing`, `hip`, two-word areas and places."""
    out = await session(
        content,
        "/stretches standing neck\n/stretches neck standing\n/stretches hip\n"
        "/stretches on the floor glute 1\n/stretches lower back desk\n",
    )
    assert "That didn't work" not in out, out
    assert "Stretches (lower back · at your desk)" in out
    assert out.count("Stretches (neck · standing)") == 2
    assert "Stretches (hips)" in out and "Stretches (glutes · on the floor)" in out


async def test_stretch_with_nothing_to_match_lists_nothing(content: ContentCommands) -> None:
    """`/stretch` alone and `/stretch 鸽子` suggest no stretch; both point to /stretches."""
    out = await session(content, "/stretch\n/stretch 鸽子\n")
    assert "Which stretch?" in out and "No stretch called “鸽子”" in out
    assert "(/stretch " not in out and "[" not in out
    assert out.count("/stretches") == 2


async def test_break_shows_a_caution_with_its_stretch(content: ContentCommands) -> None:
    """The console cannot press "Show me how", so /break prints a caution line itself."""
    out = await session(content, "/break\n")
    assert "Try: " in out and "  - Go gently; stop if anything hurts sharply." in out


async def test_redflags_disclaims_once(tmp_path: Path) -> None:
    """/redflags says "not medical advice" once, even when the content's outro says it too."""
    for name in ("stretches.yaml", "tips.yaml", "prompts.yaml"):
        (tmp_path / name).write_text((FIXTURE_CONTENT / name).read_text())
    (tmp_path / "redflags.yaml").write_text(
        "version: 1\nintro: 'Get checked if you notice:'\nred_flags:\n"
        "  - {id: injury, level: within-days, sign: Pain after a fall.}\n"
        "outro: This is general information, not medical advice.\n"
    )
    content = ContentCommands(load_library([tmp_path]), MemoryRotationStore(),
                              FakeClock(datetime(2026, 1, 5, tzinfo=UTC)))
    out = await session(content, "/redflags\n")
    assert out.lower().count("not medical advice") == 1, out


def test_console_keeps_info_logs_off_the_prompt(console: Console) -> None:
    """Unasked, the console logs nothing below WARNING (no "scheduler stopped" on the prompt)."""
    result = console("/tip\n", FIXTURE_CONTENT)
    assert result.returncode == 0 and result.stdout.startswith("Desk tip: ")
    assert " INFO " not in result.stderr and "scheduler" not in result.stderr, result.stderr
    verbose = console("/tip\n", FIXTURE_CONTENT, "-v")
    assert verbose.returncode == 0 and "INFO bot.scheduling.service: scheduler stopped" in (
        verbose.stderr
    )


def test_control_characters_typed_are_never_echoed(console: Console) -> None:
    """ESC sequences, BEL and NUL in input are dropped before anything quotes the input."""
    result = console("/stretch \x1b[31mpig\x07eon\x00\nhello\x1b]0;title\x07 there\n",
                     FIXTURE_CONTENT)
    assert result.returncode == 0
    for control in ("\x1b", "\x07", "\x00"):
        assert control not in result.stdout
    assert "Pigeon pose" in result.stdout and "I don't know “hello there”" in result.stdout


def test_an_over_long_id_is_not_echoed_cut_short(console: Console) -> None:
    """A 30-digit schedule id is described, not quoted as its first 20 digits."""
    result = console("/schedule pause 123456789012345678901234567890\n", FIXTURE_CONTENT)
    assert "That 30-character value is not a schedule id" in result.stdout
    assert "12345678901234567890" not in result.stdout


def test_piped_answers_are_plain_text_without_markdown(console: Console) -> None:
    """In a pipe: no escape codes, no backticks (`/remind timezone` reads /remind timezone),
    and long lines are left whole for the reader to wrap."""
    result = console("/remind on\n/stretch pigeon\n")
    out = result.stdout
    assert "\x1b" not in out and "`" not in out
    assert "Change your zone with /remind timezone." in out
    assert max(len(line) for line in out.splitlines()) > 100
