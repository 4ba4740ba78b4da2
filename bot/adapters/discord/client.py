"""The Discord client: builds the command tree from the per-group modules and runs the bot.

Nothing here is module-level state: each :class:`DeskbreakClient` is wired from the services
it is given, so tests can start several (before and after a "restart") against a fake Discord.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from typing import Any

import discord

from bot.adapters.discord import config, presence, remind, schedule, stretch, views
from bot.adapters.discord.render import no_mentions
from bot.adapters.discord.respond import DEFAULT_DEFER_AFTER
from bot.adapters.discord.services import DiscordServices
from bot.adapters.discord.sync import sync_if_changed
from bot.adapters.discord.tree import DeskbreakTree

log = logging.getLogger(__name__)

# Longest 429 wait discord.py may sit out inside a request before raising RateLimited;
# a delivery that would wait longer is handed back to the scheduler as RETRY instead.
MAX_RATELIMIT_WAIT = 30.0


class LoginRejected(RuntimeError):
    """Discord refused the token (401): retrying cannot help, a person has to fix it."""


class DeskbreakClient(discord.Client):
    def __init__(
        self,
        services: DiscordServices,
        *,
        dev_guild_id: int | None = None,
        sync_commands: bool = True,
        defer_after: float = DEFAULT_DEFER_AFTER,
        **options: Any,
    ) -> None:
        options.setdefault("intents", discord.Intents(guilds=True))
        # Nothing the bot sends may ping anyone (send_kwargs also says so on every send).
        options.setdefault("allowed_mentions", no_mentions())
        options.setdefault("max_ratelimit_timeout", MAX_RATELIMIT_WAIT)
        super().__init__(**options)
        self.services = services
        self.dev_guild_id = dev_guild_id
        self.sync_commands = sync_commands
        self.defer_after = defer_after
        # Set once the gateway has delivered every server: the scheduler may start delivering.
        self.connected = asyncio.Event()
        self.tree = DeskbreakTree(self)

    def install(self) -> None:
        """Register every command group and the persistent buttons from ``self.services``.

        Called from ``setup_hook`` rather than ``__init__`` so the runner can first build the
        scheduling facade, which needs this client's notifier, and then set ``services``.
        """
        for group in (stretch, schedule, config, remind):
            group.register(self.tree, self.services)
        views.register(self, self.services)

    async def setup_hook(self) -> None:
        self.install()
        if self.sync_commands:
            await sync_if_changed(self.tree, self.services.kv, self.dev_guild_id)

    async def connect(self, *, reconnect: bool = True) -> None:
        # DESKBREAK_DISCORD_PRESENCE asks for privileged intents; Discord refuses them (4014)
        # unless the portal allows them, and then the bot carries on without presence checks.
        await presence.connect_or_fall_back(self, super().connect, reconnect=reconnect)

    async def on_ready(self) -> None:
        log.info("connected to Discord as %s in %d servers", self.user, len(self.guilds))
        self.connected.set()


class ShardedDeskbreakClient(DeskbreakClient, discord.AutoShardedClient):
    """The same bot over several gateway shards in one process (``shard_ids`` of
    ``shard_count``); other processes run the other shards against the same database.

    With an explicit ``shard_count`` discord.py connects to the default gateway URL rather
    than asking ``GET /gateway/bot``; each shard IDENTIFYs with ``[shard_id, shard_count]``
    and Discord sends it only the guilds with ``(guild_id >> 22) % shard_count == shard_id``.
    """


def make_client(
    services: DiscordServices,
    *,
    shard_count: int | None = None,
    shard_ids: Sequence[int] | None = None,
    **options: Any,
) -> DeskbreakClient:
    """A single-connection client, or a sharded one when DESKBREAK_SHARD_COUNT is set."""
    if shard_count is None:
        return DeskbreakClient(services, **options)
    ids = list(shard_ids) if shard_ids is not None else list(range(shard_count))
    return ShardedDeskbreakClient(services, shard_count=shard_count, shard_ids=ids, **options)


def gateway_down(client: discord.Client) -> str | None:
    """None while every gateway connection this client runs is up, else why not (/healthz)."""
    if client.is_closed() or not client.is_ready():
        return "not connected to the Discord gateway"
    if isinstance(client, discord.AutoShardedClient):
        closed = sorted(i for i, shard in client.shards.items() if shard.is_closed())
        if closed or not client.shards:
            return f"Discord gateway shards {closed} are disconnected"
        return None
    if client.ws is None or not client.ws.open:
        return "not connected to the Discord gateway"
    return None


async def run_client(client: DeskbreakClient, token: str) -> None:
    """Log in and stay connected; a rejected token is raised once, never retried."""
    try:
        async with client:
            await client.start(token, reconnect=True)
    except discord.LoginFailure as exc:
        raise LoginRejected(
            "Discord rejected the bot token (401 Unauthorized). Check DISCORD_TOKEN or "
            "DISCORD_TOKEN_FILE: copy the token again from the Developer Portal's Bot page."
        ) from exc
