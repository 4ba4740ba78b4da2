"""/remind on opens the person's DM channel then, not in the minute their reminder falls due."""

from __future__ import annotations

import asyncio

from bot.adapters.discord.client import DeskbreakClient
from bot.adapters.discord.kv import NAMESPACE
from bot.adapters.discord.notifier import DiscordNotifier
from bot.adapters.discord.services import DiscordServices
from bot.core.clock import FakeClock
from bot.storage import Store
from tests.adapters.discord.conftest import World
from tests.adapters.discord.test_schedule_commands import advance_to_reminder, run
from tests.fakes.discord import FakeDiscord
from tests.fakes.discord import payloads as p


def notifier_of(bot: DeskbreakClient) -> DiscordNotifier:
    prepare = bot.services.prepare_dm
    assert prepare is not None
    owner = getattr(prepare, "__self__", None)
    assert isinstance(owner, DiscordNotifier)
    return owner


async def test_opt_in_in_a_server_opens_the_dm_channel_ahead_of_time(
    fake: FakeDiscord, world: World, bot: DeskbreakClient, store: Store,
    services: DiscordServices, clock: FakeClock,
) -> None:
    """The channel is created at /remind on; the due reminder then costs one request."""
    await run(fake, world.member, world.general, "remind", "on", p.option("every", "30"))
    await notifier_of(bot).prepared()
    assert fake.dm_creates == [world.member.user_id]
    dm = fake.dm_channel_of(world.member.user_id)
    assert dm is not None
    assert await store.kv_get(NAMESPACE, f"dm:{world.member.user_id}") == dm.channel_id

    await advance_to_reminder(store, clock, world.member.user_id)
    before = len(fake.requests)
    assert services.scheduling is not None
    assert (await services.scheduling.service.tick()).sent == 1
    assert fake.requests[before:] == [("POST", f"/api/v10/channels/{dm.channel_id}/messages")]
    assert fake.dm_creates == [world.member.user_id]


async def test_opt_in_typed_in_the_bots_dm_needs_no_request(
    fake: FakeDiscord, world: World, bot: DeskbreakClient, store: Store,
    services: DiscordServices, clock: FakeClock,
) -> None:
    """/remind on in the DM itself: that channel is remembered, nothing is created."""
    dm = fake.add_channel_dm(world.loner)
    await run(fake, world.loner, dm, "remind", "on", p.option("every", "30"))
    await notifier_of(bot).prepared()
    assert fake.dm_creates == []
    assert await store.kv_get(NAMESPACE, f"dm:{world.loner.user_id}") == dm.channel_id

    await advance_to_reminder(store, clock, world.loner.user_id)
    assert services.scheduling is not None
    assert (await services.scheduling.service.tick()).sent == 1
    assert len(fake.messages[dm.channel_id]) == 1
    assert fake.dm_creates == []


async def test_opt_in_and_a_due_reminder_together_open_the_channel_once(
    fake: FakeDiscord, world: World, bot: DeskbreakClient,
) -> None:
    """The background preparation and a send asking at the same moment share one request."""
    notifier = notifier_of(bot)
    notifier.prepare_dm(world.member.user_id)
    channel_id = await notifier.dm_channel_id(world.member.user_id)
    await notifier.prepared()
    assert fake.dm_creates == [world.member.user_id]
    dm = fake.dm_channel_of(world.member.user_id)
    assert dm is not None and str(channel_id) == dm.channel_id


async def test_a_refused_opt_in_preparation_is_retried_by_the_first_reminder(
    fake: FakeDiscord, world: World, bot: DeskbreakClient,
) -> None:
    """A failed creation at opt-in is only logged; the next lookup creates the channel."""
    fake.fail_route("POST", r"/users/@me/channels$", 403, code=50007, times=1)
    notifier = notifier_of(bot)
    notifier.prepare_dm(world.member.user_id)
    await notifier.prepared()
    assert fake.dm_creates == []
    await asyncio.wait_for(notifier.dm_channel_id(world.member.user_id), 5)
    assert fake.dm_creates == [world.member.user_id]
