"""Run deskbreak on Discord: client + notifier + scheduler, from the built App.

``bot/app.py`` calls :func:`serve_discord` when DISCORD_TOKEN is set. The token is read from
its SecretStr only at the moment it is handed to discord.py and never logged.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import replace

from bot.adapters.discord.client import DeskbreakClient, LoginRejected, run_client
from bot.adapters.discord.notifier import DiscordNotifier
from bot.adapters.discord.services import DiscordServices
from bot.app import App, build_scheduling
from bot.core.ports import Platform
from bot.scheduling.service import SchedulerService

log = logging.getLogger(__name__)

EXIT_BAD_TOKEN = 2


async def serve_discord(app: App) -> int:
    """Run until disconnected for good; ``bot.app.serve`` has migrated the store already."""
    settings = app.settings
    if settings.discord_token is None:
        log.error("DISCORD_TOKEN (or DISCORD_TOKEN_FILE) is not set")
        return EXIT_BAD_TOKEN
    client = DeskbreakClient(DiscordServices(content=app.content, kv=app.store),
                             dev_guild_id=settings.discord_dev_guild)
    notifier = DiscordNotifier(client, app.store)
    scheduling = build_scheduling(app, {Platform.DISCORD: notifier})
    client.services = replace(client.services, scheduling=scheduling.commands)
    starter = asyncio.create_task(_start_when_connected(client, scheduling.service))
    try:
        await run_client(client, settings.discord_token.get_secret_value())
    except LoginRejected as exc:
        log.error("%s", exc)
        return EXIT_BAD_TOKEN
    finally:
        starter.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await starter
        await scheduling.service.stop()
    return 0


async def _start_when_connected(client: DeskbreakClient, scheduler: SchedulerService) -> None:
    """Deliveries need the gateway's guild cache (channel checks), so wait for READY."""
    await client.connected.wait()
    await scheduler.start()
