"""What the Discord handlers are given: the facades that answer and the adapter's small state."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.adapters.discord.kv import KeyValue
from bot.commands.call import Facades

if TYPE_CHECKING:
    from bot.core.commands import ContentCommands
    from bot.core.cooldown import Cooldown
    from bot.core.guided.commands import GuidedCommands
    from bot.scheduling.commands import SchedulingCommands


@dataclass(frozen=True, slots=True)
class DiscordServices:
    content: ContentCommands
    kv: KeyValue
    # None until the scheduler is attached (or in a build without one): scheduling commands
    # then answer that they are not running.
    scheduling: SchedulingCommands | None = None
    # The notifier's ``prepare_dm``: /remind on opens the person's DM channel ahead of time.
    prepare_dm: Callable[[str, int | None], None] | None = None
    # The per-person command cooldown; None (tests, benchmarks) means no limit.
    cooldown: Cooldown | None = None
    # Start / Stop / /routine; None: those answer that guided stretches are not running.
    guided: GuidedCommands | None = None

    @property
    def facades(self) -> Facades:
        return Facades(self.content, self.scheduling, self.guided)
