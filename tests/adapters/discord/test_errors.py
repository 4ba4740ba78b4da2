"""Slow work is deferred in time, and unexpected failures get a friendly, traceable answer."""

from __future__ import annotations

import logging
import re
from collections.abc import Collection

import pytest

from bot.adapters.discord.services import DiscordServices
from bot.core.clock import FakeClock
from bot.core.commands import ContentCommands
from bot.core.content.library import Library
from bot.core.rotation import Change
from bot.storage import Store
from tests.adapters.discord.conftest import StartBot, World
from tests.fakes.discord import FakeDiscord
from tests.fakes.discord import payloads as p

EPHEMERAL = 64
DEFERRED_CHANNEL_MESSAGE = 5


class DatabaseDown:
    """A rotation store whose database is unreachable (the storage edge, not the adapter)."""

    async def update(self, keys: Collection[str], change: Change) -> None:
        raise ConnectionError("database is down")


async def test_failure_answers_with_an_error_id_and_logs_the_traceback(
    fake: FakeDiscord, world: World, start_bot: StartBot, library: Library,
    store: Store, clock: FakeClock, caplog: pytest.LogCaptureFixture,
) -> None:
    """/tip with the database down: ephemeral apology with an id; the log has the traceback."""
    broken = DiscordServices(content=ContentCommands(library, DatabaseDown(), clock), kv=store)
    await start_bot(broken)
    cb = await fake.interact(fake.slash(world.member, world.general, "tip"))
    assert cb.type == 4
    assert cb.data["flags"] == EPHEMERAL
    text = cb.data["embeds"][0]["description"]
    match = re.search(r"error id `([0-9a-f]{8})`", text)
    assert match is not None
    assert "database is down" not in text
    (record,) = [r for r in caplog.records if match.group(1) in r.getMessage()]
    assert record.levelno == logging.ERROR
    assert record.exc_info is not None
    assert "database is down" in str(record.exc_info[1])


async def test_slow_public_work_is_deferred_publicly_then_completed(
    fake: FakeDiscord, world: World, start_bot: StartBot, services: DiscordServices
) -> None:
    """Past the defer budget /tip is acknowledged (type 5) WITHOUT the ephemeral flag, then
    the tip is edited in: Discord cannot make a private placeholder public afterwards."""
    await start_bot(services, defer_after=0)
    payload = fake.slash(world.member, world.general, "tip")
    cb = await fake.interact(payload)
    assert cb.type == DEFERRED_CHANNEL_MESSAGE
    assert not cb.data.get("flags", 0) & EPHEMERAL
    edit = await fake.next_followup(payload["token"])
    assert edit["kind"] == "edit_original"
    assert edit["embeds"][0]["title"]


async def test_slow_private_work_is_deferred_privately_then_completed(
    fake: FakeDiscord, world: World, start_bot: StartBot, services: DiscordServices
) -> None:
    """A personal command (/remind status) deferred is private from the start."""
    await start_bot(services, defer_after=0)
    payload = fake.slash(world.member, world.general, "remind", [p.subcommand("status", [])])
    cb = await fake.interact(payload)
    assert cb.type == DEFERRED_CHANNEL_MESSAGE
    assert cb.data["flags"] == EPHEMERAL
    edit = await fake.next_followup(payload["token"])
    assert edit["kind"] == "edit_original"


async def test_a_public_command_failing_after_deferral_apologises_privately(
    fake: FakeDiscord, world: World, start_bot: StartBot, library: Library,
    store: Store, clock: FakeClock,
) -> None:
    """/tip deferred publicly, then the database fails: the public placeholder is deleted and
    the apology goes to the person alone, never to the channel."""
    broken = DiscordServices(content=ContentCommands(library, DatabaseDown(), clock), kv=store)
    await start_bot(broken, defer_after=0)
    payload = fake.slash(world.member, world.general, "tip")
    cb = await fake.interact(payload)
    assert cb.type == DEFERRED_CHANNEL_MESSAGE
    assert not cb.data.get("flags", 0) & EPHEMERAL
    assert (await fake.next_followup(payload["token"]))["kind"] == "delete_original"
    apology = await fake.next_followup(payload["token"])
    assert apology["kind"] == "followup"
    assert apology["flags"] & EPHEMERAL
    assert "error id" in apology["embeds"][0]["description"]
