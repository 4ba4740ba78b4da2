"""A failing console command answers like the chat adapters do and the console carries on:
the REPL and its scheduler live as long as the person wants them to."""

from __future__ import annotations

import io
import logging
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.adapters.console import ConsoleAdapter
from bot.core.clock import FakeClock
from bot.core.commands import ContentCommands
from bot.core.ports import Platform
from bot.core.rotation import MemoryRotationStore
from bot.scheduling.commands import SchedulingCommands, notifier_channel_checker
from bot.scheduling.service import SchedulerService
from bot.storage import create_store
from bot.storage.errors import StorageError
from tests.scheduling.scheduling_harness import library

NOW = datetime(2027, 3, 1, 8, 0, tzinfo=UTC)
SECRET_PARAM = "param-that-must-not-print"


@pytest.mark.parametrize("failure", [
    StorageError("database is locked"),
    RuntimeError(f"a bug holding {SECRET_PARAM}"),
], ids=["storage", "bug"])
async def test_a_failing_command_is_answered_and_the_console_carries_on(
    tmp_path: Path, failure: Exception, caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """/remind status failing inside the facade: an apology with an error id (the chat
    adapters' words), no SQL or parameters on screen, the next commands answered, the
    scheduler still running, and exit status 0 at the end of input."""
    clock = FakeClock(NOW)
    store = create_store(f"sqlite+aiosqlite:///{tmp_path / 'db.sqlite3'}", clock=clock)
    await store.migrate()
    content = ContentCommands(library(), MemoryRotationStore(), clock)
    out = io.StringIO()
    console = ConsoleAdapter(content, stdin=io.StringIO("/remind status\n/redflags\n/remind on\n"),
                             stdout=out, interactive=False)
    notifiers = {Platform.CONSOLE: console.notifier}
    service = SchedulerService(store, notifiers, content, clock, instance_id="console")
    console.attach(SchedulingCommands(store, clock, None, notifier_channel_checker(notifiers),
                                      service=service))

    async def fail(*args: object, **kwargs: object) -> None:
        raise failure

    monkeypatch.setattr(store, "get_reminder", fail)
    await service.start()
    try:
        with caplog.at_level(logging.ERROR):
            assert await console.run() == 0
        assert service.jobs, "the scheduler is still running"
    finally:
        await service.stop()
        await store.close()
    text = out.getvalue()
    assert text.count("Sorry, that failed") == 2  # /remind status and /remind on
    # The console shows `code` without its backticks (bold on a terminal).
    assert re.search(r"error id [0-9a-f]{8}\b", text)
    assert "When to stop and see a professional" in text
    assert SECRET_PARAM not in text and "SELECT" not in text and "Traceback" not in text
    assert "error id" in caplog.text
