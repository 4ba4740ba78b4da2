"""A guided run, worked out in advance: a stretch or a routine -> timed beats.

A beat is one thing the message shows for a while: getting into position, a hold, one rep,
switching sides, a rest between sets. Working the whole run out first (pure, no clock) is
what lets the runner edit only at the changes, lets Discord count a hold down by itself, and
lets the content loader check that a routine really takes the minutes it promises.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum

from bot.core.content.models import Dose, Routine, RoutineItem, Sides, Stretch
from bot.core.text import plural

# How long each kind of beat lasts when the content does not say.
READY_SECONDS = 8  # read the steps and get into position
SWITCH_SECONDS = 5  # change sides
REST_SECONDS = 10  # between sets
BREATH_SECONDS = 5  # one slow breath, in and out
REP_SECONDS = 3  # one rep with no hold in it (a shoulder roll, a march step)
RETURN_SECONDS = 2  # after a rep's hold: let go before the next one
# Never show a beat for less than this: platforms edit a message at most every 2 s.
MIN_BEAT_SECONDS = 2


class Phase(StrEnum):
    READY = "ready"
    HOLD = "hold"
    REP = "rep"
    SWITCH = "switch"
    REST = "rest"


class Source(StrEnum):
    """What a finished run counts as (``BreakEvent.source``)."""

    GUIDED = "guided"
    ROUTINE = "routine"
    GROUP = "group"


@dataclass(frozen=True, slots=True)
class Beat:
    """One state of the guided message. ``hold`` is how many of its ``seconds`` are a
    countdown (a hold, or the hold inside one rep); ``text`` is the line that says what to do.
    """

    phase: Phase
    seconds: int
    text: str
    stretch_id: str
    stretch_name: str
    steps: tuple[str, ...]
    position: int = 1  # which stretch of the run (routines), from 1
    count: int = 1  # how many stretches the run has
    hold: int = 0
    note: str | None = None


@dataclass(frozen=True, slots=True)
class Plan:
    """A whole run. ``kind``/``ref`` say what it was made from (``stretch``/``routine`` and
    the id) so a finish can offer it again."""

    title: str
    kind: str
    ref: str
    source: Source
    beats: tuple[Beat, ...]

    @property
    def total_seconds(self) -> int:
        return sum(b.seconds for b in self.beats)

    def offsets(self) -> tuple[int, ...]:
        """Seconds from the start at which each beat begins."""
        out: list[int] = []
        at = 0
        for beat in self.beats:
            out.append(at)
            at += beat.seconds
        return tuple(out)

    def beat_at(self, elapsed: float) -> int | None:
        """The index of the beat showing ``elapsed`` seconds in; None once the run is over."""
        for i, start in enumerate(self.offsets()):
            if elapsed < start + self.beats[i].seconds:
                return i
        return None


@dataclass(frozen=True, slots=True)
class _Item:
    """One stretch of a run (or a choice), with the dose the run uses."""

    stretches: tuple[Stretch, ...]
    dose: Dose
    note: str | None = None

    @property
    def lead(self) -> Stretch:
        return self.stretches[0]

    @property
    def name(self) -> str:
        return " or ".join(s.name for s in self.stretches)


def plan_stretch(stretch: Stretch, *, source: Source = Source.GUIDED) -> Plan:
    """One stretch, guided: get ready, then its holds/reps on each side it needs."""
    beats = _item_beats(_Item((stretch,), stretch.dose), 1, 1)
    return Plan(stretch.name, "stretch", stretch.id, source, tuple(beats))


def plan_routine(routine: Routine, stretches: dict[str, Stretch],
                 *, source: Source = Source.ROUTINE) -> Plan:
    """A routine, guided: each of its stretches in turn. ``stretches`` must hold every id it
    names (the loader checked that)."""
    items = [_routine_item(item, stretches) for item in routine.items]
    beats: list[Beat] = []
    for i, item in enumerate(items, start=1):
        beats += _item_beats(item, i, len(items))
    return Plan(routine.name, "routine", routine.id, source, tuple(beats))


def _routine_item(item: RoutineItem, stretches: dict[str, Stretch]) -> _Item:
    chosen = tuple(stretches[sid] for sid in item.stretch_ids)
    dose = chosen[0].dose
    changes: dict[str, int] = {}
    if item.hold_seconds is not None:
        changes["hold_seconds"] = item.hold_seconds
    if item.reps is not None:
        changes["reps"] = item.reps
    if changes:
        values = dose.model_dump()
        values.update(changes)
        if "hold_seconds" in changes:  # a timed hold replaces a breath count
            values["hold_breaths"] = values["hold_breaths_max"] = None
        dose = Dose.model_validate(values)
    return _Item(chosen, dose, item.note)


def _item_beats(item: _Item, position: int, count: int) -> list[Beat]:
    stretch = item.lead

    def beat(phase: Phase, seconds: int, text: str, hold: int = 0) -> Beat:
        return Beat(phase, max(seconds, MIN_BEAT_SECONDS), text, stretch.id, item.name,
                    tuple(stretch.steps), position, count, hold, item.note)

    dose = item.dose
    sided = stretch.sides is Sides.EACH
    sets = dose.sets or 1
    out = [beat(Phase.READY, READY_SECONDS, _ready_text(item, position, count))]
    for side in (1, 2) if sided else (0,):
        if side == 2:
            out.append(beat(Phase.SWITCH, SWITCH_SECONDS, "Switch to the other side"))
        for set_no in range(1, sets + 1):
            if set_no > 1:
                out.append(beat(Phase.REST, REST_SECONDS,
                                f"Rest, then set {set_no} of {sets}"))
            label = _label(side, set_no, sets)
            if dose.reps:
                out += _rep_beats(beat, dose, label)
            else:
                seconds = hold_seconds(dose)
                out.append(beat(Phase.HOLD, seconds, _hold_text(dose, label), hold=seconds))
    return out


def _rep_beats(make: Callable[..., Beat], dose: Dose, label: str) -> list[Beat]:
    reps = dose.reps or 1
    unit = dose.unit or "rep"
    hold = hold_seconds(dose) if (dose.hold_seconds or dose.hold_breaths) else 0
    seconds = hold + RETURN_SECONDS if hold else REP_SECONDS
    directions: Sequence[str] = ("", " the other way") if dose.each_direction else ("",)
    out: list[Beat] = []
    for way in directions:
        for n in range(1, reps + 1):
            what = f"{unit.capitalize()} {n} of {reps}{way}"
            if hold:
                what += f": hold {plural(hold, 'second')}, then let go"
            out.append(make(Phase.REP, seconds, label + what, hold))
    return out


def hold_seconds(dose: Dose) -> int:
    """A hold's length in seconds; a breath count is timed at one slow breath per 5 s."""
    if dose.hold_seconds:
        return dose.hold_seconds
    if dose.hold_breaths:
        return dose.hold_breaths * BREATH_SECONDS
    return 0


def _hold_text(dose: Dose, label: str) -> str:
    if dose.hold_breaths and not dose.hold_seconds:
        return f"{label}Hold for {plural(dose.hold_breaths, 'slow breath')}"
    return f"{label}Hold"


def _label(side: int, set_no: int, sets: int) -> str:
    parts = []
    if side == 1:
        parts.append("First side")
    elif side == 2:
        parts.append("Other side")
    if sets > 1:
        parts.append(f"set {set_no} of {sets}")
    return (", ".join(parts) + " · ") if parts else ""


def _ready_text(item: _Item, position: int, count: int) -> str:
    if len(item.stretches) > 1:
        names = ", or ".join(s.name for s in item.stretches)
        text = f"Get ready: choose one: {names}"
    else:
        text = f"Get into position: {item.name}"
    if count > 1:
        text = f"{position} of {count}. {text}"
    return text
