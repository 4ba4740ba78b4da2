"""One :class:`bot.web.directory.Directory` per platform this process serves.

Built from the notifiers the scheduler was given, so the dashboard talks to the same running
clients as everything else (the Discord gateway cache, the paced Slack WebClient) instead of
opening connections of its own. Each platform's directory lives in its adapter
(``bot.adapters.<x>.directory``, a ``directory(notifier, clock, settings)`` function), named
here as a string and imported only for a platform that runs, as bot/platforms.py does for
the adapters themselves: the dashboard imports no platform library.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping

from bot.core.clock import Clock
from bot.core.ports import Notifier, Platform
from bot.settings import Settings
from bot.web.directory import Directory

DIRECTORIES: dict[Platform, str] = {
    Platform.CONSOLE: "bot.adapters.console.directory",
    Platform.DISCORD: "bot.adapters.discord.directory",
    Platform.SLACK: "bot.adapters.slack.directory",
}

BuildDirectory = Callable[[Notifier, Clock, Settings], Directory]


def directories_for(
    notifiers: Mapping[Platform, Notifier], clock: Clock, settings: Settings
) -> dict[Platform, Directory]:
    out: dict[Platform, Directory] = {}
    for platform, notifier in notifiers.items():
        module = DIRECTORIES.get(platform)
        if module is not None:
            build: BuildDirectory = importlib.import_module(module).directory
            out[platform] = build(notifier, clock, settings)
    return out
