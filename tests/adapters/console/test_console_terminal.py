"""The console at a real terminal (a tmux pseudo-terminal): what a person sees and types."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.storage import Spec, create_store
from tests.adapters.console.tty import Terminal, needs_tmux

# A real terminal process per test: slow (`pytest -m "not slow"` skips them).
pytestmark = [needs_tmux(), pytest.mark.slow]
StartTerminal = Callable[..., Terminal]


@pytest.fixture
def terminal(tmp_path: Path) -> Iterator[StartTerminal]:
    """Start the console in a terminal in ``tmp_path`` (its database in ./data by default)."""
    started: list[Terminal] = []

    def start(*args: str, width: int = 80, height: int = 40, **env: str) -> Terminal:
        term = Terminal(tmp_path, {"TZ": "UTC", **env}, *args, width=width, height=height)
        started.append(term)
        term.wait_for_prompt()
        return term

    yield start
    for term in started:
        term.close()


def test_banner_and_reminders_use_the_computers_time_zone(terminal: StartTerminal) -> None:
    """With TZ=America/New_York the banner says so and /remind on answers in that zone."""
    term = terminal(TZ="America/New_York")
    assert any("Times are in America/New_York, this computer's time zone" in line
               for line in term.lines())
    term.type("/remind on")
    term.send("Enter")
    screen = term.wait_for("Break reminders on")
    assert "09:00–17:00, Mon–Fri (America/New_York)" in screen


def test_history_is_kept_in_the_data_folder_and_recalled_with_up(
    terminal: StartTerminal, tmp_path: Path
) -> None:
    """A line typed in one session comes back with the Up arrow in the next; the history file
    sits beside the database in ./data, and arrow keys never reach the command table."""
    first = terminal()
    first.type("/tip")
    first.send("Enter")
    first.wait_for("Desk tip: ")
    first.type("/quit")
    first.send("Enter")
    first.wait_for("[exit 0]")
    assert "/tip" in (tmp_path / "data" / "console_history").read_text()

    second = terminal()
    second.send("Up")
    second.wait_for_prompt("/quit")
    second.send("Up")
    second.wait_for_prompt("/tip")
    second.send("Enter")
    screen = second.wait_for("Desk tip: ")
    assert "I don't know" not in screen and "^[[A" not in screen


def test_tab_completes_commands_and_stretch_names(terminal: StartTerminal) -> None:
    """Tab completes a command name, then a stretch name after /stretch."""
    term = terminal()
    term.type("/redf")
    term.send("Tab")
    term.wait_for_prompt("/redflags")
    term.send("C-u")
    term.type("/stretch thread-the-ne")
    term.send("Tab")
    term.wait_for_prompt("/stretch thread-the-needle")
    term.send("Enter")
    term.wait_for("Cross your right ankle over your left thigh")  # the card (its title scrolls)


def test_ctrl_c_clears_the_line_and_ctrl_d_leaves_on_a_fresh_line(
    terminal: StartTerminal,
) -> None:
    """Ctrl-C drops the line being typed (a second one on an empty line says how to leave);
    Ctrl-D on an empty line exits 0 with the shell's next line starting on a fresh line."""
    term = terminal()
    term.type("/stretch pig")
    term.send("C-c")
    term.wait_for_prompt()
    term.send("C-c")
    term.wait_for("(Ctrl-D or /quit leaves)")
    term.wait_for_prompt()
    term.send("C-d")
    term.wait_for("[exit 0]")
    assert "[exit 0]" in term.lines(), term.screen()  # alone on its line, at its start


def test_output_wraps_to_the_width_with_bold_headings(terminal: StartTerminal) -> None:
    """At 60 columns a card's long step wraps under its own text (a hanging indent), the
    headings are bold, and no Markdown backtick or dead [button] shows."""
    term = terminal(width=60, height=100)
    term.type("/stretch pigeon")
    term.send("Enter")
    screen = term.wait_for("not medical advice")
    lines = screen.splitlines()
    step = next(i for i, line in enumerate(lines) if line.startswith("  1. "))
    assert lines[step + 1].startswith("     ") and lines[step + 1].strip()
    assert all(len(line.rstrip()) <= 60 for line in lines)
    assert re.search(r"\x1b\[1m(\x1b\[[0-9;]*m)*Steps", term.screen(escapes=True))
    assert "`" not in screen and "[Easier" not in screen


async def test_a_nudge_and_log_lines_print_above_the_prompt_keeping_the_typed_text(
    terminal: StartTerminal, tmp_path: Path
) -> None:
    """A nudge (and, with -v, INFO log lines) arriving while someone types is printed above
    the prompt, which comes back with the half-typed line intact."""
    db = tmp_path / "db.sqlite3"
    url = f"sqlite+aiosqlite:///{db}"
    term = terminal("-v", DESKBREAK_DATABASE_URL=url, DESKBREAK_TICK_SECONDS="0.2")
    term.type("/stre")
    term.wait_for_prompt("/stre")
    store = create_store(url)
    try:
        slot = datetime.now(UTC).replace(second=0, microsecond=0) - timedelta(minutes=1)
        await store.add_schedule(
            platform="console", workspace_id="console", channel_id="console", kind="break",
            spec=Spec(cron=f"{slot.minute} {slot.hour} * * *"), timezone="UTC",
            next_due=slot, created_by="test",
        )
    finally:
        await store.close()
    screen = term.wait_for("Time for a short break")
    lines = term.wait_for_prompt("/stre")
    # The hint wraps at the terminal's width like any other line; read it as words.
    assert "Done? type /done · Snooze: /snooze 10 · Steps: /stretch" in " ".join(screen.split())
    assert "schedule:" not in screen and "-> console" not in screen
    assert any(" INFO " in line for line in lines), screen  # the log went above, too
    term.send("C-u")
    term.type("/done")
    term.send("Enter")
    term.wait_for("Break logged")
