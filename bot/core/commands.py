"""ContentCommands: the one facade every adapter and the scheduler call for content.

Adapters parse what the person typed, call a method here and render the returned
:class:`Message`; the scheduler calls :meth:`ContentCommands.nudge`. Nothing here knows which
platform is asking, so Discord, Slack and the console answer identically.
"""

from __future__ import annotations

import logging
import random
from dataclasses import replace
from typing import TypeVar

from bot.core import areas, filters, kinds, render
from bot.core.clock import Clock
from bot.core.content.library import Library
from bot.core.content.models import Stretch
from bot.core.lookup import Choice
from bot.core.messages import Message, MessageKind, error
from bot.core.rotation import RotationStore, Rotator

__all__ = ["Choice", "ContentCommands"]

log = logging.getLogger(__name__)

NUDGE_KINDS = ("break", "tip")
AUTOCOMPLETE_CACHE_SIZE = 4096  # distinct /stretch queries and autocomplete texts remembered
AUTOCOMPLETE_CACHE_TEXT = 100  # longer input is answered but not remembered
_K = TypeVar("_K")
_V = TypeVar("_V")


class ContentCommands:
    """Content answers for one library.

    ``clock`` is part of the contract so time-aware content (e.g. morning-only prompts) can
    be added without touching callers; today nothing here depends on the time of day.
    """

    def __init__(
        self,
        library: Library,
        rotation_store: RotationStore,
        clock: Clock,
        rng: random.Random | None = None,
    ) -> None:
        self.library = library
        self.clock = clock
        self._rotator = Rotator(rotation_store, rng)
        self._tip_ids = [t.id for t in library.tips]
        self._prompt_ids = [p.id for p in library.prompts]
        self._break_stretch_ids = [s.id for s in library.break_stretches()]
        # Which prompts read well beside each break stretch (Prompt.fits), worked out once.
        self._prompts_for = {
            s.id: frozenset(p.id for p in library.prompts if p.fits(s))
            for s in library.break_stretches()
        }
        self._cards: dict[str, Message] = {}
        self._answers: dict[str, Message] = {}
        self._choices: dict[tuple[str, str | None, str | None, int], tuple[Choice, ...]] = {}

    def stretch(self, query: str) -> Message:
        """The card for the stretch ``query`` names, or the closest suggestions.

        Answers are remembered per query like autocomplete's: the same names and typos come
        back all day, and a typo's fuzzy match is the costliest lookup there is.
        """
        answer = self._answers.get(query)
        if answer is None:
            answer = self._answer(query)
            _remember(self._answers, query, answer, query)
        return answer

    def _answer(self, query: str) -> Message:
        if not query.strip():
            return render.which_stretch()
        index = self.library.index
        exact = index.exact(query)
        if exact is not None:
            return self.card(exact)
        # A body area typed as a name ("lower back", "glute stretch") is a real request:
        # answer with that area's stretches, not with the nearest names.
        topic = areas.topic_of(query)
        if topic is not None:
            ranked = areas.best_first(self.library.stretches, topic.areas)
            return render.area_stretches(topic.key, topic.label, ranked, topic.note)
        found = index.resolve(query)
        if found.stretch is None:
            return render.suggestions(query, found.suggestions)
        return self.card(found.stretch)

    def card(self, stretch: Stretch) -> Message:
        # Content is fixed for the life of the process and a card depends on nothing else, so
        # each is rendered once: /stretch is the command people use most.
        card = self._cards.get(stretch.id)
        if card is None:
            easier = self.library.stretch(stretch.easier) if stretch.easier else None
            card = self._cards[stretch.id] = render.stretch_card(stretch, easier)
        return card

    def stretches(
        self, area: str | None = None, where: str | None = None, page: int = 0
    ) -> Message:
        """One page of the catalogue, optionally filtered by body area and by where."""
        found = filters.read(area, where)
        if isinstance(found, filters.Unknown):
            known = self.areas() if found.what == "area" else self.wheres()
            names = ", ".join(k.replace("-", " ") for k in known)
            also = " (or everyday words such as back, legs, arms)" if found.what == "area" else ""
            return error(f"Unknown {found.what} {found.text!r}. Try one of: {names}{also}.")
        wanted = areas.areas_in(found.area)
        matching = [
            s for s in self.library.filtered(where=found.where)
            if wanted is None or wanted.intersection(s.areas)
        ]
        listed = render.stretch_list(matching, found.area, found.where, page)
        group = areas.group(found.area) if found.area else None
        if group is not None and group.note and matching:  # e.g. sciatica: when to get help
            listed = replace(listed, body=f"{group.note}\n\n{listed.body}")
        return listed

    def autocomplete(
        self,
        text: str,
        area: str | None = None,
        where: str | None = None,
        limit: int = 25,
    ) -> list[Choice]:
        """Suggestions for a partly typed name; remembered, because every keystroke asks and
        people type the same few prefixes ("p", "pi", "pig") over and over."""
        key = (text, area, where, limit)
        hit = self._choices.get(key)
        if hit is None:
            hit = tuple(self.library.index.autocomplete(text, area=area, where=where,
                                                        limit=limit))
            _remember(self._choices, key, hit, text)
        return list(hit)

    async def tip(self, target_key: str) -> Message:
        return await self._tip(target_key, MessageKind.TIP)

    async def break_message(self, target_key: str) -> Message:
        return await self._break(target_key, MessageKind.BREAK)

    async def nudge(self, kind: str, target_key: str) -> Message:
        """What a scheduled nudge of ``kind`` ("break", "tip" or "routine:<id>") says to
        ``target_key`` now. A routine since removed from the content posts a break instead."""
        routine_id = kinds.routine_of(kind)
        if routine_id is not None:
            routine = self.library.routine(routine_id)
            if routine is not None:
                return render.routine_nudge(routine)
            log.warning("schedule posts routine %r, which the content no longer has; "
                        "posting a break instead", routine_id)
            return await self._break(target_key, MessageKind.NUDGE)
        if kind == "break":
            return await self._break(target_key, MessageKind.NUDGE)
        if kind == "tip":
            return await self._tip(target_key, MessageKind.NUDGE)
        raise ValueError(f"unknown nudge kind {kind!r}; expected one of {NUDGE_KINDS}")

    def redflags(self) -> Message:
        lib = self.library
        return render.redflags_message(lib.red_flags_intro, lib.red_flags, lib.red_flags_outro)

    def about(self) -> Message:
        return render.about_message(len(self.library.stretches), len(self.library.tips))

    def areas(self) -> list[str]:
        return self.library.areas()

    def wheres(self) -> list[str]:
        return self.library.wheres()

    async def _tip(self, target_key: str, kind: MessageKind) -> Message:
        tip_id = await self._rotator.next(f"tip:{target_key}", self._tip_ids)
        tip = self.library.tip(tip_id) if tip_id else None
        if tip is None:
            return error("No tips are configured yet.", title="No tips")
        return render.tip_message(tip, kind=kind)

    async def _break(self, target_key: str, kind: MessageKind) -> Message:
        """The stretch is dealt first, then the next prompt that suits it, so a prompt about
        the legs never sits beside a wrist stretch (Prompt.fits)."""
        stretch_id = await self._rotator.next(f"stretch:{target_key}", self._break_stretch_ids)
        stretch = self.library.stretch(stretch_id) if stretch_id else None
        fitting = self._prompts_for.get(stretch_id or "")
        prompt_id = await self._rotator.next(
            f"prompt:{target_key}", self._prompt_ids,
            accept=None if fitting is None else fitting.__contains__,
        )
        prompt = self.library.prompt(prompt_id) if prompt_id else None
        return render.break_message(prompt, stretch, kind=kind)


def _remember(cache: dict[_K, _V], key: _K, value: _V, text: str) -> None:
    """Keep an answer to what someone typed, oldest out first when full; a wall of text is
    answered but not kept."""
    if len(text) > AUTOCOMPLETE_CACHE_TEXT:
        return
    if len(cache) >= AUTOCOMPLETE_CACHE_SIZE:
        cache.pop(next(iter(cache)))
    cache[key] = value
