"""Tab completion in the console comes from the command table: commands, subcommands and the
values an option takes (stretch names, areas and places, kinds, time zones)."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from pathlib import Path

import pytest
from prompt_toolkit.completion import CompleteEvent
from prompt_toolkit.document import Document

from bot.adapters.console import ConsoleAdapter
from bot.adapters.console.terminal import CommandCompleter
from bot.core.clock import FakeClock
from bot.core.commands import ContentCommands
from bot.core.rotation import MemoryRotationStore
from bot.scheduling.commands import SchedulingCommands
from bot.storage import create_store
from tests.scheduling.scheduling_harness import library


@pytest.fixture
def console(tmp_path: Path) -> ConsoleAdapter:
    clock = FakeClock(datetime(2027, 3, 1, 8, 0, tzinfo=UTC))
    content = ContentCommands(library(), MemoryRotationStore(), clock)
    console = ConsoleAdapter(content, stdin=io.StringIO(), stdout=io.StringIO(),
                             interactive=False)
    # Time zones come from the scheduling facade; nothing here touches its database.
    store = create_store(f"sqlite+aiosqlite:///{tmp_path / 'db.sqlite3'}", clock=clock)
    console.attach(SchedulingCommands(store, clock, None, None))
    return console


def completions(console: ConsoleAdapter, typed: str) -> list[str]:
    completer = CommandCompleter(lambda: console.table)
    return [c.text for c in completer.get_completions(Document(typed), CompleteEvent())]


def test_command_names_complete_with_or_without_the_slash(console: ConsoleAdapter) -> None:
    """`/rem` and `rem` both offer /remind; console-only commands (/snooze, /quit) too."""
    assert completions(console, "/rem") == ["/remind"] == completions(console, "rem")
    assert "/snooze" in completions(console, "/s") and "/quit" in completions(console, "/q")


def test_a_groups_subcommands_complete(console: ConsoleAdapter) -> None:
    """After a command group, its subcommands: `/remind sn` -> snooze, `/schedule p` ->
    preview, pause."""
    assert completions(console, "/remind sn") == ["snooze"]
    assert completions(console, "/schedule p") == ["preview", "pause"]


def test_stretch_names_complete_as_one_phrase(console: ConsoleAdapter) -> None:
    """After /stretch the whole phrase is the name being completed."""
    assert completions(console, "/stretch pige")[0] == "pigeon"


def test_option_values_complete(console: ConsoleAdapter) -> None:
    """Areas and places after /stretches, the kind of a schedule, and time zones."""
    assert "hips" in completions(console, "/stretches hi")
    assert completions(console, "/stretches hips de") == ["desk"]
    assert completions(console, "/schedule add br") == ["break"]
    assert "Europe/Berlin" in completions(console, "/config timezone Europe/Ber")


def test_unknown_commands_complete_nothing(console: ConsoleAdapter) -> None:
    """Nothing is offered after a command or subcommand that does not exist."""
    assert completions(console, "/nope x") == []
    assert completions(console, "/remind nope x") == []


def test_a_named_option_completes_its_own_values(console: ConsoleAdapter) -> None:
    """`tz=` and `timezone` name the option whose values are offered; a bare word is only
    offered the values of options it can fill by position."""
    assert "Europe/Berlin" in completions(console, "/schedule add break tz=Europe/Ber")
    assert "Europe/Berlin" in completions(console, "/schedule add break timezone Europe/Ber")
    assert completions(console, "/schedule add break cron=0") == []
