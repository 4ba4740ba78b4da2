"""ContentCommands: the one facade every adapter and the scheduler call for content.

Adapters parse what the person typed, call a method here and render the returned
:class:`Message`; the scheduler calls :meth:`ContentCommands.nudge`. Nothing here knows which
platform is asking, so Discord, Slack and the console answer identically.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import TypeVar

from bot.core import areas, filters, kinds, render
from bot.core.clock import Clock
from bot.core.content.library import Library
from bot.core.content.models import Stretch
from bot.core.lookup import Choice
from bot.core.messages import Message, MessageKind, error
from bot.core.pending import Slow
from bot.core.pictured import CardPictures, PictureSource
from bot.core.rotation import Hand, RotationStore, Rotator

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
    ``pictures`` draws stretch pictures (``bot.pictures.cache.StretchPictures``); without it
    cards go out as text.
    """

    def __init__(
        self,
        library: Library,
        rotation_store: RotationStore,
        clock: Clock,
        rng: random.Random | None = None,
        pictures: PictureSource | None = None,
    ) -> None:
        self.library = library
        self.pictures = CardPictures(library, pictures)
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
        self._rendered: dict[tuple[str | None, ...], Message] = {}

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

    def stretch_answer(self, query: str) -> Message | Slow[Message]:
        """``/stretch``: the card with the stretch's picture. A Message when the picture is
        ready (or there is none), else a Slow answer that draws it off the loop."""
        return self.pictures.attach(self.stretch(query))

    async def stretch_pictured(self, query: str) -> Message:
        """The card with its picture, however long the picture takes (buttons, console)."""
        return await self.pictures.attach_async(self.stretch(query))

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
    ) -> tuple[Choice, ...]:
        """Suggestions for a partly typed name; remembered, because every keystroke asks and
        people type the same few prefixes ("p", "pi", "pig") over and over. The remembered
        tuple itself is returned, so an adapter may keep what it makes of it by identity."""
        key = (text, area, where, limit)
        hit = self._choices.get(key)
        if hit is None:
            hit = tuple(self.library.index.autocomplete(text, area=area, where=where,
                                                        limit=limit))
            _remember(self._choices, key, hit, text)
        return hit

    async def tip(self, target_key: str) -> Message:
        return await self._tip(target_key, MessageKind.TIP)

    async def break_message(self, target_key: str) -> Message:
        """``/break``: a stretch to try, with its picture (scheduled nudges stay text: a
        picture in every channel every hour is more upload than reminder)."""
        return await self.pictures.attach_async(await self._break(target_key, MessageKind.BREAK))

    async def nudge(self, kind: str, target_key: str) -> Message:
        """What a scheduled nudge of ``kind`` ("break", "tip" or "routine:<id>") says to
        ``target_key`` now. A routine since removed from the content posts a break instead."""
        return (await self.nudges([(kind, target_key)]))[0]

    async def nudges(self, wanted: Sequence[tuple[str, str]]) -> list[Message]:
        """:meth:`nudge` for many (kind, target_key) at once, in order: every deck they deal
        from is dealt in one rotation update (for the SQL store, two statements for a whole
        claimed batch instead of a read and a write per card)."""
        plans = [self._plan(kind, target_key) for kind, target_key in wanted]
        keys = {key for plan in plans for key in plan.keys()}
        picks = await self._rotator.dealing(keys, lambda hand: [self._deal(p, hand)
                                                               for p in plans])
        return [self._render(plan, pick) for plan, pick in zip(plans, picks, strict=True)]

    def _plan(self, kind: str, target_key: str) -> _Plan:
        routine_id = kinds.routine_of(kind)
        if routine_id is not None:
            routine = self.library.routine(routine_id)
            if routine is not None:
                return _Plan("routine", target_key, MessageKind.NUDGE, routine_id)
            log.warning("schedule posts routine %r, which the content no longer has; "
                        "posting a break instead", routine_id)
            return _Plan("break", target_key, MessageKind.NUDGE)
        if kind in NUDGE_KINDS:
            return _Plan(kind, target_key, MessageKind.NUDGE)
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
        return await self._dealt(_Plan("tip", target_key, kind))

    async def _break(self, target_key: str, kind: MessageKind) -> Message:
        return await self._dealt(_Plan("break", target_key, kind))

    async def _dealt(self, plan: _Plan) -> Message:
        pick = await self._rotator.dealing(plan.keys(), lambda hand: self._deal(plan, hand))
        return self._render(plan, pick)

    def _deal(self, plan: _Plan, hand: Hand) -> tuple[str | None, str | None]:
        """The ids ``plan``'s message shows: a tip's, or a break's stretch and prompt. The
        stretch is dealt first, then the next prompt that suits it, so a prompt about the
        legs never sits beside a wrist stretch (Prompt.fits)."""
        if plan.what == "tip":
            return hand.next(f"tip:{plan.target_key}", self._tip_ids), None
        if plan.what != "break":
            return None, None
        stretch_id = hand.next(f"stretch:{plan.target_key}", self._break_stretch_ids)
        fitting = self._prompts_for.get(stretch_id or "")
        prompt_id = hand.next(
            f"prompt:{plan.target_key}", self._prompt_ids,
            accept=None if fitting is None else fitting.__contains__,
        )
        return stretch_id, prompt_id

    def _render(self, plan: _Plan, pick: tuple[str | None, str | None]) -> Message:
        """The message for what was dealt; remembered, as a card is: a fan-out renders the
        same few hundred stretch, prompt and tip combinations thousands of times."""
        key = (plan.what, plan.kind, plan.routine_id, *pick)
        message = self._rendered.get(key)
        if message is None:
            message = self._render_new(plan, pick)
            _remember(self._rendered, key, message, "")
        return message

    def _render_new(self, plan: _Plan, pick: tuple[str | None, str | None]) -> Message:
        if plan.what == "routine":
            routine = self.library.routine(plan.routine_id or "")
            assert routine is not None  # checked when planned; content is fixed for the run
            return render.routine_nudge(routine)
        if plan.what == "tip":
            tip = self.library.tip(pick[0]) if pick[0] else None
            if tip is None:
                return error("No tips are configured yet.", title="No tips")
            return render.tip_message(tip, kind=plan.kind)
        stretch_id, prompt_id = pick
        stretch = self.library.stretch(stretch_id) if stretch_id else None
        prompt = self.library.prompt(prompt_id) if prompt_id else None
        return render.break_message(prompt, stretch, kind=plan.kind)


@dataclass(frozen=True, slots=True)
class _Plan:
    """One message to deal for: a break or a tip for ``target_key``, or a fixed routine."""

    what: str  # "break", "tip" or "routine"
    target_key: str
    kind: MessageKind
    routine_id: str | None = None

    def keys(self) -> list[str]:
        """The decks this message deals from."""
        if self.what == "break":
            return [f"stretch:{self.target_key}", f"prompt:{self.target_key}"]
        if self.what == "tip":
            return [f"tip:{self.target_key}"]
        return []


def _remember(cache: dict[_K, _V], key: _K, value: _V, text: str) -> None:
    """Keep an answer to what someone typed, oldest out first when full; a wall of text is
    answered but not kept."""
    if len(text) > AUTOCOMPLETE_CACHE_TEXT:
        return
    if len(cache) >= AUTOCOMPLETE_CACHE_SIZE:
        cache.pop(next(iter(cache)))
    cache[key] = value
