"""Slack as a platform (bot/platforms.py): the Bolt app and its notifier, from the built App.

The bot token is checked once with auth.test before anything starts, so a wrong or revoked
token is one clear line and exit status 2 rather than a stream of failed requests. Secrets are
read from their SecretStr only where they are handed to the Slack SDK and are never logged.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

from slack_sdk.errors import SlackApiError

from bot.adapters.slack.adapter import SlackAdapter, SlackConfig
from bot.adapters.slack.errors import NETWORK_ERRORS, api_error
from bot.adapters.slack.groups import SlackGroupChannel
from bot.adapters.slack.pacer import ChannelPacer
from bot.adapters.slack.presence import SlackPresence, presence_client
from bot.core.ports import Platform
from bot.observability.health import HealthCheck
from bot.observability.listening import CannotListen
from bot.platforms import Build, PlatformRefused
from bot.scheduling.commands import SchedulingCommands

if TYPE_CHECKING:
    from bot.app import App

log = logging.getLogger(__name__)

EXIT_BAD_CONFIG = 2


class SlackPlatform:
    """Serves Slack until cancelled (bot/shutdown.py owns SIGTERM/SIGINT and cancels it)."""

    platform = Platform.SLACK

    def __init__(self, adapter: SlackAdapter, presence: SlackPresence | None = None) -> None:
        self.adapter = adapter
        self.notifier = adapter.notifier
        self.names = adapter.command_names
        # DND, away and a busy status hold personal nudges (DESKBREAK_SLACK_PRESENCE).
        self.presence = presence

    def attach(self, scheduling: SchedulingCommands) -> None:
        self.adapter.use_scheduling(scheduling)

    async def start(self) -> None:
        if not await token_works(self.adapter):
            raise PlatformRefused(EXIT_BAD_CONFIG)
        try:
            await self.adapter.start()
        except CannotListen as exc:
            log.error("%s", exc)
            raise PlatformRefused(EXIT_BAD_CONFIG) from None
        if self.presence is not None:
            self.presence.open()

    async def wait(self) -> int:
        # Until cancelled: a handler of our own for SIGTERM would replace the shared one (a
        # second SIGTERM during clean-up would then kill the process).
        await asyncio.Future()
        return 0

    async def stop(self) -> None:
        await self.adapter.stop()
        if self.presence is not None:
            await self.presence.close()

    def health(self) -> HealthCheck | None:
        return self.adapter.health


def build(app: App) -> SlackPlatform:
    """The adapter on the App's content, clock, store (its DM-channel cache) and cooldown;
    every wait for Slack's rate limits (our pacing and Retry-After) is counted in metrics."""
    try:
        web = app.settings.web
        # Pictures by URL only while the dashboard that serves them runs (port 0: it doesn't).
        public_url = web.public_url if web.port else None
        config = SlackConfig.from_settings(app.settings.slack, public_url=public_url)
    except ValueError as exc:
        log.error("Slack is not configured: %s", exc)
        raise PlatformRefused(EXIT_BAD_CONFIG) from None
    adapter = SlackAdapter(
        config,
        app.content,
        kv=app.store,
        clock=app.clock,
        sleep=app.metrics.paced_sleep(Platform.SLACK),
        cooldown=app.cooldown,
        guided=app.guided,
    )
    app.group_channels[Platform.SLACK] = SlackGroupChannel(
        adapter.client, ChannelPacer(app.clock, app.metrics.paced_sleep(Platform.SLACK)))
    meetings = app.settings.meetings
    presence = None
    if meetings.slack_presence:
        client = presence_client(config.bot_token.get_secret_value(), base_url=config.base_url)
        presence = SlackPresence(client, app.clock, meetings.status_rules())
    return SlackPlatform(adapter, presence)


async def token_works(adapter: SlackAdapter) -> bool:
    """One auth.test before start-up: a bad token is reported once, by its Slack error code."""
    try:
        identity = await adapter.client.auth_test()
    except SlackApiError as exc:
        log.error("Slack rejected SLACK_BOT_TOKEN (%s); not starting", api_error(exc))
        return False
    except NETWORK_ERRORS as exc:
        log.error("Could not reach Slack to check the bot token: %s", type(exc).__name__)
        return False
    log.info("Slack bot %s in workspace %s", identity.get("user_id"), identity.get("team_id"))
    return True


if TYPE_CHECKING:
    _conforms: Build = build  # mypy holds this platform to the PlatformAdapter protocol
