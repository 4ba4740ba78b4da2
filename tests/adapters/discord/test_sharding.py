"""Sharding: the sharded client against a two-shard fake, and two schedulers on one database
racing for a send whose lease ran out while its owner was merely slow."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import timedelta

import pytest

from bot.adapters.discord.client import ShardedDeskbreakClient, gateway_down, make_client
from bot.adapters.discord.notifier import DiscordNotifier
from bot.adapters.discord.services import DiscordServices
from bot.core.clock import FakeClock
from bot.core.ports import Platform
from bot.scheduling.service import SchedulerService
from bot.storage import LedgerStatus, Spec, Store
from tests.adapters.discord.conftest import StartBot
from tests.fakes.discord import FakeDiscord

LEASE = timedelta(seconds=30)
READY_WAIT = 5.0

StartSharded = Callable[[list[int]], Awaitable[ShardedDeskbreakClient]]


@pytest.fixture
async def start_sharded(
    fake: FakeDiscord, services: DiscordServices
) -> AsyncIterator[StartSharded]:
    """Start the client as the Discord runner builds it with DESKBREAK_SHARD_COUNT=2."""
    running: list[tuple[ShardedDeskbreakClient, asyncio.Task[None]]] = []

    async def start(shard_ids: list[int]) -> ShardedDeskbreakClient:
        client = make_client(services, shard_count=2, shard_ids=shard_ids,
                             guild_ready_timeout=0)
        assert isinstance(client, ShardedDeskbreakClient)
        task = asyncio.create_task(client.start(fake.token))
        running.append((client, task))
        await asyncio.wait_for(client.connected.wait(), READY_WAIT)
        return client

    yield start
    for client, task in running:
        await client.close()
        await asyncio.gather(task, return_exceptions=True)


def _two_shard_guilds(fake: FakeDiscord) -> tuple[str, str]:
    fake.shard_count = 2
    return fake.add_guild("zero", shard=0).guild_id, fake.add_guild("one", shard=1).guild_id


async def test_unsharded_settings_build_a_plain_client(services: DiscordServices) -> None:
    """Without DESKBREAK_SHARD_COUNT the bot keeps its single-connection client."""
    client = make_client(services)
    assert not isinstance(client, ShardedDeskbreakClient)
    await client.close()


async def test_two_single_shard_clients_split_the_guilds(
    fake: FakeDiscord, start_sharded: StartSharded
) -> None:
    """Shards 0 and 1 of 2 in two clients: each IDENTIFYs with its own [id, count] and gets
    exactly the guilds Discord routes to it; together they see every guild."""
    zero, one = _two_shard_guilds(fake)
    first = await start_sharded([0])
    second = await start_sharded([1])
    assert fake.identified_shards == {0, 1}
    assert [(str(g.id), g.shard_id) for g in first.guilds] == [(zero, 0)]
    assert [(str(g.id), g.shard_id) for g in second.guilds] == [(one, 1)]
    assert gateway_down(first) is None and gateway_down(second) is None


async def test_a_process_running_one_shard_sees_only_its_guilds(
    fake: FakeDiscord, start_sharded: StartSharded
) -> None:
    """shard_ids [1] of 2: the fake, like Discord, sends only shard 1's guilds."""
    _zero, one = _two_shard_guilds(fake)
    client = await start_sharded([1])
    assert fake.identified_shards == {1}
    assert [str(g.id) for g in client.guilds] == [one]
    assert gateway_down(client) is None


async def test_a_slow_send_whose_lease_expires_is_never_delivered_twice(
    fake: FakeDiscord, start_bot: StartBot, services: DiscordServices, store: Store,
    clock: FakeClock,
) -> None:
    """Owner A posts and waits; its send lease runs out; B takes the row and posts again with
    the same nonce. Discord (the fake) keeps one message, and the ledger ends sent, once."""
    guild = fake.add_guild("desk")
    channel = fake.add_channel(guild, "general")

    async def process(name: str) -> SchedulerService:
        """One bot process: its own client, notifier (and pacer) and lease owner name."""
        notifiers = {Platform.DISCORD: DiscordNotifier(await start_bot(services), store)}
        return SchedulerService(store, notifiers, services.content, clock,
                                instance_id=name, claim_lease=LEASE, send_lease=LEASE)

    slow, other = await process("slow"), await process("other")
    await store.add_schedule(platform="discord", workspace_id=guild.guild_id,
                             channel_id=channel.channel_id, kind="tip",
                             spec=Spec(cron="0 0 1 1 *"), timezone="UTC",
                             next_due=clock.now(), created_by=guild.owner_id)
    fake.hold = asyncio.Event()
    stored = asyncio.Event()
    fake.on_message = stored.set
    first = asyncio.ensure_future(slow.tick())
    await asyncio.wait_for(stored.wait(), READY_WAIT)  # stored by the fake, A not answered
    clock.advance(LEASE + timedelta(seconds=1))
    await other.tick()
    fake.hold.set()
    await first

    assert len(fake.messages[channel.channel_id]) == 1
    nonces = [body["nonce"] for cid, body in fake.create_bodies if cid == channel.channel_id]
    assert len(nonces) == 2 and len(set(nonces)) == 1
    [row] = await store.list_deliveries()
    assert row.status is LedgerStatus.SENT
