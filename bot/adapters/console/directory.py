"""The console's directory for the admin dashboard (bot/web): one workspace, one channel,
and the person at the terminal."""

from __future__ import annotations

from bot.adapters.console.adapter import CONSOLE_CHANNEL, CONSOLE_USER, CONSOLE_WORKSPACE
from bot.core.clock import Clock
from bot.core.ports import Notifier, Platform
from bot.settings import Settings
from bot.web.directory import Channel, Directory, Workspace


class ConsoleDirectory:
    platform = Platform.CONSOLE

    async def workspace(self, workspace_id: str) -> Workspace | None:
        if workspace_id != CONSOLE_WORKSPACE:
            return None
        return Workspace(Platform.CONSOLE, CONSOLE_WORKSPACE, "This computer")

    async def is_admin(self, workspace_id: str, user_id: str) -> bool:
        return workspace_id == CONSOLE_WORKSPACE and user_id == CONSOLE_USER

    async def channels(self, workspace_id: str) -> list[Channel]:
        return [Channel(CONSOLE_CHANNEL, "console")]

    async def channel_names(self, workspace_id: str, ids: set[str]) -> dict[str, str]:
        return {i: i for i in ids}


def directory(notifier: Notifier, clock: Clock, settings: Settings) -> Directory:
    return ConsoleDirectory()
