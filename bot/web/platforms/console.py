"""The console's directory: one workspace, one channel, and the person at the terminal."""

from __future__ import annotations

from bot.adapters.console.adapter import CONSOLE_CHANNEL, CONSOLE_WORKSPACE
from bot.core.ports import Platform
from bot.web.directory import Channel, Workspace

# The person who runs `deskbreak run` in a terminal (the console adapter's Actor).
CONSOLE_USER = "console-user"


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
