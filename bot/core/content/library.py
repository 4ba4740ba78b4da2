"""The validated content, indexed the ways the bot asks for it.

A ``Library`` is only ever built by the loader after every check passed, so the rest of the
bot can trust it: ids are unique, ``easier`` references exist, and names resolve without
ambiguity.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from functools import cached_property
from pathlib import Path

from bot.core.content.models import Area, Prompt, RedFlag, Routine, Stretch, Tip, Where
from bot.core.lookup import StretchIndex, fold
from bot.core.safety import in_level_order
from bot.core.text import plural


class Library:
    def __init__(
        self,
        *,
        stretches: Iterable[Stretch],
        tips: Iterable[Tip] = (),
        prompts: Iterable[Prompt] = (),
        red_flags: Iterable[RedFlag] = (),
        red_flags_intro: str = "",
        red_flags_outro: str = "",
        routines: Iterable[Routine] = (),
        sources: Iterable[Path] = (),
    ) -> None:
        self.stretches: tuple[Stretch, ...] = tuple(sorted(stretches, key=lambda s: fold(s.name)))
        self.tips: tuple[Tip, ...] = tuple(tips)
        self.prompts: tuple[Prompt, ...] = tuple(prompts)
        # Most urgent first, wherever they are listed (bot/core/safety.py LEVEL_ORDER).
        self.red_flags: tuple[RedFlag, ...] = in_level_order(red_flags)
        self.red_flags_intro = red_flags_intro
        self.red_flags_outro = red_flags_outro
        self.sources: tuple[Path, ...] = tuple(sources)
        # In file order: the order people are shown them in (/routines).
        self.routines: tuple[Routine, ...] = tuple(routines)
        self._routines_by_id = {r.id: r for r in self.routines}
        self._by_id = {s.id: s for s in self.stretches}
        self._tips_by_id = {t.id: t for t in self.tips}
        self._prompts_by_id = {p.id: p for p in self.prompts}
        used_areas = {a for s in self.stretches for a in s.areas}
        used_wheres = {w for s in self.stretches for w in s.where}
        self._areas = [a.value for a in Area if a in used_areas]
        self._wheres = [w.value for w in Where if w in used_wheres]

    def stretch(self, stretch_id: str) -> Stretch | None:
        return self._by_id.get(stretch_id)

    def routine(self, routine_id: str) -> Routine | None:
        return self._routines_by_id.get(routine_id)

    def tip(self, tip_id: str) -> Tip | None:
        return self._tips_by_id.get(tip_id)

    def prompt(self, prompt_id: str) -> Prompt | None:
        return self._prompts_by_id.get(prompt_id)

    @cached_property
    def index(self) -> StretchIndex:
        """Built on first use: the console's ``tip`` command never pays for it."""
        return StretchIndex(self.stretches)

    def areas(self) -> list[str]:
        """Areas that at least one stretch targets, in the schema's order (head to toe)."""
        return list(self._areas)  # a copy: callers may change theirs

    def wheres(self) -> list[str]:
        return list(self._wheres)

    def break_stretches(self) -> list[Stretch]:
        return break_pool(self.stretches)

    def filtered(self, area: str | None = None, where: str | None = None) -> list[Stretch]:
        return [
            s
            for s in self.stretches
            if (area is None or area in s.areas) and (where is None or where in s.where)
        ]

    def summary(self) -> str:
        counts = (
            (len(self.stretches), "stretch"),
            (len(self.tips), "tip"),
            (len(self.prompts), "prompt"),
            (len(self.red_flags), "red flag"),
        )
        return ", ".join(plural(n, word) for n, word in counts)


def break_pool(stretches: Sequence[Stretch]) -> list[Stretch]:
    """What a break may suggest: stretches done seated at the desk, so everyone (a wheelchair
    user too) can do them where they are; else standing ones, else any."""
    for where in (Where.DESK, Where.STANDING):
        found = [s for s in stretches if where in s.where]
        if found:
            return found
    return list(stretches)
