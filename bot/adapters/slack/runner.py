"""Run deskbreak on Slack: Bolt app + notifier + scheduler, from the built App.

``bot/app.py`` calls :func:`serve_slack` when the Slack credentials are set. The bot token is
checked once with auth.test before anything starts, so a wrong or revoked token is one clear
line and exit status 2 rather than a stream of failed requests. Secrets are read from their
SecretStr only where they are handed to the Slack SDK and are never logged.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING

from slack_sdk.errors import SlackApiError

from bot.adapters.slack.adapter import SlackAdapter, SlackConfig
from bot.adapters.slack.errors import NETWORK_ERRORS, api_error
from bot.core.ports import Platform

if TYPE_CHECKING:
    from bot.app import App

log = logging.getLogger(__name__)

EXIT_BAD_CONFIG = 2


def build_slack(app: App, config: SlackConfig) -> SlackAdapter:
    """The adapter on the App's content, clock and store (its DM-channel cache); every wait for
    Slack's rate limits (our pacing and Retry-After) is counted in the App's metrics."""
    return SlackAdapter(
        config,
        app.content,
        kv=app.store,
        clock=app.clock,
        sleep=app.metrics.paced_sleep(Platform.SLACK),
        cooldown=app.cooldown,
    )


async def serve_slack(app: App) -> int:
    """Run Slack alone until SIGTERM/SIGINT; the App's store is migrated by ``bot.app.serve``."""
    try:
        config = SlackConfig.from_settings(app.settings.slack)
    except ValueError as exc:
        log.error("Slack is not configured: %s", exc)
        return EXIT_BAD_CONFIG
    return await run_slack(app, config)


async def run_slack(app: App, config: SlackConfig) -> int:
    """Serve Slack with its scheduler until cancelled; 2 if Slack refused the token."""
    from bot.app import build_scheduling

    async with running_slack(app, config) as adapter:
        if adapter is None:
            return EXIT_BAD_CONFIG
        scheduling = build_scheduling(
            app, {Platform.SLACK: adapter.notifier}, names=adapter.command_names
        )
        adapter.use_scheduling(scheduling.commands)
        try:
            # Inside the try: a stop during start-up's resends still stops the scheduler,
            # which lets those resends finish.
            await scheduling.service.start()
            # Until cancelled: bot/shutdown.py's run_until_signalled owns SIGTERM/SIGINT and
            # cancels us. A handler of our own would replace its handler (a second SIGTERM
            # during clean-up would then kill the process) and removing it would leave none.
            await asyncio.Future()
        finally:
            await scheduling.service.stop()
    return 0


@contextlib.asynccontextmanager
async def running_slack(app: App, config: SlackConfig) -> AsyncIterator[SlackAdapter | None]:
    """The adapter, token-checked and started (None if Slack refused the token); stopped after.

    The caller builds scheduling around ``adapter.notifier`` (together with other platforms'
    notifiers when several run in one process) and attaches it with ``use_scheduling``.
    """
    adapter = build_slack(app, config)
    if not await token_works(adapter):
        yield None
        return
    await adapter.start()
    if "slack" not in app.health.names():
        app.health.add("slack", adapter.health)
    try:
        yield adapter
    finally:
        await adapter.stop()


@contextlib.asynccontextmanager
async def slack_alongside(app: App) -> AsyncIterator[SlackAdapter | None]:
    """Slack next to another platform's runner; None when Slack is not configured or refused.

    One process must have ONE scheduler holding every platform's notifier (the store's due
    rows are not split by platform), so another runner uses this and passes
    ``{..., Platform.SLACK: adapter.notifier}`` to ``build_scheduling``.
    """
    if app.settings.slack.bot_token is None:
        yield None
        return
    try:
        config = SlackConfig.from_settings(app.settings.slack)
    except ValueError as exc:
        log.error("Slack is not configured: %s", exc)
        yield None
        return
    async with running_slack(app, config) as adapter:
        yield adapter


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
