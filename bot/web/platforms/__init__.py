"""One :class:`bot.web.directory.Directory` per platform this process serves.

Built from the notifiers the scheduler was given, so the dashboard talks to the same running
clients as everything else (the Discord gateway cache, the paced Slack WebClient) instead of
opening connections of its own.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot.core.clock import Clock
from bot.core.ports import Notifier, Platform
from bot.web.directory import Directory


def directories_for(
    notifiers: Mapping[Platform, Notifier], clock: Clock, settings: Any
) -> dict[Platform, Directory]:
    out: dict[Platform, Directory] = {}
    for platform, notifier in notifiers.items():
        if platform is Platform.CONSOLE:
            from bot.web.platforms.console import ConsoleDirectory

            out[platform] = ConsoleDirectory()
        elif platform is Platform.DISCORD:
            from bot.web.platforms.discord import DiscordDirectory

            out[platform] = DiscordDirectory(notifier.client, clock)  # type: ignore[attr-defined]
        elif platform is Platform.SLACK:
            from bot.web.platforms.slack import SlackDirectory

            out[platform] = SlackDirectory(
                notifier.client,  # type: ignore[attr-defined]
                clock,
                getattr(settings, "slack_admin_ids", ()),
            )
    return out
