"""Hostile input through the real discord.py client and the fake Discord: no pings, a cooldown,
and every payload inside Discord's limits."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from typing import Any

from bot.adapters.discord.client import DeskbreakClient
from bot.adapters.discord.notifier import DiscordNotifier
from bot.adapters.discord.services import DiscordServices
from bot.core.clock import FakeClock
from bot.core.cooldown import Cooldown
from bot.core.messages import Message, MessageKind, Section
from bot.core.ports import Delivery, DeliveryStatus, Platform, Target, TargetKind
from bot.storage import Store
from tests.adapters.discord.conftest import StartBot, World
from tests.fakes.discord import FakeDiscord
from tests.fakes.discord import payloads as p

NO_PINGS = {"parse": []}
PINGS = ("@everyone", "@here", "<@&123456789012345678>", "<@123456789012345678>", "<@!1234>")
EPHEMERAL = 64
LIVE_MENTION = re.compile(r"@(everyone|here)|<@[!&]?[0-9]+>", re.IGNORECASE)
AUTOCOMPLETE_RESULT = 8


def texts(data: dict[str, Any]) -> str:
    """Every piece of text in a message payload, joined, as Discord would read it."""
    return json.dumps(data.get("embeds", []), ensure_ascii=False) + (data.get("content") or "")


def assert_inert(data: dict[str, Any]) -> None:
    """Mentions parse nothing, and no text holds a mention Discord would recognise."""
    assert data["allowed_mentions"] == NO_PINGS
    assert LIVE_MENTION.search(texts(data)) is None


async def test_unknown_stretch_named_like_a_mention_pings_nobody(
    fake: FakeDiscord, world: World, bot: DeskbreakClient
) -> None:
    """/stretch "@everyone <@&role> <@user>" echoes the text defanged, with no mentions parsed."""
    name = " ".join(PINGS)
    cb = await fake.interact(fake.slash(world.member, world.general, "stretch",
                                        [p.option("name", name)]))
    assert_inert(cb.data)
    assert "everyone" in texts(cb.data), "the text is still shown, just inert"


async def test_scheduled_posts_carry_no_mentions(
    fake: FakeDiscord, world: World, bot: DeskbreakClient, store: Store
) -> None:
    """A notifier post (message create) says allowed_mentions: parse nothing."""
    notifier = DiscordNotifier(bot, store)
    message = Message(kind=MessageKind.NUDGE, title="@everyone stand up",
                      body="<@&1> and @here too", sections=(Section("@here", ("<@42>",)),))
    target = Target(Platform.DISCORD, world.guild.guild_id, TargetKind.CHANNEL,
                    world.general.channel_id)
    result = await notifier.deliver(Delivery(1, target, "n" * 20, "schedule:1"), message)
    assert result.status is DeliveryStatus.SENT
    [(channel_id, body)] = fake.create_bodies
    assert channel_id == world.general.channel_id
    assert_inert(body)


async def test_admin_refusal_carries_no_mentions(
    fake: FakeDiscord, world: World, bot: DeskbreakClient
) -> None:
    """Even fixed texts (the admin refusal) go out with mentions switched off."""
    cb = await fake.interact(fake.slash(world.member, world.general, "config",
                                        [p.subcommand("timezone", [p.option("tz", "@here")])]))
    assert_inert(cb.data)


async def test_hostile_autocomplete_text_gets_valid_choices(
    fake: FakeDiscord, world: World, bot: DeskbreakClient
) -> None:
    """Autocomplete with 6,000 characters of control and mention junk answers ≤ 25 valid choices."""
    junk = ("\x00\x1b[31m@everyone <@&1> \u202e\U0001f9d8" * 300)[:6000]
    cb = await fake.interact(fake.autocomplete(world.member, world.general, "stretch",
                                               [p.option("name", junk, focused=True)]))
    assert cb.type == AUTOCOMPLETE_RESULT
    choices = cb.body["data"]["choices"]
    assert len(choices) <= 25
    assert all(1 <= len(c["name"]) <= 100 and 1 <= len(c["value"]) <= 100 for c in choices)


async def test_cooldown_refuses_a_burst_then_lets_the_person_back(
    fake: FakeDiscord, world: World, start_bot: StartBot, services: DiscordServices,
    clock: FakeClock,
) -> None:
    """After the burst a command is refused privately; the refill (fake clock) lets them back."""
    cooldown = Cooldown(clock, burst=3, per_minute=6)
    await start_bot(DiscordServices(services.content, services.kv, services.scheduling,
                                    cooldown=cooldown))

    async def redflags(who: p.Invoker) -> dict[str, Any]:
        return (await fake.interact(fake.slash(who, world.general, "redflags"))).data

    answers = [await redflags(world.member) for _ in range(4)]
    assert [a["embeds"][0]["title"] for a in answers[:3]] == [answers[0]["embeds"][0]["title"]] * 3
    refused = answers[3]
    assert refused["flags"] == EPHEMERAL
    assert refused["embeds"][0]["title"] == "One moment, please"
    assert "10 seconds" in refused["embeds"][0]["description"]
    other = await redflags(world.admin)
    assert other["embeds"][0]["title"] != "One moment, please", "buckets are per person"
    clock.advance(timedelta(seconds=10))
    again = await redflags(world.member)
    assert again["embeds"][0]["title"] == answers[0]["embeds"][0]["title"]


async def test_cooldown_never_throttles_autocomplete(
    fake: FakeDiscord, world: World, start_bot: StartBot, services: DiscordServices,
    clock: FakeClock,
) -> None:
    """Keystrokes do not spend the person's tokens: 20 autocompletes, then a command works."""
    cooldown = Cooldown(clock, burst=1, per_minute=1)
    await start_bot(DiscordServices(services.content, services.kv, services.scheduling,
                                    cooldown=cooldown))
    for _ in range(20):
        cb = await fake.interact(fake.autocomplete(world.member, world.general, "stretch",
                                                   [p.option("name", "hip", focused=True)]))
        assert cb.body["data"]["choices"]
    cb = await fake.interact(fake.slash(world.member, world.general, "redflags"))
    assert cb.data["embeds"][0]["title"] != "One moment, please"


async def test_cooldown_covers_buttons(
    fake: FakeDiscord, world: World, start_bot: StartBot, services: DiscordServices,
    clock: FakeClock,
) -> None:
    """Button clicks spend the same bucket as slash commands."""
    cooldown = Cooldown(clock, burst=1, per_minute=1)
    await start_bot(DiscordServices(services.content, services.kv, services.scheduling,
                                    cooldown=cooldown))
    first = await fake.interact(fake.slash(world.member, world.general, "stretches"))
    message = p.message(world.general.channel_id, fake.bot_user, first.data,
                        guild_id=world.guild.guild_id)
    click = await fake.interact(fake.click(world.member, world.general, "page:*:*:1", message))
    assert click.data["embeds"][0]["title"] == "One moment, please"
    assert click.data["flags"] == EPHEMERAL
