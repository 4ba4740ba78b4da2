"""What one scheduler tick did: counted by the planner and the dispatcher, logged by the service,
returned to tests."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(slots=True)
class TickReport:
    sent: int = 0
    skipped: int = 0
    retrying: int = 0
    failed: int = 0
    missed: int = 0
    expired: int = 0
    held: int = 0  # personal nudges held for a busy person (bot/scheduling/meetings.py)
    dropped: int = 0  # held nudges whose person was not free in time
    paused_schedules: list[int] = field(default_factory=list)
    disabled_reminders: list[int] = field(default_factory=list)
