"""SchedulingCommands: /schedule, /config, /remind and the nudge buttons, for every platform.

One facade assembled from one module per command group (``schedules.py``, ``workspace.py``,
``reminders.py``, ``nudges.py``). Each method takes the :class:`Actor` first and returns a
:class:`Message`; admin methods are wrapped by ``base.admin_only``. A refused or malformed
request changes nothing, which the tests check by comparing the whole database before and
after.
"""

from __future__ import annotations

from bot.scheduling.commands.base import (
    ADMIN_ONLY,
    ChannelChecker,
    CommandNames,
    notifier_channel_checker,
)
from bot.scheduling.commands.calendar import CalendarCommands
from bot.scheduling.commands.nudges import NudgeButtons
from bot.scheduling.commands.schedules import KINDS, ScheduleCommands
from bot.scheduling.commands.workspace import ConfigCommands, set_workspace_zone
from bot.scheduling.timezones import search_timezones


class SchedulingCommands(ScheduleCommands, ConfigCommands, NudgeButtons, CalendarCommands):
    """The scheduling facade every adapter calls (through the command table)."""

    def timezone_choices(self, text: str, limit: int = 25) -> list[str]:
        return search_timezones(text, limit)


__all__ = [
    "ADMIN_ONLY",
    "KINDS",
    "ChannelChecker",
    "CommandNames",
    "SchedulingCommands",
    "notifier_channel_checker",
    "set_workspace_zone",
]
