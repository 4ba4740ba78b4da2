"""What the Slack listeners are given: the two core facades and the admin check.

Listeners only parse, call one of these and render; the facades are the same objects the
Discord and console adapters call, so every platform answers alike. Scheduling is attached
after the adapter exists, because it is built around the adapter's own notifier.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.adapters.slack.admins import AdminResolver
from bot.core.commands import ContentCommands
from bot.core.cooldown import Cooldown
from bot.scheduling.commands import SchedulingCommands


class SchedulingUnavailable(RuntimeError):
    """A scheduling command arrived before scheduling was attached (or in a build without it)."""


@dataclass(slots=True)
class Services:
    content: ContentCommands
    admins: AdminResolver
    scheduling_commands: SchedulingCommands | None = None
    # The per-person command cooldown; None (tests, benchmarks) means no limit.
    cooldown: Cooldown | None = None

    @property
    def scheduling(self) -> SchedulingCommands:
        if self.scheduling_commands is None:
            raise SchedulingUnavailable
        return self.scheduling_commands
