"""Run deskbreak on Discord: client + notifier + scheduler, from the built App.

``bot/app.py`` calls :func:`serve_discord` when DISCORD_TOKEN is set. The token is read from
its SecretStr only at the moment it is handed to discord.py and never logged.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import replace
from typing import TYPE_CHECKING

import discord
import yarl

from bot.adapters.discord.client import (
    DeskbreakClient,
    LoginRejected,
    gateway_down,
    make_client,
    run_client,
)
from bot.adapters.discord.notifier import DiscordNotifier
from bot.adapters.discord.pacer import Pacer
from bot.adapters.discord.services import DiscordServices
from bot.app import App, build_scheduling
from bot.core.ports import Notifier, Platform
from bot.scheduling.service import SchedulerService

if TYPE_CHECKING:
    from bot.adapters.slack.adapter import SlackAdapter

log = logging.getLogger(__name__)

EXIT_BAD_TOKEN = 2


async def serve_discord(app: App, *, slack: SlackAdapter | None = None) -> int:
    """Run until disconnected for good; ``bot.app.serve`` has migrated the store already.

    ``slack``, an already started Slack adapter, joins this process: the ONE scheduler holds
    both notifiers and each adapter gets its own scheduling facade.
    """
    settings = app.settings.discord
    shards = app.settings.shards
    if settings.token is None:
        log.error("DISCORD_TOKEN (or DISCORD_TOKEN_FILE) is not set")
        return EXIT_BAD_TOKEN
    point_at(settings.api_base, settings.gateway_url)
    # DESKBREAK_SHARD_COUNT/IDS: this process runs only those gateway shards; the scheduler
    # (build_scheduling) claims only their guilds' schedules (bot/storage/scope.py).
    client = make_client(
        DiscordServices(content=app.content, kv=app.store, cooldown=app.cooldown),
        dev_guild_id=settings.dev_guild, shard_count=shards.count, shard_ids=shards.ids,
    )
    pacer = Pacer(sleep=app.metrics.paced_sleep(Platform.DISCORD))
    notifier = DiscordNotifier(client, app.store, pacer)
    notifiers: dict[Platform, Notifier] = {Platform.DISCORD: notifier}
    if slack is not None:
        notifiers[Platform.SLACK] = slack.notifier
    scheduling = build_scheduling(app, notifiers)
    client.services = replace(client.services, scheduling=scheduling.commands,
                              prepare_dm=notifier.prepare_dm)
    if slack is not None:
        slack.use_scheduling(scheduling.commands_for(slack.command_names))
    if "discord" not in app.health.names():
        app.health.add("discord", lambda: gateway_down(client))
    starter = asyncio.create_task(_start_when_connected(client, scheduling.service))
    # The connection runs as its own task so that a stop (SIGTERM cancels this coroutine)
    # can stop the scheduler while the client is still open: in-flight sends then finish
    # instead of failing on a closed HTTP session.
    connection = asyncio.create_task(
        run_client(client, settings.token.get_secret_value())
    )
    try:
        await asyncio.wait({connection})
        connection.result()
    except LoginRejected as exc:
        log.error("%s", exc)
        return EXIT_BAD_TOKEN
    finally:
        starter.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await starter
        await scheduling.service.stop()
        await client.close()
        await asyncio.wait({connection})
    return 0


def point_at(api_base: str | None, gateway_url: str | None) -> None:
    """Send REST and gateway traffic to a fake Discord (benchmarks, end-to-end runs).

    discord.py reads both class attributes on every request and connect, so setting them once
    before the client starts is enough. Settings only accept loopback addresses here.
    """
    if api_base:
        discord.http.Route.BASE = api_base
    if gateway_url:
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(gateway_url)


async def _start_when_connected(client: DeskbreakClient, scheduler: SchedulerService) -> None:
    """Deliveries need the gateway's guild cache (channel checks), so wait for READY."""
    await client.connected.wait()
    await scheduler.start()
