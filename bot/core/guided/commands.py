"""GuidedCommands: the facade for guided stretches and routines (Start, /routine, Stop).

Answers are :class:`~bot.core.guided.session.LiveMessage` s: the adapter posts the first frame
and hands the session the message to edit. Nothing here knows the platform.
"""

from __future__ import annotations

import random
from dataclasses import replace

from bot.core import actions
from bot.core.content.library import Library
from bot.core.content.models import Routine, Stretch
from bot.core.guided import lookup
from bot.core.guided.plan import Plan, plan_routine, plan_stretch
from bot.core.guided.session import GuidedRuns
from bot.core.lookup import Choice
from bot.core.messages import Button, Message, MessageKind, Section, error
from bot.core.ports import Actor
from bot.core.render import WHERE_LABELS

BUSY = ("Too many guided stretches are running right now. Try again in a minute, or follow the "
        "steps on the card at your own pace.")


class GuidedCommands:
    def __init__(self, library: Library, runs: GuidedRuns,
                 rng: random.Random | None = None) -> None:
        self.library = library
        self.runs = runs
        self._rng = rng or random.Random()  # noqa: S311 - picking a stretch, not a secret
        self._stretches = {s.id: s for s in library.stretches}

    # ------------------------------------------------------------------ plans
    def stretch_plan(self, stretch: Stretch) -> Plan:
        return plan_stretch(stretch)

    def routine_plan(self, routine: Routine) -> Plan:
        return plan_routine(routine, self._stretches)

    # ------------------------------------------------------------------ answers
    def start_stretch(self, actor: Actor, stretch_id: str | None) -> Message:
        """Run a stretch guided; no id: any desk stretch ("Another one")."""
        if stretch_id:
            stretch = self.library.stretch(stretch_id)
            if stretch is None:
                return error(f"I don't know a stretch called {stretch_id!r} any more.")
        else:
            pool = self.library.break_stretches()
            stretch = self._rng.choice(pool)
        return self._start(actor, self.stretch_plan(stretch), another=None)

    def start_stretch_named(self, actor: Actor, query: str) -> Message:
        """``/guide name`` (the console's Start): the stretch ``query`` names, else the
        card's suggestions; nothing typed: any desk stretch."""
        if not query.strip():
            return self.start_stretch(actor, None)
        index = self.library.index
        stretch = index.exact(query) or index.resolve(query).stretch
        if stretch is None:
            found = index.resolve(query).suggestions
            names = ", ".join(s.id for s in found[:5])
            hint = f" Did you mean: {names}?" if names else ""
            return error(f"No stretch called {query.strip()[:60]!r}.{hint}")
        return self._start(actor, self.stretch_plan(stretch), another=None)

    def start_routine(self, actor: Actor, query: str | None) -> Message:
        """Run the routine ``query`` names (typos forgiven), guided."""
        routines = self.library.routines
        if not routines:
            return error("There are no routines in this deskbreak's content.")
        if not query or not query.strip():
            return self.routines()
        found = lookup.find(routines, query)
        if found.routine is None:
            names = ", ".join(f"{r.name} ({r.id})" for r in found.suggestions) or ", ".join(
                r.id for r in routines)
            return error(f"No routine called {query.strip()[:60]!r}. Try: {names}.",
                         title="Which routine?")
        return self._start(actor, self.routine_plan(found.routine),
                           another=actions.ROUTINE.build(self._after(found.routine).id))

    def start_routine_by_id(self, actor: Actor, routine_id: str | None) -> Message:
        """The routine button: an exact id, or none for the first routine."""
        routines = self.library.routines
        if not routines:
            return error("There are no routines in this deskbreak's content.")
        routine = self.library.routine(routine_id) if routine_id else routines[0]
        if routine is None:
            return error(f"I don't know a routine called {routine_id!r} any more.")
        return self._start(actor, self.routine_plan(routine),
                           another=actions.ROUTINE.build(self._after(routine).id))

    def routines(self) -> Message:
        """/routines: each routine, its time and where, with a button to start it."""
        lines = []
        for r in self.library.routines:
            where = " or ".join(WHERE_LABELS.get(w.value, w.value) for w in r.where)
            lines.append(f"{r.name} ({r.minutes} min, {where}): {r.about} · /routine {r.id}")
        if not lines:
            return error("There are no routines in this deskbreak's content.")
        buttons = tuple(Button(actions.ROUTINE.build(r.id), _label(r.name))
                        for r in self.library.routines[:5])
        return Message(kind=MessageKind.INFO, title="Routines",
                       body="A few stretches in a row, guided with a timer.",
                       sections=(Section(None, tuple(lines)),), buttons=buttons,
                       ephemeral=True)

    def routine_choices(self, text: str, limit: int = 25) -> list[Choice]:
        return lookup.choices(self.library.routines, text, limit)

    async def stop(self, actor: Actor, run_id: str) -> Message:
        return await self.runs.stop(run_id, actor)

    # ------------------------------------------------------------------ internals
    def _start(self, actor: Actor, plan: Plan, another: str | None) -> Message:
        if self.runs.full():
            return error(BUSY, title="Busy right now")
        session = self.runs.prepare(plan, actor, another=another)
        # A person's own run: private where the platform can make it so.
        return self.runs.live(session, replace(session.opening(), ephemeral=True))

    def _after(self, routine: Routine) -> Routine:
        routines = self.library.routines
        return routines[(routines.index(routine) + 1) % len(routines)]


def _label(text: str) -> str:
    return text if len(text) <= 80 else text[:79] + "…"
