"""The content schema.

Every YAML file under ``content/`` is validated against these models on load. They forbid
unknown keys so a typo such as ``caution:`` for ``cautions:`` is an error with a line number,
not a silently missing safety note.
"""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from bot.core.content.pose import Pose

SUPPORTED_VERSIONS = frozenset({1})

Id = Annotated[str, StringConstraints(pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*$", max_length=64)]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=600)]
ShortText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
# A singular noun for one rep, as a count reads it: "step" -> "10 steps".
Unit = Annotated[str, StringConstraints(pattern=r"^[a-z]+(?: [a-z]+)?$", max_length=20)]


class Area(StrEnum):
    NECK = "neck"
    SHOULDERS = "shoulders"
    CHEST = "chest"
    UPPER_BACK = "upper-back"
    LOWER_BACK = "lower-back"
    CORE = "core"
    HIPS = "hips"
    GLUTES = "glutes"
    HAMSTRINGS = "hamstrings"
    QUADS = "quads"
    INNER_THIGHS = "inner-thighs"
    CALVES = "calves"
    ANKLES = "ankles"
    WRISTS = "wrists"
    FOREARMS = "forearms"
    EYES = "eyes"


class Where(StrEnum):
    DESK = "desk"  # seated at the desk, no need to stand up
    STANDING = "standing"  # next to the desk, standing
    FLOOR = "floor"  # needs floor space (a mat helps)


class Sides(StrEnum):
    NONE = "none"  # symmetrical, done once
    EACH = "each"  # repeat on the other side


class Kind(StrEnum):
    """What an exercise asks of the body, which decides the safety lines a card adds.

    "A gentle pull is all you want" is right for a stretch and wrong for a glute bridge or an
    eye break, so the renderer picks its general caution by kind (bot/core/safety.py).
    """

    STRETCH = "stretch"  # held lengthening: a mild pull is the aim
    MOBILITY = "mobility"  # moving a joint through its range: circles, rolls, tilts, glides
    STRENGTHEN = "strengthen"  # muscles working against load: bridges, lunges, raises
    EYES = "eyes"  # resting or moving the eyes; nothing to stretch


class RedFlagLevel(StrEnum):
    """How soon a warning sign needs a professional; /redflags lists them in this order."""

    EMERGENCY = "emergency"  # now: the emergency number or an emergency department
    WITHIN_DAYS = "within-days"  # see a doctor within a day or two
    ROUTINE = "routine"  # book a routine GP or physiotherapy visit


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Dose(_Strict):
    """How much: hold for a time or a number of breaths, and/or a number of reps and sets."""

    hold_seconds: Annotated[int, Field(ge=1, le=600)] | None = None
    hold_breaths: Annotated[int, Field(ge=1, le=60)] | None = None
    # The top of a range of breaths: ``hold_breaths: 6, hold_breaths_max: 8`` is "6-8 breaths".
    hold_breaths_max: Annotated[int, Field(ge=2, le=60)] | None = None
    reps: Annotated[int, Field(ge=1, le=100)] | None = None
    # What one rep is called when "rep" would mislead: "step" (10 steps), "circle", "roll".
    unit: Unit | None = None
    # The reps go one way, then the same number back the other way (circles, rolls, walks).
    each_direction: bool = False
    sets: Annotated[int, Field(ge=1, le=10)] | None = None

    @model_validator(mode="after")
    def _something(self) -> Dose:
        if not any((self.hold_seconds, self.hold_breaths, self.reps)):
            raise ValueError("give at least one of hold_seconds, hold_breaths or reps")
        if self.hold_breaths_max is not None and (
            self.hold_breaths is None or self.hold_breaths_max <= self.hold_breaths
        ):
            raise ValueError("hold_breaths_max must be more than hold_breaths, which it needs")
        if self.unit is not None and self.reps is None:
            raise ValueError("unit names what a rep is, so it needs reps")
        if self.each_direction and self.reps is None:
            raise ValueError("each_direction counts reps each way, so it needs reps")
        return self


class Stretch(_Strict):
    id: Id
    name: ShortText
    aliases: list[ShortText] = Field(default_factory=list)
    # Required, not defaulted: a strengthening move filed as a stretch would get the wrong
    # safety lines, so every entry says what it is.
    kind: Kind
    areas: Annotated[list[Area], Field(min_length=1)]
    where: Annotated[list[Where], Field(min_length=1)]
    equipment: list[ShortText] = Field(default_factory=list)
    # How the picture draws it (bot/core/content/pose.py documents the schema).
    pose: Pose
    steps: Annotated[list[Text], Field(min_length=2, max_length=12)]
    dose: Dose
    sides: Sides = Sides.NONE
    cautions: Annotated[list[Text], Field(min_length=1)]
    # Who should skip this or ask a professional before trying it ("Hip replacement: ...").
    # Every card shows it in its own section, so every entry must say something.
    check_first: Annotated[list[Text], Field(min_length=1, max_length=8)]
    # The id of a gentler stretch to try instead (checked: it must exist), and/or free text.
    easier: Id | None = None
    easier_note: Text | None = None
    why: Text

    @model_validator(mode="after")
    def _sharp_pain(self) -> Stretch:
        if not any(re.search(r"sharp", c, re.IGNORECASE) for c in self.cautions):
            raise ValueError("cautions must tell people to stop on sharp pain")
        return self

    @model_validator(mode="after")
    def _eyes_go_together(self) -> Stretch:
        # The eye kind's safety lines speak of sight, not muscles: they must not land on a
        # neck stretch, and a shoulder roll must not get them by being filed under eyes.
        eyes_only = self.areas == [Area.EYES]
        if (self.kind is Kind.EYES) != eyes_only:
            raise ValueError("kind must be eyes exactly when areas is [eyes]")
        return self


class Tip(_Strict):
    id: Id
    topic: ShortText
    text: Text


class Prompt(_Strict):
    """A break prompt; ``stretch`` or ``areas`` say which suggested stretches it may sit beside.

    A prompt that names an exercise ("bring your head back over your shoulders") goes only with
    that stretch (``stretch:``); one about a part of the body goes with a stretch for one of its
    ``areas``; one with neither suits any stretch. Break nudges deal the stretch first and then
    the next prompt that fits it, so "lift your heels" never sits beside a wrist stretch.
    """

    id: Id
    text: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
    stretch: Id | None = None
    areas: list[Area] = Field(default_factory=list)

    @model_validator(mode="after")
    def _one_pairing(self) -> Prompt:
        if self.stretch is not None and self.areas:
            raise ValueError("stretch already decides the pairing; give stretch or areas, not both")
        return self

    def fits(self, stretch: Stretch) -> bool:
        """Whether this prompt reads well beside ``stretch`` in one break message."""
        if self.stretch is not None:
            return self.stretch == stretch.id
        return not self.areas or any(a in stretch.areas for a in self.areas)


class RedFlag(_Strict):
    id: Id
    # Required: a warning sign without its urgency is how "urgent" and "emergency" came to be
    # said of the same nerve problem. Values and their order: RedFlagLevel.
    level: RedFlagLevel
    sign: Text


class RoutineItem(_Strict):
    """One stretch of a routine, or a choice of stretches done for the same time.

    ``hold_seconds`` and ``reps`` shorten (or lengthen) the stretch's own dose to fit the
    routine's time; ``note`` is said while getting into position ("pick whichever your knees
    prefer").
    """

    stretch: Id | None = None
    # "one of these": the guided step names them all and times the first one's dose.
    choice: Annotated[list[Id], Field(min_length=2, max_length=3)] | None = None
    hold_seconds: Annotated[int, Field(ge=2, le=120)] | None = None
    reps: Annotated[int, Field(ge=1, le=30)] | None = None
    note: Text | None = None

    @model_validator(mode="after")
    def _one_kind(self) -> RoutineItem:
        if (self.stretch is None) == (self.choice is None):
            raise ValueError("give either stretch or choice (a list of 2-3 stretch ids)")
        return self

    @property
    def stretch_ids(self) -> tuple[str, ...]:
        return (self.stretch,) if self.stretch is not None else tuple(self.choice or ())


class Routine(_Strict):
    """A named sequence of stretches run guided, one after another (``/routine``).

    ``minutes`` is the time people are promised; the loader checks the guided plan really
    takes about that long, so the promise cannot drift when a dose changes. ``where`` says
    where every stretch in it can be done (a chair-only routine lists only ``desk``).
    """

    id: Id
    name: ShortText
    aliases: list[ShortText] = Field(default_factory=list)
    minutes: Annotated[int, Field(ge=1, le=14)]  # a Discord interaction token lives 15 min
    where: Annotated[list[Where], Field(min_length=1)]
    about: Text
    items: list[RoutineItem] = Field(default_factory=list)

    @model_validator(mode="after")
    def _not_empty(self) -> Routine:
        if not self.items:
            raise ValueError("items is empty: a routine needs at least one stretch")
        return self


class RoutineFile(_Strict):
    version: int
    routines: list[Routine]


class StretchFile(_Strict):
    version: int
    stretches: list[Stretch]


class TipFile(_Strict):
    version: int
    tips: list[Tip]


class PromptFile(_Strict):
    version: int
    prompts: list[Prompt]


class RedFlagFile(_Strict):
    version: int
    intro: Text
    red_flags: list[RedFlag]
    outro: Text
