"""How a Message reads in a terminal (bot/adapters/console/output.py)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.adapters.console.output import REPL, SHELL, render
from bot.core.clock import FakeClock
from bot.core.commands import ContentCommands
from bot.core.content.loader import load_library
from bot.core.messages import Button, Message, MessageKind
from bot.core.rotation import MemoryRotationStore

CONTENT = Path(__file__).resolve().parents[3] / "content"


@pytest.fixture(scope="module")
def content() -> ContentCommands:
    return ContentCommands(load_library([CONTENT]), MemoryRotationStore(),
                           FakeClock(datetime(2026, 1, 5, tzinfo=UTC)))


def test_the_easier_option_is_not_repeated_as_a_button_line(content: ContentCommands) -> None:
    """The card says `/stretch thread-the-needle` under "Easier option"; no button line
    repeats it."""
    out = render(content.stretch("pigeon"), width=None, styled=False)
    assert out.count("/stretch thread-the-needle") == 1 and "Steps: " not in out


def test_a_command_is_never_split_over_two_lines(content: ContentCommands) -> None:
    """Wrapping keeps "/stretch thread-the-needle" on one line at any width."""
    for width in range(40, 90):
        out = render(content.stretch("pigeon"), width=width, styled=False)
        assert "/stretch thread-the-needle" in out, width
        assert all(len(line) <= width for line in out.splitlines()), width


def test_page_buttons_become_commands_in_each_place(content: ContentCommands) -> None:
    """The next page is `/stretches hips 2` in the console and `deskbreak stretches --area
    hips --page 2` in a shell."""
    page = content.stretches("hips", None, 0)
    assert "Next: /stretches hips 2" in render(page, width=None, styled=False, vocabulary=REPL)
    shell = render(page, width=None, styled=False, vocabulary=SHELL)
    assert "Next: deskbreak stretches --area hips --page 2" in shell


def test_unknown_buttons_are_not_shown_as_dead_text() -> None:
    """A button the terminal cannot act on is left out, never shown as [Label]."""
    message = Message(MessageKind.INFO, "Hello", buttons=(Button("mystery:1", "Press me"),))
    assert render(message, width=80, styled=False) == "Hello"


def test_styled_output_is_bold_and_plain_output_has_no_escapes() -> None:
    """Headings are bold on a terminal; piped output carries no escape code, and control
    characters inside a message are removed either way."""
    message = Message(MessageKind.INFO, "Title\x07", body="Use `/done`\x1b[2J now.")
    styled = render(message, width=80, styled=True)
    assert "\x1b[1mTitle\x1b[0m" in styled and "\x07" not in styled and "[2J" not in styled
    plain = render(message, width=None, styled=False)
    assert plain == "Title\n\nUse /done now."
