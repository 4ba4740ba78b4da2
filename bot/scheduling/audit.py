"""The audit port: the scheduling facade reports each admin change it made, once it is made.

Slash commands and the dashboard both go through :class:`SchedulingCommands`, so recording at
the facade (rather than in each adapter) is what makes the log complete: whichever way an
admin changed a schedule or a setting, the same line is written. Refusals and bad input are
never recorded, because they changed nothing.
"""

from __future__ import annotations

from typing import Protocol

from bot.core.ports import Actor


class Audit(Protocol):
    async def record(self, actor: Actor, action: str, detail: str) -> None:
        """Note that ``actor`` did ``action`` (e.g. ``schedule.pause``); ``detail`` says what,
        in a sentence an admin can read. Must not raise: the change is already made."""
        ...
