"""The console as a platform: ``deskbreak run`` with no token (bot/platforms.py)."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from bot.adapters.console.adapter import CONSOLE_WORKSPACE, ConsoleAdapter
from bot.adapters.console.files import SAVED
from bot.adapters.console.groups import ConsoleGroupChannel
from bot.adapters.console.localzone import adopt_local_zone
from bot.adapters.console.terminal import history_path
from bot.commands.help import command_names
from bot.commands.table import TABLE
from bot.core.ports import Platform
from bot.observability.health import HealthCheck
from bot.platforms import Build
from bot.scheduling.commands import SchedulingCommands
from bot.storage.errors import StorageError
from bot.storage.paths import data_folder

if TYPE_CHECKING:
    from bot.app import App


log = logging.getLogger(__name__)
# What a locked or unreachable database raises (a refused connection is a bare OSError).
_DATABASE_DOWN: tuple[type[Exception], ...] = (StorageError, OSError)


class ConsolePlatform:
    """The REPL on stdin/stdout; it ends at /quit or the end of input."""

    platform = Platform.CONSOLE
    names = command_names(TABLE, Platform.CONSOLE)

    def __init__(self, console: ConsoleAdapter, app: App) -> None:
        self.console = console
        self.notifier = console.notifier
        self._app = app

    def attach(self, scheduling: SchedulingCommands) -> None:
        self.console.attach(scheduling)

    async def start(self) -> None:
        """The person at this computer gets their 09:00, not UTC's: the console workspace
        takes the machine's time zone before the scheduler times anything."""
        app = self._app
        try:
            zone = await adopt_local_zone(app.store, app.clock, CONSOLE_WORKSPACE)
        except _DATABASE_DOWN as exc:
            # A locked or unreachable database must not end the console before it starts:
            # one line (never the SQL or its parameters), and the zone stays as stored.
            log.warning("couldn't set the console to this computer's time zone (%s); times"
                        " stay in the zone stored before", exc)
            return
        self.console.notes.append(zone.describe())

    async def wait(self) -> int:
        return await self.console.run()

    async def stop(self) -> None:
        return None

    def health(self) -> HealthCheck | None:
        return None


def build(app: App) -> ConsolePlatform:
    # Line-editor history and saved pictures beside the SQLite database (data/ by default).
    settings = app.settings
    files = settings.pictures_dir or data_folder(settings.database.url) / SAVED
    console = ConsoleAdapter(app.content, history=history_path(settings.database.url),
                             files=files, guided=app.guided)
    app.group_channels[Platform.CONSOLE] = ConsoleGroupChannel(console.output)
    return ConsolePlatform(console, app)


if TYPE_CHECKING:
    _conforms: Build = build  # mypy holds this platform to the PlatformAdapter protocol
