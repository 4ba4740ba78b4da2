"""Fan-out through the notifier never draws a 429 from Discord's global 50/s limit."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from bot.adapters.discord.client import DeskbreakClient
from bot.adapters.discord.notifier import DiscordNotifier
from bot.adapters.discord.services import DiscordServices
from bot.core.messages import Message, MessageKind
from bot.core.ports import Delivery, DeliveryStatus, Platform, Target, TargetKind
from bot.storage import Store
from tests.adapters.discord.conftest import StartBot
from tests.fakes.discord import FakeDiscord
from tests.fakes.discord.ratelimit import RateLimiter

CHANNELS = 60  # > 50, so an unpaced burst would break the global limit


@pytest.fixture
async def fake() -> AsyncIterator[FakeDiscord]:
    """The fake with Discord's rate-limit accounting switched on."""
    server = FakeDiscord(rate_limits=True)
    await server.start()
    yield server
    await server.close()


async def test_concurrent_fanout_stays_under_the_global_limit(
    fake: FakeDiscord, start_bot: StartBot, services: DiscordServices, store: Store
) -> None:
    """60 concurrent channel deliveries all succeed with zero 429s handed out."""
    guild = fake.add_guild("Big")
    channels = [fake.add_channel(guild, f"c{i}") for i in range(CHANNELS)]
    bot: DeskbreakClient = await start_bot(services)
    notifier = DiscordNotifier(bot, store)
    message = Message(kind=MessageKind.NUDGE, title="Stand up")
    deliveries = [
        Delivery(i, Target(Platform.DISCORD, guild.guild_id, TargetKind.CHANNEL, c.channel_id),
                 f"fan{i:021d}", "schedule:1")
        for i, c in enumerate(channels)
    ]
    assert fake.ratelimiter is not None
    before = fake.ratelimiter.requests

    results = await asyncio.gather(*(notifier.deliver(d, message) for d in deliveries))
    assert {r.status for r in results} == {DeliveryStatus.SENT}
    assert fake.ratelimiter.requests - before == CHANNELS
    assert fake.ratelimiter.violations == 0
    assert sum(len(v) for v in fake.messages.values()) == CHANNELS


def test_the_fakes_accounting_refuses_the_51st_request_in_a_second() -> None:
    """The fake's global window really bites, so the zero-429 assertion above can fail."""
    limiter = RateLimiter()
    verdicts = [limiter.check(None) for _ in range(51)]
    assert all(v.allowed for v in verdicts[:50])
    assert not verdicts[50].allowed
    assert verdicts[50].is_global
    assert verdicts[50].headers["X-RateLimit-Global"] == "true"
    assert limiter.violations == 1


def test_the_fakes_channel_bucket_allows_five_per_five_seconds() -> None:
    """Message create is limited per channel with Discord's X-RateLimit-* headers."""
    limiter = RateLimiter()
    verdicts = [limiter.check("msg:1") for _ in range(6)]
    assert [v.allowed for v in verdicts] == [True] * 5 + [False]
    assert verdicts[4].headers["X-RateLimit-Remaining"] == "0"
    assert limiter.check("msg:2").allowed
