"""What the Discord handlers are given: the two command facades and the adapter's small state."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.adapters.discord.kv import KeyValue

if TYPE_CHECKING:
    from bot.core.commands import ContentCommands
    from bot.core.cooldown import Cooldown
    from bot.scheduling.commands import SchedulingCommands


@dataclass(frozen=True, slots=True)
class DiscordServices:
    content: ContentCommands
    kv: KeyValue
    # None only in a content-only deployment (no database); the admin groups are then absent.
    scheduling: SchedulingCommands | None = None
    # The notifier's ``prepare_dm``: /remind on opens the person's DM channel ahead of time.
    prepare_dm: Callable[[str, int | None], None] | None = None
    # The per-person command cooldown; None (tests, benchmarks) means no limit.
    cooldown: Cooldown | None = None
