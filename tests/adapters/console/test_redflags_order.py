"""/redflags in the console: the text lists the levels most urgent first."""

from __future__ import annotations

import io
from datetime import UTC, datetime

from bot.adapters.console import ConsoleAdapter
from bot.core.clock import FakeClock
from bot.core.commands import ContentCommands
from bot.core.content.loader import load_library
from bot.core.rotation import MemoryRotationStore
from bot.settings import Settings
from tests.adapters.redflag_order import assert_levels_in_order


async def test_redflags_text_reads_emergency_first() -> None:
    """The REPL's answer to /redflags has the headings in order, every sign under its own."""
    library = load_library(Settings().content_dirs())
    content = ContentCommands(library, MemoryRotationStore(),
                              FakeClock(datetime(2026, 3, 2, tzinfo=UTC)))
    out = io.StringIO()
    adapter = ConsoleAdapter(content, stdin=io.StringIO("/redflags\n"), stdout=out)
    assert await adapter.run() == 0
    assert_levels_in_order(out.getvalue(), library)
