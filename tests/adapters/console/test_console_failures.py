"""A failing console command answers like the chat adapters do and the console carries on:
the REPL and its scheduler live as long as the person wants them to."""

from __future__ import annotations

import asyncio
import contextlib
import io
import logging
import re
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
import sqlalchemy.exc

from bot.adapters.console import ConsoleAdapter
from bot.app import build_app
from bot.core.clock import FakeClock
from bot.core.commands import ContentCommands
from bot.core.ports import Platform
from bot.core.rotation import MemoryRotationStore
from bot.scheduling.commands import SchedulingCommands, notifier_channel_checker
from bot.scheduling.service import SchedulerService
from bot.serve import run_platforms
from bot.settings import DatabaseSettings, Settings
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
    monkeypatch.setattr(store, "upsert_reminder_with", fail)  # what /remind on writes with
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


@pytest.mark.parametrize("failure", [
    # What the store lets out (a locked database, its SQL kept out of the message), and a
    # refused connection before the store's translation (the start-up has its own guard).
    StorageError("database is locked"),
    ConnectionRefusedError(111, "Connect call failed"),
], ids=["storage", "refused"])
async def test_a_database_failure_at_start_up_does_not_end_the_console(
    tmp_path: Path, failure: Exception, caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The console's start-up write (following this computer's time zone) meeting a locked
    or unreachable database: one warning line without SQL or parameters, then the console
    serves as usual and ends with status 0 at the end of input."""
    settings = Settings(database=DatabaseSettings(
        url=f"sqlite+aiosqlite:///{tmp_path / 'db.sqlite3'}"))
    app = build_app(settings, clock=FakeClock(NOW))
    await app.store.migrate()

    async def fail(*args: object, **kwargs: object) -> None:
        raise failure

    monkeypatch.setattr(app.store, "kv_get", fail)
    monkeypatch.setattr(sys, "stdin", io.StringIO("/redflags\n/remind on\n"))
    try:
        with caplog.at_level(logging.INFO):
            assert await run_platforms(app, Platform.CONSOLE) == 0
    finally:
        await app.store.close()
    shown = capsys.readouterr()
    assert "When to stop and see a professional" in shown.out
    assert "Break reminders on" in shown.out
    warnings = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(warnings) == 1 and warnings[0].exc_info is None
    assert "couldn't set the console to this computer's time zone" in warnings[0].getMessage()
    everything = shown.out + shown.err + caplog.text
    assert SECRET_PARAM not in everything and "INSERT" not in everything
    assert "Traceback" not in everything


class Proxy:
    """A TCP relay to PostgreSQL that the test can cut and restore: a real outage as the
    bot sees one (connections reset, then refused), without touching the shared server."""

    def __init__(self, host: str, port: int) -> None:
        self.target = (host, port)
        self.server: asyncio.Server | None = None
        self.port = 0
        self.links: set[asyncio.StreamWriter] = set()

    async def start(self) -> None:
        self.server = await asyncio.start_server(self._link, "127.0.0.1", self.port)
        self.port = self.server.sockets[0].getsockname()[1]

    async def cut(self) -> None:
        assert self.server is not None
        self.server.close()
        for writer in list(self.links):
            writer.transport.abort()
        await self.server.wait_closed()

    async def _link(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await asyncio.open_connection(*self.target)
        self.links |= {writer, up_writer}

        async def pipe(src: asyncio.StreamReader, dst: asyncio.StreamWriter) -> None:
            with contextlib.suppress(OSError):
                while data := await src.read(65536):
                    dst.write(data)
                    await dst.drain()
            dst.transport.abort()

        await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))


async def test_a_postgresql_outage_during_remind_status(
    pg_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    """PostgreSQL going away under a running console: /remind status is answered with the
    chat adapters' apology, other commands still answer, the scheduler keeps its job, and
    once the database is back /remind status works again. No SQL or parameters shown."""
    real = sa.make_url(pg_url)
    proxy = Proxy(real.host or "127.0.0.1", real.port or 5432)
    await proxy.start()
    clock = FakeClock(NOW)
    store = create_store(
        real.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False),
        clock=clock)
    await store.migrate()
    content = ContentCommands(library(), MemoryRotationStore(), clock)
    console = ConsoleAdapter(content, stdin=io.StringIO(), stdout=io.StringIO(),
                             interactive=False)
    notifiers = {Platform.CONSOLE: console.notifier}
    service = SchedulerService(store, notifiers, content, clock, instance_id="console")
    console.attach(SchedulingCommands(store, clock, None, notifier_channel_checker(notifiers),
                                      service=service))
    ctx = console.context

    async def say(line: str) -> str:
        message = await console.table.dispatch(ctx, line)
        assert message is not None
        return console.output.format(message)

    await service.start()
    try:
        assert "Break reminders on" in await say("/remind on")
        await proxy.cut()
        with caplog.at_level(logging.ERROR):
            down = await say("/remind status")
            assert "When to stop and see a professional" in await say("/redflags")
        assert service.jobs, "the scheduler is still running"
        await proxy.start()  # the same port: the database is back
        assert "every 60 min" in await say("/remind status")
    finally:
        await service.stop()
        await store.close()
        with contextlib.suppress(Exception):
            await proxy.cut()
    assert down.startswith("Sorry, that failed")
    assert re.search(r"error id [0-9a-f]{8}\b", down)
    assert "SELECT" not in down + caplog.text and "console-user" not in down + caplog.text
