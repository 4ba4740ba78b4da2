"""What the Slack listeners are given: the facades that answer, the admin check, the cooldown.

The facades are the same objects the Discord and console adapters answer from (through the
command table), so every platform answers alike. Scheduling is attached after the adapter
exists, because it is built around the adapter's own notifier.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.adapters.slack.admins import AdminResolver
from bot.commands.call import Facades
from bot.core.cooldown import Cooldown

if TYPE_CHECKING:
    from bot.adapters.slack.guided import SlackGuided


@dataclass(slots=True)
class Services:
    facades: Facades
    admins: AdminResolver
    # The per-person command cooldown; None (tests, benchmarks) means no limit.
    cooldown: Cooldown | None = None
    # Shows guided runs (a DM message updated paced); None where the facade is not wired.
    live: SlackGuided | None = None
