"""A failing command at DEBUG: the traceback is logged, yet neither the log nor the reply shows
the bot token or the error's details."""

from __future__ import annotations

import asyncio
import logging

import pytest

from bot.adapters.discord.services import DiscordServices
from bot.core.clock import FakeClock
from bot.core.commands import ContentCommands
from bot.core.content.library import Library
from bot.storage import Store
from tests.adapters.discord.conftest import StartBot, World
from tests.adapters.discord.test_errors import DatabaseDown
from tests.fakes.discord import FakeDiscord
from tests.fakes.discord import payloads as p

WAIT = 5.0  # a guard against a hung test; the wait ends as soon as the line is logged


class Awaited(logging.Handler):
    """Sets an event when a log line containing ``text`` is emitted."""

    def __init__(self, text: str) -> None:
        super().__init__(logging.DEBUG)
        self.text = text
        self.seen = asyncio.Event()

    def emit(self, record: logging.LogRecord) -> None:
        if self.text in record.getMessage():
            self.seen.set()


async def test_tracebacks_and_error_replies_hold_no_token(
    fake: FakeDiscord, world: World, start_bot: StartBot, library: Library, store: Store,
    clock: FakeClock, caplog: pytest.LogCaptureFixture,
) -> None:
    """/tip failing inside (database down) and a reply Discord refuses (400) are logged with
    tracebacks at DEBUG; the token appears in no log line and no reply."""
    caplog.set_level(logging.DEBUG)
    broken = DiscordServices(content=ContentCommands(library, DatabaseDown(), clock), kv=store)
    await start_bot(broken)
    failed = await fake.interact(fake.slash(world.member, world.general, "tip"))
    fake.fail_route("POST", r"/interactions/.*/callback", 400, code=50035, times=2)
    apology_failed = Awaited("could not tell the user")
    logging.getLogger("bot.adapters.discord").addHandler(apology_failed)
    try:
        refused = fake.slash(world.member, world.general, "stretch",
                             [p.option("name", "pigeon")])
        await fake.dispatch("INTERACTION_CREATE", refused)
        await asyncio.wait_for(apology_failed.seen.wait(), WAIT)
    finally:
        logging.getLogger("bot.adapters.discord").removeHandler(apology_failed)
    assert "Traceback" in caplog.text
    assert "database is down" not in str(failed.data)
    assert fake.token not in caplog.text
    assert fake.token not in str(failed.body)
