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


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Dose(_Strict):
    """How much: hold for a time or a number of breaths, and/or a number of reps and sets."""

    hold_seconds: Annotated[int, Field(ge=1, le=600)] | None = None
    hold_breaths: Annotated[int, Field(ge=1, le=60)] | None = None
    reps: Annotated[int, Field(ge=1, le=100)] | None = None
    sets: Annotated[int, Field(ge=1, le=10)] | None = None

    @model_validator(mode="after")
    def _something(self) -> Dose:
        if not any((self.hold_seconds, self.hold_breaths, self.reps)):
            raise ValueError("give at least one of hold_seconds, hold_breaths or reps")
        return self


class Stretch(_Strict):
    id: Id
    name: ShortText
    aliases: list[ShortText] = Field(default_factory=list)
    areas: Annotated[list[Area], Field(min_length=1)]
    where: Annotated[list[Where], Field(min_length=1)]
    equipment: list[ShortText] = Field(default_factory=list)
    # How the picture draws it (bot/core/content/pose.py documents the schema).
    pose: Pose
    steps: Annotated[list[Text], Field(min_length=2, max_length=12)]
    dose: Dose
    sides: Sides = Sides.NONE
    cautions: Annotated[list[Text], Field(min_length=1)]
    # The id of a gentler stretch to try instead (checked: it must exist), and/or free text.
    easier: Id | None = None
    easier_note: Text | None = None
    why: Text

    @model_validator(mode="after")
    def _sharp_pain(self) -> Stretch:
        if not any(re.search(r"sharp", c, re.IGNORECASE) for c in self.cautions):
            raise ValueError("cautions must tell people to stop on sharp pain")
        return self


class Tip(_Strict):
    id: Id
    topic: ShortText
    text: Text


class Prompt(_Strict):
    id: Id
    text: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]


class RedFlag(_Strict):
    id: Id
    sign: Text


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
