"""Every command the documentation shows works where it is shown: each `/command ...` code
span in README.md and docs/ is typed into the real console table and read as Slack text."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.adapters.console import ConsoleAdapter
from bot.commands.parse import parse
from bot.commands.table import TABLE
from bot.core.clock import FakeClock
from bot.core.commands import ContentCommands
from bot.core.messages import MessageKind
from bot.core.ports import Platform
from bot.core.rotation import MemoryRotationStore
from bot.scheduling.commands import SchedulingCommands
from bot.storage import create_store
from tests.scheduling.scheduling_harness import library

ROOT = Path(__file__).resolve().parents[2]
DOCUMENTS = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
SPAN = re.compile(r"`(/[a-z]+(?:\s[^`]*)?)`")
# Usage lines and placeholders describe a form rather than show one: [optional], a|b, <id>,
# N, ID, NAME, "...".
PLACEHOLDER = re.compile(r"[\[\]<>|…]|\.\.\.|\b[A-Z]{1,5}\b")


def documented() -> list[tuple[str, str]]:
    """(where, span) for every command span whose first word is a command of the table."""
    commands = {c.name_on(p): c for c in TABLE.commands for p in Platform}
    found = []
    for document in DOCUMENTS:
        for span in SPAN.findall(document.read_text(encoding="utf-8")):
            name, *words = span[1:].split()
            command = commands.get(name)
            if command is None or PLACEHOLDER.search(span):
                continue
            if not words and command.subcommands and command.default is None:
                continue  # "`/schedule`" names the command in prose; it is not a form
            found.append((document.relative_to(ROOT).as_posix(), span))
    return found


DOCUMENTED = documented()


def test_the_documentation_shows_the_forgiving_forms() -> None:
    """The README's own examples include the forms issue 19 found refused (so this test
    keeps them working)."""
    spans = {span for _, span in DOCUMENTED}
    assert "/remind on 30 09:00 17:00 mon-fri" in spans
    assert "/schedule add break every 30 minutes from 09:00 to 17:00 on mon-fri" in spans
    assert "/schedule add break cron=0 9 * * 1-5" in spans


@pytest.mark.parametrize(("where", "span"), DOCUMENTED, ids=[s for _, s in DOCUMENTED])
def test_a_documented_command_reads_on_slack_and_in_the_console(where: str, span: str) -> None:
    """The span parses as typed on each platform that has the command, under its name there."""
    name, _, text = span[1:].partition(" ")
    command = next(c for c in TABLE.commands if name in {c.name_on(p) for p in Platform})
    for platform in (Platform.CONSOLE, Platform.SLACK):
        if platform in command.platforms:
            parse(TABLE, platform, command.name_on(platform), text)


async def test_documented_commands_are_answered_in_the_console(tmp_path: Path) -> None:
    """Typed into a fresh console, no documented command is answered with a usage error."""
    clock = FakeClock(datetime(2027, 3, 1, 8, 0, tzinfo=UTC))
    store = create_store(f"sqlite+aiosqlite:///{tmp_path / 'db.sqlite3'}", clock=clock)
    await store.migrate()
    try:
        content = ContentCommands(library(), MemoryRotationStore(), clock)
        console = ConsoleAdapter(content, stdin=io.StringIO(), stdout=io.StringIO(),
                                 interactive=False)
        console.attach(SchedulingCommands(store, clock, None, None))
        for _, span in DOCUMENTED:
            if span.split()[0] in ("/quit", "/reminders", "/deskbreak"):
                continue
            message = await console.table.dispatch(console.context, span)
            assert message is not None
            assert not (message.kind is MessageKind.ERROR and "For example" in message.body), (
                span, message.body)
    finally:
        await store.close()
