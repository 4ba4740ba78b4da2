"""The pose schema: how a stretch is drawn, written by hand next to its steps.

Every stretch carries a ``pose:`` that the picture renderer (``bot/pictures``) turns into a
figure drawing. It is content like the rest, validated on load, so a typo in a joint name is
a content error with a file, line and field, never a broken picture.

The figure is one body (always the same proportions) made of straight bones. A panel starts
from a preset and says only what differs, as the direction each bone points, in degrees:

- ``0`` points the way the figure faces (in a side view; in a front, back or top view, to
  the picture's right), ``90`` up, ``-90`` (or ``270``) down, ``180`` backwards. Bones are
  absolute, not relative to their parent: a shin at ``-90`` is upright whatever the thigh
  does, so each number can be read on its own.
- A bone is a number, or ``[angle, length]`` where the length (above 0, up to 1.5; 1 is full
  length) shortens a bone that points toward or away from the viewer (a knee lifted toward
  you, a shin folded across the body in pigeon pose).

A pose (the ``pose:`` mapping):

- ``panels:`` one panel, or two for a movement (start and end, read left to right).
- ``view:`` ``side`` (the default), ``front`` (facing the viewer; the figure's right is on
  the picture's left), ``back`` (from behind: its right on the picture's right, a hand behind
  the head in plain sight) or ``top`` (lying on the floor, seen from above: no floor line).
- ``facing:`` ``right`` (the default) or ``left``, for side views. The figure's right side is
  the near one when it faces right, its left when it faces left: near limbs are drawn strong,
  far ones pale, so face the figure so the stretched side is near.
- ``closeup: yes`` draws the upper body larger (neck, wrists, eyes); ``closeup: hands``
  frames just the forearms and hands (finger exercises).
- ``props:`` and ``highlight:`` for every panel (a panel may give its own instead).

A panel (each item of ``panels:``):

- ``from:`` the preset: ``standing`` (the default), ``seated`` (on a chair: thighs level,
  hands on them), ``sitting`` (on the floor, legs long), ``lying`` (on the back),
  ``hook-lying`` (on the back, knees bent, feet flat), ``all-fours``, ``kneeling``,
  ``half-kneeling`` (right foot forward, left knee down).
- ``torso:`` from the hips to the base of the neck; ``head:`` from there to the crown;
  ``spine:`` bends the back, -60 to 60: positive rounds it (cat), negative arches it (cow).
- ``arm_r:`` / ``arm_l:`` ``[upper arm, forearm, hand]``; ``leg_r:`` / ``leg_l:``
  ``[thigh, shin, foot]`` (the last bone may be left out). ``arms:`` and ``legs:`` set both
  sides: the same angles in a side view, mirrored in the other views (give the right
  side's). A side given on its own wins over ``arms:``/``legs:``.
- ``turn:`` turns the chest, ``look:`` the face, about the vertical, -90 to 90, positive to
  the figure's left: a side-view figure twisting toward the viewer shows both shoulders.
- ``hands:`` ``fist``, ``spread`` (fingers fanned), ``hook`` (fingertips curled to the palm)
  or ``tabletop`` (bent at the big knuckles only), for both hands or ``[right, left]``:
  finger exercises, best in a close-up.
- ``behind:`` bones (or groups) hidden behind the body, e.g. ``[forearm_r, hand_r]`` for a
  hand dropped behind the head.
- ``shrug: yes`` lifts both shoulders toward the ears.
- ``label:`` a few words under the panel ("breathe in").
- ``arrows:`` movements, each ``{at: JOINT, dir: ANGLE}`` (a straight arrow beside the
  joint) or ``{at: JOINT, turn: cw}`` (``ccw``; a circle round it, a ring round the head);
  ``at: screen`` circles the screen (eyes tracing its edge).
- ``view:``, ``facing:``, ``props:``, ``highlight:`` for this panel only.

Joints, for props and arrows: ``head``, ``neck``, ``pelvis``, and ``shoulder``, ``elbow``,
``wrist``, ``hand`` (fingertips), ``hip``, ``knee``, ``ankle``, ``toe``, each with ``_r``
or ``_l``. ``highlight:`` lists what is drawn in the accent colour, the stretched area: bones
(``upper_arm_r``, ``forearm_l``, ``hand_r``, ``thigh_l``, ``shin_r``, ``foot_l``, ``neck``,
``head``, ``upper_torso``, ``lower_torso``), groups (``arm_r``, ``legs``, ``torso``...), a
joint (a disc: ``hip_r``, ``shoulder_l``) or ``eyes``.

Props (``props:``), placed from the body so they always meet it:

- ``mat: yes``; ``chair: sit`` (under the hips), ``behind`` or ``front`` (standing by it);
- ``desk: yes`` (in front, clear of the body) or a joint (its top under that joint, e.g.
  ``hand_l`` resting on it; behind the figure if the joint is); ``screen: yes`` on the desk;
- ``wall: front`` / ``back`` (touching the figure) or a joint that touches it;
- ``doorway: yes`` (the frame at the elbows); ``window: yes`` (ahead, with a line of sight);
  ``sight:`` where the eyes look, a dashed line to ``window``, ``screen`` or a joint;
- ``step:`` a joint resting on a low step; ``cushion:`` a joint or a list (under the knee);
- ``strap:``, ``towel:``, ``band:`` between two joints, e.g. ``[hand_l, toe_l]``.

A short example (pigeon pose, one panel, the stretched hip in the accent colour)::

    pose:
      props: {mat: yes}
      highlight: [hip_r, thigh_r]
      panels:
        - from: sitting
          torso: 86
          arms: [-62, -75, 0]
          leg_r: [-28, [182, 0.75], 180]
          leg_l: [186, 180, 180]

A bare preset name is a whole pose too (``pose: seated``: one side-view panel in it).
"""

from __future__ import annotations

import difflib
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
    model_validator,
)


class View(StrEnum):
    SIDE = "side"
    FRONT = "front"
    BACK = "back"  # from behind: the figure's right on the picture's right, no face
    TOP = "top"  # lying on the floor, seen from above


class Facing(StrEnum):
    RIGHT = "right"
    LEFT = "left"


class Preset(StrEnum):
    """Starting positions; a panel changes only the bones that differ."""

    STANDING = "standing"
    SEATED = "seated"  # on a chair: thighs level, shins down, hands on the thighs
    SITTING = "sitting"  # on the floor, legs long in front
    LYING = "lying"  # on the back, legs long
    HOOK_LYING = "hook-lying"  # on the back, knees bent, feet flat
    ALL_FOURS = "all-fours"  # hands and knees
    KNEELING = "kneeling"  # upright on both knees
    HALF_KNEELING = "half-kneeling"  # right foot forward, left knee down


class Hands(StrEnum):
    FIST = "fist"
    SPREAD = "spread"  # fingers fanned, seen palm-on
    HOOK = "hook"  # fingertips curled to the top of the palm, big knuckles straight
    TABLETOP = "tabletop"  # fingers straight, bent at the big knuckles


class Closeup(StrEnum):
    UPPER = "upper"  # head, shoulders, arms and hands
    HANDS = "hands"  # forearms and hands only


class ChairPlace(StrEnum):
    SIT = "sit"  # the hips rest on the seat
    BEHIND = "behind"  # standing in front of it (sit-to-stand)
    FRONT = "front"  # standing behind it, e.g. hands on the backrest


# Points of the skeleton, for props (what a strap joins, what a desk is under), arrows and
# highlights. Side suffixes: _r is the figure's right, _l its left.
JOINTS: tuple[str, ...] = (
    "head", "neck", "pelvis",
    *(f"{j}_{s}" for j in ("shoulder", "elbow", "wrist", "hand", "hip", "knee", "ankle", "toe")
      for s in ("r", "l")),
)
# Bones and regions that can be drawn in the accent colour, and the groups that name several.
BONES: tuple[str, ...] = (
    "head", "neck", "upper_torso", "lower_torso",
    *(f"{b}_{s}" for b in ("upper_arm", "forearm", "hand", "thigh", "shin", "foot")
      for s in ("r", "l")),
)
GROUPS: dict[str, tuple[str, ...]] = {
    "torso": ("upper_torso", "lower_torso"),
    **{f"arm_{s}": (f"upper_arm_{s}", f"forearm_{s}", f"hand_{s}") for s in ("r", "l")},
    **{f"leg_{s}": (f"thigh_{s}", f"shin_{s}", f"foot_{s}") for s in ("r", "l")},
    "arms": tuple(f"{b}_{s}" for s in ("r", "l") for b in ("upper_arm", "forearm", "hand")),
    "legs": tuple(f"{b}_{s}" for s in ("r", "l") for b in ("thigh", "shin", "foot")),
}
# A joint highlighted is a disc on that joint (a hip, a wrist); "eyes" marks the eyes.
HIGHLIGHTS: tuple[str, ...] = tuple(dict.fromkeys((*BONES, *GROUPS, *JOINTS, "eyes")))


def _named(allowed: tuple[str, ...], what: str) -> Any:
    """A validator for a name from ``allowed``, with a "did you mean" for typos."""

    def check(value: str) -> str:
        if value in allowed:
            return value
        close = difflib.get_close_matches(value, allowed, n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        raise ValueError(f"unknown {what} {value!r}{hint} (one of: {', '.join(allowed)})")

    return AfterValidator(check)


JointName = Annotated[str, _named(JOINTS, "joint")]
HighlightName = Annotated[str, _named(HIGHLIGHTS, "part")]
BoneName = Annotated[str, _named((*BONES, *GROUPS), "bone")]
Angle = Annotated[float, Field(ge=-360, le=360)]
Length = Annotated[float, Field(gt=0, le=1.5)]


def _bone(value: Any) -> Any:
    """``-90`` is shorthand for ``[-90, 1]``: a bone at full length."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return (value, 1.0)
    return value


Bone = Annotated[tuple[Angle, Length], BeforeValidator(_bone)]
Limb = Annotated[list[Bone], Field(min_length=2, max_length=3)]
Label = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40)]


def _pair(value: Any) -> Any:
    return tuple(value) if isinstance(value, list) else value


Between = Annotated[tuple[JointName, JointName], BeforeValidator(_pair)]


def _listed(value: Any) -> Any:
    return [value] if isinstance(value, str) else value


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class Props(_Strict):
    """The furniture and kit in a panel, each placed from the figure's joints.

    ``desk`` and ``wall`` take ``front`` or ``back`` (wall only): the nearest free spot that
    way, touching the figure; or a joint: a desk whose top is under that joint (a hand resting
    on it), a wall that joint touches.
    """

    mat: bool = False
    chair: ChairPlace | None = None
    desk: Annotated[str, _named(("front", *JOINTS), "desk place")] | None = None
    screen: bool = False  # a monitor on the desk
    wall: Annotated[str, _named(("front", "back", *JOINTS), "wall place")] | None = None
    doorway: bool = False
    step: JointName | None = None  # a low step under this joint (a heel)
    cushion: Annotated[list[JointName], BeforeValidator(_listed)] = Field(default_factory=list)
    strap: Between | None = None
    towel: Between | None = None
    band: Between | None = None  # a short loop, e.g. around both ankles
    window: bool = False  # a window with a far view, in the direction the figure faces
    # Where a dashed line of sight goes from the eyes: "window", "screen" or a joint (a
    # thumb held up close). A window alone draws its line of sight too.
    sight: Annotated[str, _named(("window", "screen", *JOINTS), "sight")] | None = None

    @model_validator(mode="before")
    @classmethod
    def _yes_means_front(cls, data: Any) -> Any:
        """``desk: yes`` reads naturally; it means the usual place, in front."""
        if isinstance(data, dict) and data.get("desk") is True:
            return {**data, "desk": "front"}
        return data

    @model_validator(mode="after")
    def _screen_needs_desk(self) -> Props:
        if self.screen and self.desk is None:
            raise ValueError("screen stands on a desk: add desk too")
        if self.sight in ("window", "screen") and not getattr(self, self.sight):
            raise ValueError(f"sight goes to the {self.sight}: add {self.sight}: yes too")
        return self


class Arrow(_Strict):
    """A movement: a straight arrow from a joint pointing at ``dir`` degrees, or a circle
    around it (``turn: cw`` or ``ccw``)."""

    at: Annotated[str, _named((*JOINTS, "screen"), "arrow place")]
    dir: Angle | None = None
    turn: Literal["cw", "ccw"] | None = None

    @model_validator(mode="after")
    def _one_kind(self) -> Arrow:
        if (self.dir is None) == (self.turn is None):
            raise ValueError("an arrow needs either dir (straight) or turn (a circle), not both")
        if self.at == "screen" and self.turn is None:
            raise ValueError("an arrow at the screen circles it: give turn (cw or ccw)")
        return self


class Panel(_Strict):
    """One drawing: a preset plus the bones that differ; view and props may differ per panel."""

    preset: Preset = Field(default=Preset.STANDING, alias="from")
    view: View | None = None
    facing: Facing | None = None
    label: Label | None = None
    torso: Bone | None = None
    spine: Annotated[float, Field(ge=-60, le=60)] | None = None
    # The chest and the face turned about the vertical, in degrees; positive turns them to
    # the figure's left. A side-view figure turning its chest toward the viewer shows both
    # shoulders (a seated twist).
    turn: Annotated[float, Field(ge=-90, le=90)] | None = None
    head: Bone | None = None
    look: Annotated[float, Field(ge=-90, le=90)] | None = None
    shrug: bool = False  # both shoulders lifted toward the ears
    arms: Limb | None = None
    arm_r: Limb | None = None
    arm_l: Limb | None = None
    legs: Limb | None = None
    leg_r: Limb | None = None
    leg_l: Limb | None = None
    # One shape for both hands, or [right, left] (a spread hand and the fist holding it).
    hands: Hands | Annotated[list[Hands], Field(min_length=2, max_length=2)] | None = None
    behind: list[BoneName] | None = None  # bones hidden behind the body (a hand behind the head)
    props: Props | None = None  # replaces the pose's props for this panel
    highlight: list[HighlightName] | None = None  # replaces the pose's highlight
    arrows: list[Arrow] = Field(default_factory=list)


class Pose(_Strict):
    view: View = View.SIDE
    facing: Facing = Facing.RIGHT
    # Draw the upper body larger (neck, wrists, hands, eyes): small movements stay visible.
    closeup: Closeup | None = None

    @field_validator("closeup", mode="before")
    @classmethod
    def _yes_is_upper(cls, value: Any) -> Any:
        """``closeup: yes`` (a YAML boolean) is the upper-body close-up."""
        if value is True:
            return Closeup.UPPER
        return None if value is False else value
    props: Props = Field(default_factory=Props)
    highlight: list[HighlightName] = Field(default_factory=list)
    panels: Annotated[list[Panel], Field(min_length=1, max_length=2)]

    @model_validator(mode="after")
    def _anchors_exist(self) -> Pose:
        for panel in self.panels:
            props = panel.props or self.props
            if any(a.at == "screen" for a in panel.arrows) and not props.screen:
                raise ValueError("panels: an arrow at the screen needs screen: yes in props")
        return self

    @model_validator(mode="before")
    @classmethod
    def _preset_only(cls, data: Any) -> Any:
        """``pose: seated`` is a whole pose: one panel in that preset."""
        if isinstance(data, str):
            return {"panels": [{"from": data}]}
        return data
