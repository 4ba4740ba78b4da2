"""A group break's routine, guided for everyone in one shared message (the guided engine).

The same engine as a personal guided stretch (``bot/core/guided``), with the differences a
group needs: nobody owns the run (a participant starting their own guided stretch does not
stop it), only the person who set the break up may Stop it, and the finish does not count
anyone: each person presses Done (the ``group_done`` button) and is counted once for
themselves (``GroupBreakCommands.group_done``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import replace

from bot.core import actions
from bot.core.content.library import Library
from bot.core.content.models import Routine
from bot.core.groupbreak import GroupChannel, GroupRun, Posted, RoutinePick
from bot.core.guided import lookup
from bot.core.guided.plan import Plan, Source, plan_routine, plan_stretch
from bot.core.guided.session import GuidedRuns, GuidedSession
from bot.core.lookup import Choice
from bot.core.messages import Button, ButtonStyle, Message

_MINUTES = re.compile(r"^(\d+)[- ]minutes?\b\s*(.*)$", re.IGNORECASE)
# The routine a group break does when none is named.
DEFAULT_ROUTINE = "desk-reset"


def routine_title(name: str, minutes: int) -> str:
    """The card's promise, short: "3-minute desk reset" -> "3 min desk reset",
    "Chair-only routine" (3 minutes) -> "3 min chair-only routine"."""
    found = _MINUTES.match(name)
    if found:
        return f"{found[1]} min {found[2]}".strip()
    return f"{minutes} min {name[:1].lower()}{name[1:]}"


class LibraryRoutines:
    """The content's routines, found however people type them (typos forgiven)."""

    def __init__(self, library: Library, default: str = DEFAULT_ROUTINE) -> None:
        self.library = library
        self.default = default

    def pick(self, text: str | None) -> RoutinePick | None:
        routines = self.library.routines
        if not routines:
            return None if (text or "").strip() else RoutinePick(None, "a desk stretch")
        found: Routine | None
        if not (text or "").strip():
            found = self.library.routine(self.default) or routines[0]
        else:
            found = lookup.find(routines, text or "").routine
        if found is None:
            return None
        return RoutinePick(found.id, routine_title(found.name, found.minutes))

    def names(self) -> Sequence[str]:
        return [r.name for r in self.library.routines]

    def choices(self, text: str, limit: int = 25) -> Sequence[Choice]:
        return lookup.choices(self.library.routines, text, limit)


class GuidedGroup:
    """Runs a group break's routine on the process's one :class:`GuidedRuns`."""

    def __init__(self, runs: GuidedRuns, library: Library) -> None:
        self.runs = runs
        self.library = library
        self._stretches = {s.id: s for s in library.stretches}

    def plan(self, group: GroupRun) -> Plan:
        routine = self.library.routine(group.routine) if group.routine else None
        if routine is not None:
            return plan_routine(routine, self._stretches, source=Source.GROUP)
        pool = self.library.break_stretches()
        return plan_stretch(pool[group.id % len(pool)], source=Source.GROUP)

    async def run(self, group: GroupRun, channel: GroupChannel, where: Posted) -> None:
        session = GuidedSession(
            self.runs, self.plan(group), owner=None, on_finish=None,
            may_stop=lambda actor: actor.user_id == group.created_by,
            finish_buttons=(Button(actions.GROUP_DONE.build(group.id), "Done",
                                   ButtonStyle.SUCCESS),))
        first = session.opening(channel.countdown, refresh=channel.refresh)
        posted = await channel.post(where, first)
        await session.begin(_Shared(channel, posted)).start()


class _Shared:
    """The guided engine's Surface over one posted channel message."""

    def __init__(self, channel: GroupChannel, where: Posted) -> None:
        self.channel = channel
        self.where = where

    async def show(self, draw: Callable[[], Message]) -> None:
        await self.channel.show(self.where, lambda: _for_the_group(draw()))


def _for_the_group(message: Message) -> Message:
    """A group's finish counts nobody by itself: each person presses Done for themselves."""
    if message.meta.get("finished"):
        return replace(message, body=message.body.replace(
            "That counts as a break taken.", "Press Done to count it as your break."))
    return message
