"""Slash commands are synced only when the command tree's payload changed."""

from __future__ import annotations

from bot.adapters.discord.services import DiscordServices
from bot.adapters.discord.sync import tree_hash
from bot.storage import Store
from tests.adapters.discord.conftest import StartBot, World
from tests.fakes.discord import FakeDiscord


async def test_first_start_syncs_globally_and_stores_the_hash(
    fake: FakeDiscord, world: World, start_bot: StartBot, services: DiscordServices, store: Store
) -> None:
    """The first start PUTs the global commands once and remembers the tree's hash."""
    bot = await start_bot(services)
    assert [guild for guild, _ in fake.command_syncs] == [None]
    assert await store.kv_get("discord", "commands:global") == tree_hash(bot.tree, None)


async def test_restart_with_the_same_tree_does_not_sync(
    fake: FakeDiscord, world: World, start_bot: StartBot, services: DiscordServices
) -> None:
    """A second start with an unchanged tree makes no command request at all."""
    first = await start_bot(services)
    await first.close()
    await start_bot(services)
    assert len(fake.command_syncs) == 1
    puts = [r for r in fake.requests if r[0] == "PUT" and r[1].endswith("/commands")]
    assert len(puts) == 1


async def test_changed_tree_syncs_again(
    fake: FakeDiscord, world: World, start_bot: StartBot, services: DiscordServices, store: Store
) -> None:
    """A stored hash that no longer matches (commands changed) triggers a new sync."""
    await store.kv_set("discord", "commands:global", "hash-of-an-older-tree")
    await start_bot(services)
    assert len(fake.command_syncs) == 1


async def test_dev_guild_syncs_only_that_guild(
    fake: FakeDiscord, world: World, start_bot: StartBot, services: DiscordServices
) -> None:
    """With DISCORD_DEV_GUILD set, the commands go to that guild and not globally."""
    await start_bot(services, dev_guild_id=int(world.guild.guild_id))
    assert [guild for guild, _ in fake.command_syncs] == [world.guild.guild_id]
    names = {c["name"] for c in fake.guild_commands[world.guild.guild_id]}
    assert {"stretch", "stretches", "tip", "break", "redflags", "about"} <= names
    assert fake.global_commands == []
