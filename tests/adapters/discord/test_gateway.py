"""The gateway session against the fake: heartbeats are acknowledged, a drop is resumed."""

from __future__ import annotations

import asyncio
import math

from bot.adapters.discord.client import DeskbreakClient
from tests.adapters.discord.conftest import READY_WAIT, World
from tests.fakes.discord import FakeDiscord

CHANNEL_MESSAGE = 4


async def test_heartbeat_is_acknowledged(fake: FakeDiscord, bot: DeskbreakClient) -> None:
    """The first heartbeat's ACK arrives before READY, so latency is measured."""
    assert math.isfinite(bot.latency)
    assert fake.identifies == 1


async def test_dropped_connection_is_resumed(
    fake: FakeDiscord, world: World, bot: DeskbreakClient
) -> None:
    """After a 4000 close the client RESUMEs (no new IDENTIFY) and still answers commands."""
    resumed = asyncio.ensure_future(bot.wait_for("resumed", timeout=READY_WAIT))
    await fake.drop_gateway(4000)
    await resumed
    assert (fake.identifies, fake.resumes) == (1, 1)
    cb = await fake.interact(fake.slash(world.member, world.general, "about"))
    assert cb.type == CHANNEL_MESSAGE


async def test_reconnect_request_is_followed_by_a_resume(
    fake: FakeDiscord, world: World, bot: DeskbreakClient
) -> None:
    """Discord's op 7 Reconnect: the client reconnects and RESUMEs, then answers commands."""
    resumed = asyncio.ensure_future(bot.wait_for("resumed", timeout=READY_WAIT))
    await fake.request_reconnect()
    await resumed
    assert (fake.identifies, fake.resumes) == (1, 1)
    cb = await fake.interact(fake.slash(world.member, world.general, "about"))
    assert cb.type == CHANNEL_MESSAGE


async def test_invalid_session_is_followed_by_a_fresh_identify(
    fake: FakeDiscord, world: World, bot: DeskbreakClient
) -> None:
    """op 9 Invalid Session (not resumable): the client IDENTIFYs anew, then answers commands."""
    fake.identified.clear()
    await fake.invalidate_sessions(resumable=False)
    # discord.py's before_identify_hook pauses 5 s before any IDENTIFY but the first.
    await asyncio.wait_for(fake.identified.wait(), 5.0 + READY_WAIT)
    assert (fake.identifies, fake.resumes) == (2, 0)
    cb = await fake.interact(fake.slash(world.member, world.general, "about"))
    assert cb.type == CHANNEL_MESSAGE
