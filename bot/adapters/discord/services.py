"""What the Discord handlers are given: the two command facades and the adapter's small state."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.adapters.discord.kv import KeyValue

if TYPE_CHECKING:
    from bot.core.commands import ContentCommands
    from bot.scheduling.commands import SchedulingCommands


@dataclass(frozen=True, slots=True)
class DiscordServices:
    content: ContentCommands
    kv: KeyValue
    # None only in a content-only deployment (no database); the admin groups are then absent.
    scheduling: SchedulingCommands | None = None
