"""The platforms deskbreak serves, behind one protocol, each loaded by name when asked for.

Every adapter package has a ``runner`` module with ``build(app) -> PlatformAdapter``. The
registry names those modules as strings and imports one only when that platform runs, so
``deskbreak stretch`` never imports discord.py, and nothing here (or in the wiring that uses
it) imports an adapter: no import circle can form between the wiring and a platform.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol

from bot.core.ports import Notifier, Platform
from bot.observability.health import HealthCheck
from bot.scheduling.commands import CommandNames, SchedulingCommands

if TYPE_CHECKING:
    from bot.app import App

# Exit statuses a platform refusing to start maps to (docs: bot/cli.py).
EXIT_REFUSED = 2

RUNNERS: dict[Platform, str] = {
    Platform.CONSOLE: "bot.adapters.console.runner",
    Platform.DISCORD: "bot.adapters.discord.runner",
    Platform.SLACK: "bot.adapters.slack.runner",
}


class PlatformAdapter(Protocol):
    """One platform in a running process.

    The wiring builds every adapter first (so their notifiers exist), builds ONE scheduler
    holding all the notifiers, attaches the scheduling facade to each, starts them, starts
    the scheduler, and waits until one of them ends; then it stops the scheduler (in-flight
    sends finish while the platforms are still connected) and the adapters.
    """

    @property
    def platform(self) -> Platform: ...

    @property
    def notifier(self) -> Notifier: ...

    @property
    def names(self) -> CommandNames:
        """What scheduling replies call /remind, /schedule and /config here."""
        ...

    def attach(self, scheduling: SchedulingCommands) -> None:
        """Answer scheduling commands with ``scheduling`` (already renamed for ``names``)."""
        ...

    async def start(self) -> None:
        """Connect; return once the platform can deliver. Raise :class:`PlatformRefused`
        (after logging one line that says why) if it never will: a rejected token."""
        ...

    async def wait(self) -> int:
        """Until the platform stops by itself (end of input, a disconnect for good); the
        process's exit status. Chat platforms run until cancelled."""
        ...

    async def stop(self) -> None: ...

    def health(self) -> HealthCheck | None:
        """The /healthz check for this platform's connection, if it has one."""
        ...


class PlatformRefused(Exception):  # noqa: N818 - an outcome with an exit status
    """A platform cannot run (missing or rejected credentials); the reason is already logged."""

    def __init__(self, status: int = EXIT_REFUSED) -> None:
        super().__init__(status)
        self.status = status


class PlatformUnavailable(RuntimeError):
    """``deskbreak run --platform X`` for a platform this build cannot run."""


Build = Callable[["App"], PlatformAdapter]


def builder(platform: Platform) -> Build:
    """The named platform's ``build``, imported now."""
    module = RUNNERS.get(platform)
    if module is None:
        raise PlatformUnavailable(f"the {platform} adapter is not wired into `deskbreak run`")
    build: Build = importlib.import_module(module).build
    return build
