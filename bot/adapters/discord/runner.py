"""Discord as a platform (bot/platforms.py): client + notifier, from the built App.

The token is read from its SecretStr only at the moment it is handed to discord.py and never
logged. The connection runs as its own task so that a stop can stop the scheduler while the
client is still open: in-flight sends then finish instead of failing on a closed session.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import replace
from typing import TYPE_CHECKING

import discord
import yarl
from pydantic import SecretStr

from bot.adapters.discord.client import (
    DeskbreakClient,
    LoginRejected,
    gateway_down,
    make_client,
    run_client,
)
from bot.adapters.discord.notifier import DiscordNotifier
from bot.adapters.discord.pacer import Pacer
from bot.adapters.discord.presence import DiscordPresence, presence_intents
from bot.adapters.discord.services import DiscordServices
from bot.commands.help import command_names
from bot.commands.table import TABLE
from bot.core.ports import Platform
from bot.observability.health import HealthCheck
from bot.platforms import Build, PlatformRefused
from bot.scheduling.commands import SchedulingCommands

if TYPE_CHECKING:
    from bot.app import App

log = logging.getLogger(__name__)

EXIT_BAD_TOKEN = 2


class DiscordPlatform:
    """One client (sharded when DESKBREAK_SHARD_COUNT is set) and its notifier."""

    platform = Platform.DISCORD
    names = command_names(TABLE, Platform.DISCORD)

    def __init__(self, client: DeskbreakClient, notifier: DiscordNotifier, token: SecretStr,
                 presence: DiscordPresence | None = None) -> None:
        self.client = client
        self.notifier = notifier
        # Offline / Do Not Disturb hold personal nudges, with DESKBREAK_DISCORD_PRESENCE=1
        # (privileged intents; refused by the portal -> one log line, no presence checks).
        self.presence = presence
        self._token = token
        self._connection: asyncio.Task[None] | None = None

    def attach(self, scheduling: SchedulingCommands) -> None:
        self.client.services = replace(self.client.services, scheduling=scheduling)

    async def start(self) -> None:
        """Log in and wait for the gateway's guilds (channel checks need them) before the
        scheduler may deliver; a rejected token is one line and exit status 2."""
        self._connection = asyncio.create_task(
            run_client(self.client, self._token.get_secret_value())
        )
        ready = asyncio.ensure_future(self.client.connected.wait())
        done, _ = await asyncio.wait({ready, self._connection},
                                     return_when=asyncio.FIRST_COMPLETED)
        if self._connection in done:
            ready.cancel()
            self._connection_result()

    async def wait(self) -> int:
        """Until the connection ends for good."""
        assert self._connection is not None
        await asyncio.wait({self._connection})
        self._connection_result()
        return 0

    def _connection_result(self) -> None:
        assert self._connection is not None
        try:
            self._connection.result()
        except LoginRejected as exc:
            log.error("%s", exc)
            raise PlatformRefused(EXIT_BAD_TOKEN) from None

    async def stop(self) -> None:
        await self.client.close()
        if self._connection is not None:
            await asyncio.wait({self._connection})

    def health(self) -> HealthCheck | None:
        return lambda: gateway_down(self.client)


def build(app: App) -> DiscordPlatform:
    """DESKBREAK_SHARD_COUNT/IDS: this process runs only those gateway shards; the scheduler
    claims only their guilds' schedules (bot/storage/scope.py)."""
    settings = app.settings.discord
    if settings.token is None:
        log.error("DISCORD_TOKEN (or DISCORD_TOKEN_FILE) is not set")
        raise PlatformRefused(EXIT_BAD_TOKEN)
    point_at(settings.api_base, settings.gateway_url)
    shards = app.settings.shards
    meetings = app.settings.meetings
    client = make_client(
        DiscordServices(content=app.content, kv=app.store, cooldown=app.cooldown),
        dev_guild_id=settings.dev_guild, shard_count=shards.count, shard_ids=shards.ids,
        intents=presence_intents(meetings.discord_presence),
    )
    notifier = DiscordNotifier(
        client, app.store, Pacer(sleep=app.metrics.paced_sleep(Platform.DISCORD))
    )
    client.services = replace(client.services, prepare_dm=notifier.prepare_dm)
    presence = (DiscordPresence(client, meetings.status_rules())
                if meetings.discord_presence else None)
    return DiscordPlatform(client, notifier, settings.token, presence)


def point_at(api_base: str | None, gateway_url: str | None) -> None:
    """Send REST and gateway traffic to a fake Discord (benchmarks, end-to-end runs).

    discord.py reads both class attributes on every request and connect, so setting them once
    before the client starts is enough. Settings only accept loopback addresses here.
    """
    if api_base:
        discord.http.Route.BASE = api_base
    if gateway_url:
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(gateway_url)


if TYPE_CHECKING:
    _conforms: Build = build  # mypy holds this platform to the PlatformAdapter protocol
