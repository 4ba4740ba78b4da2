"""The console as a platform: ``deskbreak run`` with no token (bot/platforms.py)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.adapters.console.adapter import ConsoleAdapter
from bot.commands.help import command_names
from bot.commands.table import TABLE
from bot.core.ports import Platform
from bot.observability.health import HealthCheck
from bot.platforms import Build
from bot.scheduling.commands import SchedulingCommands

if TYPE_CHECKING:
    from bot.app import App


class ConsolePlatform:
    """The REPL on stdin/stdout; it ends at /quit or the end of input."""

    platform = Platform.CONSOLE
    names = command_names(TABLE, Platform.CONSOLE)

    def __init__(self, console: ConsoleAdapter) -> None:
        self.console = console
        self.notifier = console.notifier

    def attach(self, scheduling: SchedulingCommands) -> None:
        self.console.attach(scheduling)

    async def start(self) -> None:
        return None

    async def wait(self) -> int:
        return await self.console.run()

    async def stop(self) -> None:
        return None

    def health(self) -> HealthCheck | None:
        return None


def build(app: App) -> ConsolePlatform:
    return ConsolePlatform(ConsoleAdapter(app.content))


if TYPE_CHECKING:
    _conforms: Build = build  # mypy holds this platform to the PlatformAdapter protocol
