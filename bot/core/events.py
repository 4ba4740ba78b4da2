"""What happened to a break: the events stats are built from (issue 13).

Every part that sees a break happen records it here, where it happens: the nudge buttons and
``/done`` (a break taken), the scheduler's settle step (a nudge delivered), the meeting hold
(a nudge held or dropped, with the reason), guided stretches, routines and group breaks (a
break taken when they finish). One port, so none of those parts knows how stats are stored,
and the stats facade reads back only what was recorded through it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Protocol

from bot.core.ports import Platform


class EventKind(StrEnum):
    NUDGED = "nudged"  # a break nudge reached a person (DM) or a channel
    DONE = "done"  # a break taken: Done on a nudge, /done, a /break card, a guided finish
    SNOOZED = "snoozed"  # Snooze on a nudge (or /snooze in the console)
    HELD = "held"  # a DM nudge held back because the person was busy (``reason`` says why)
    DROPPED = "dropped"  # a held nudge that was never delivered (``reason`` says why)


@dataclass(frozen=True, slots=True)
class BreakEvent:
    """One thing that happened, as stats need it; ``user_id`` is None for a channel post.

    ``source`` says where a DONE came from ("nudge", "done", "break", "guided", "routine",
    "group") so stats can tell guided stretches apart; ``schedule_id`` ties channel nudges and
    Done clicks on them to the schedule for team stats.
    """

    kind: EventKind
    platform: Platform
    workspace_id: str
    user_id: str | None
    at: datetime
    schedule_id: int | None = None
    source: str = ""
    reason: str = ""


class EventLog(Protocol):
    async def record(self, event: BreakEvent) -> None:
        """Keep the event; must not raise for a storage fault (stats never block a break)."""
        ...

    async def record_many(self, events: Iterable[BreakEvent]) -> None:
        """Keep several at once (a fan-out's sent nudges: one write, not thousands)."""
        ...


class NoEventLog:
    """For one-shot tools that keep no stats (``deskbreak stretch``): records nothing."""

    async def record(self, event: BreakEvent) -> None:
        return None

    async def record_many(self, events: Iterable[BreakEvent]) -> None:
        return None
