"""The console's /schedule, /config, /remind and /done commands reach SchedulingCommands."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.adapters.console import ConsoleAdapter
from bot.core.clock import FakeClock
from bot.core.commands import ContentCommands
from bot.core.messages import MessageKind
from bot.core.ports import Platform
from bot.core.rotation import MemoryRotationStore
from bot.scheduling.commands import SchedulingCommands, notifier_channel_checker
from bot.storage import Store, create_store
from tests.scheduling.scheduling_harness import library

NOW = datetime(2027, 3, 1, 8, 0, tzinfo=UTC)


@pytest.fixture
async def console(tmp_path: Path) -> AsyncIterator[tuple[ConsoleAdapter, Store]]:
    clock = FakeClock(NOW)
    store = create_store(f"sqlite+aiosqlite:///{tmp_path / 'db.sqlite3'}", clock=clock)
    await store.migrate()
    content = ContentCommands(library(), MemoryRotationStore(), clock)
    adapter = ConsoleAdapter(content, stdin=io.StringIO(), stdout=io.StringIO(), interactive=False)
    checker = notifier_channel_checker({Platform.CONSOLE: adapter.notifier})
    adapter.attach(SchedulingCommands(store, clock, None, checker))
    yield adapter, store
    await store.close()


async def test_schedule_add_with_a_quoted_cron_creates_a_schedule(
    console: tuple[ConsoleAdapter, Store],
) -> None:
    """`/schedule add break cron="..." tz=...` stores a schedule for the console channel."""
    adapter, store = console
    msg = await adapter.table.dispatch(
        adapter.context, '/schedule add break cron="0 9 * * 1-5" tz=Europe/London'
    )
    assert msg is not None and msg.title == "Schedule #1 added"
    [row] = await store.list_schedules("console", "console")
    assert (row.channel_id, row.spec.cron, row.timezone) == (
        "console",
        "0 9 * * 1-5",
        "Europe/London",
    )


async def test_config_remind_and_done_commands_answer(
    console: tuple[ConsoleAdapter, Store],
) -> None:
    """Each scheduling command answers with an info message for good input."""
    adapter, _ = console
    for line in (
        "/config timezone Europe/Berlin",
        "/config quiet 22:00 07:00",
        "/config skip 2027-12-25",
        "/remind on every=45 start=08:00 end=16:00 days=mon-fri",
        "/remind status",
        "/remind snooze 15",
        "/done",
    ):
        msg = await adapter.table.dispatch(adapter.context, line)
        assert msg is not None and msg.kind == MessageKind.INFO, (line, msg)


async def test_malformed_lines_get_usage_errors(console: tuple[ConsoleAdapter, Store]) -> None:
    """Unknown options, missing words and unbalanced quotes get a usage error."""
    adapter, store = console
    before = await store.snapshot()
    for line in ("/schedule add break colour=red", "/schedule", '/remind on every="3', "/config",
                 "/remind on 30 09:00 17:00 mon-fry", "/schedule add lunch every=30"):
        msg = await adapter.table.dispatch(adapter.context, line)
        assert msg is not None and msg.kind == MessageKind.ERROR, line
    assert await store.snapshot() == before
