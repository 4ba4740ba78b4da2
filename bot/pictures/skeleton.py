"""Turn a pose panel into points: one body, always the same proportions.

Pure geometry, no drawing, so the proportions and the presets can be read (and tested) on
their own. Units are metres of a 1.75 m adult; ``y`` is up and, in a side view, ``x`` is the
way the figure faces until :func:`solve` mirrors a left-facing figure at the end.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from bot.core.content.pose import GROUPS, Facing, Hands, Panel, Pose, Preset, View

Point = tuple[float, float]
BoneSpec = tuple[float, float]  # (angle in degrees, length as a fraction)

# Proportions (metres). Hips 0.92 m up, shoulders 1.44 m, crown 1.75 m when standing.
TORSO = 0.52
NECK = 0.09  # the visible neck stroke, from the top of the torso
HEAD_OFFSET = 0.2  # top of the torso to the centre of the head
HEAD_R = 0.115
UPPER_ARM = 0.30
FOREARM = 0.26
HAND = 0.09
THIGH = 0.44
SHIN = 0.43
FOOT = 0.15
SHOULDER_HALF = 0.18  # front view: centre line to shoulder
HIP_HALF = 0.09
SHOULDER_AT = 0.9  # side view: the arms hang from this far up the torso
SHRUG = 0.07  # how far a shrug lifts the shoulders
BEHIND = 3  # the layer of bones hidden behind the body

ARM_BONES = ("upper_arm", "forearm", "hand")
LEG_BONES = ("thigh", "shin", "foot")
ARM_LENGTHS = (UPPER_ARM, FOREARM, HAND)
LEG_LENGTHS = (THIGH, SHIN, FOOT)

Angles = dict[str, BoneSpec]


def _both(bones: tuple[str, ...], angles: tuple[float, ...]) -> Angles:
    return {f"{b}_{s}": (a, 1.0) for s in ("r", "l") for b, a in zip(bones, angles, strict=True)}


def _side(side: str, bones: tuple[str, ...], specs: tuple[BoneSpec, ...]) -> Angles:
    return {f"{b}_{side}": spec for b, spec in zip(bones, specs, strict=True)}


def _mirror(spec: BoneSpec) -> BoneSpec:
    return (180.0 - spec[0], spec[1])


def _front(arm_r: tuple[BoneSpec, ...], leg_r: tuple[BoneSpec, ...]) -> Angles:
    """A symmetric front-view preset from its right side (on the picture's left)."""
    out: Angles = {}
    out |= _side("r", ARM_BONES, arm_r) | _side("l", ARM_BONES, tuple(map(_mirror, arm_r)))
    out |= _side("r", LEG_BONES, leg_r) | _side("l", LEG_BONES, tuple(map(_mirror, leg_r)))
    return out


_UPRIGHT: Angles = {"torso": (90.0, 1.0), "head": (90.0, 1.0)}
_SUPINE: Angles = {"torso": (180.0, 1.0), "head": (180.0, 1.0)}

SIDE_PRESETS: dict[Preset, Angles] = {
    Preset.STANDING: _UPRIGHT
    | _both(ARM_BONES, (-92, -88, -90))
    | _both(LEG_BONES, (-90, -90, 0)),
    Preset.SEATED: {"torso": (92.0, 1.0), "head": (88.0, 1.0)}
    | _both(ARM_BONES, (-100, -20, -25))
    | _both(LEG_BONES, (0, -90, 0)),
    Preset.SITTING: {"torso": (96.0, 1.0), "head": (92.0, 1.0)}
    | _both(ARM_BONES, (-95, -95, 0))
    | _both(LEG_BONES, (0, 0, 90)),
    Preset.LYING: _SUPINE | _both(ARM_BONES, (0, 0, 0)) | _both(LEG_BONES, (0, 0, 90)),
    Preset.HOOK_LYING: _SUPINE
    | _both(ARM_BONES, (0, 0, 0))
    | _both(LEG_BONES, (52, -62, 0)),
    Preset.ALL_FOURS: {"torso": (12.0, 1.0), "head": (8.0, 1.0)}
    | _both(ARM_BONES, (-90, -90, 0))
    | _both(LEG_BONES, (-90, 180, 180)),
    Preset.KNEELING: _UPRIGHT
    | _both(ARM_BONES, (-92, -88, -90))
    | _both(LEG_BONES, (-90, 180, 180)),
    Preset.HALF_KNEELING: _UPRIGHT
    | _both(ARM_BONES, (-92, -88, -90))
    | _side("r", LEG_BONES, ((0, 1), (-90, 1), (0, 1)))
    | _side("l", LEG_BONES, ((-95, 1), (180, 1), (180, 1))),
}

_FRONT_STANDING = _UPRIGHT | _front(
    ((-97, 1), (-93, 1), (-90, 1)), ((-92, 1), (-90, 1), (180, 0.45))
)
_FRONT_SEATED = _UPRIGHT | _front(
    ((-100, 1), (-80, 0.5), (-90, 0.6)), ((-95, 0.22), (-90, 1), (180, 0.45))
)
_FRONT_KNEELING = _UPRIGHT | _front(
    ((-97, 1), (-93, 1), (-90, 1)), ((-92, 1), (-90, 0.2), (-90, 0.2))
)
FRONT_PRESETS: dict[Preset, Angles] = {
    Preset.STANDING: _FRONT_STANDING,
    Preset.SEATED: _FRONT_SEATED,
    Preset.SITTING: _UPRIGHT
    | _front(((-100, 1), (-95, 1), (-90, 0.5)), ((-105, 0.25), (-100, 0.25), (90, 0.5))),
    Preset.LYING: _FRONT_STANDING,
    Preset.HOOK_LYING: _UPRIGHT
    | _front(((-97, 1), (-93, 1), (-90, 1)), ((-95, 0.6), (-90, 0.6), (-90, 0.3))),
    Preset.ALL_FOURS: _FRONT_KNEELING,
    Preset.KNEELING: _FRONT_KNEELING,
    Preset.HALF_KNEELING: _FRONT_KNEELING,
}
# Seen from above, someone lying on their back looks like someone standing seen from the
# front: the presets are shared, and "up" in the picture is toward the head.
# From behind, each side is where the other was from the front: the same pose mirrored.
BACK_PRESETS: dict[Preset, Angles] = {
    preset: {bone: _mirror(spec) for bone, spec in angles.items()}
    for preset, angles in FRONT_PRESETS.items()
}
PRESETS: dict[View, dict[Preset, Angles]] = {
    View.SIDE: SIDE_PRESETS,
    View.FRONT: FRONT_PRESETS,
    View.BACK: BACK_PRESETS,
    View.TOP: FRONT_PRESETS,
}


@dataclass(frozen=True, slots=True)
class Stroke:
    """A bone (or the torso) as a polyline; ``layer`` 0 is the far side, 1 the trunk, 2 near,
    and BEHIND a near bone the body hides (drawn in full colour, under the trunk)."""

    name: str
    points: tuple[Point, ...]
    layer: int


@dataclass(slots=True)
class Body:
    view: View
    joints: dict[str, Point]
    strokes: list[Stroke]
    head: Point
    hands: dict[str, Hands]  # side -> shape, for the sides that have one
    eyes: tuple[Point, ...] = field(default=())  # the eyes the viewer can see
    nose: Point = (0.0, 0.0)  # a bump on the head's outline where the face points
    torso_outline: tuple[Point, ...] = field(default=())  # front view: shoulders and hips
    shoulder_bar: bool = False  # side view, chest turned toward the viewer
    facing_sign: float = 1.0  # side view: +1 facing right, -1 facing left

    def translate(self, dx: float, dy: float) -> None:
        self.joints = {k: (x + dx, y + dy) for k, (x, y) in self.joints.items()}
        self.strokes = [
            Stroke(s.name, tuple((x + dx, y + dy) for x, y in s.points), s.layer)
            for s in self.strokes
        ]
        self.head = (self.head[0] + dx, self.head[1] + dy)
        self.eyes = tuple((x + dx, y + dy) for x, y in self.eyes)
        self.nose = (self.nose[0] + dx, self.nose[1] + dy)
        self.torso_outline = tuple((x + dx, y + dy) for x, y in self.torso_outline)


def _dir(angle: float) -> Point:
    rad = math.radians(angle)
    return (math.cos(rad), math.sin(rad))


def _add(p: Point, d: Point, k: float) -> Point:
    return (p[0] + d[0] * k, p[1] + d[1] * k)


def angles_for(panel: Panel, view: View) -> Angles:
    """The preset's bones, then ``arms``/``legs``, then one-sided limbs, torso and head."""
    angles = dict(PRESETS[view][panel.preset])
    mirrored = view is not View.SIDE
    for both, bones in ((panel.arms, ARM_BONES), (panel.legs, LEG_BONES)):
        if both is None:
            continue
        left = tuple(map(_mirror, both)) if mirrored else tuple(both)
        angles |= _side("r", bones[: len(both)], tuple(both))
        angles |= _side("l", bones[: len(left)], left)
    for side in ("r", "l"):
        arm = getattr(panel, f"arm_{side}")
        leg = getattr(panel, f"leg_{side}")
        if arm is not None:
            angles |= _side(side, ARM_BONES[: len(arm)], tuple(arm))
        if leg is not None:
            angles |= _side(side, LEG_BONES[: len(leg)], tuple(leg))
    if panel.torso is not None:
        angles["torso"] = panel.torso
    if panel.head is not None:
        angles["head"] = panel.head
    return angles


def _bezier(p0: Point, c: Point, p1: Point, steps: int = 12) -> list[Point]:
    out = []
    for i in range(steps + 1):
        t = i / steps
        a, b, d = (1 - t) ** 2, 2 * (1 - t) * t, t * t
        out.append((a * p0[0] + b * c[0] + d * p1[0], a * p0[1] + b * c[1] + d * p1[1]))
    return out


def solve(pose: Pose, panel: Panel) -> Body:
    """The panel's body with the hips at the origin (placing it is the renderer's job)."""
    view = panel.view or pose.view
    facing = panel.facing or pose.facing
    angles = angles_for(panel, view)
    side_view = view is View.SIDE
    t_angle, t_len = angles["torso"]
    t_dir = _dir(t_angle)
    # The body's right, seen by the viewer: in a side view it points out of the picture, so
    # the perpendicular only matters for the spine's bend (toward the back) and front views.
    perp_r = _dir(t_angle - 90 if view is View.BACK else t_angle + 90)
    pelvis: Point = (0.0, 0.0)
    neck = _add(pelvis, t_dir, TORSO * t_len)
    # The spine bends as a quadratic curve whose control point sits off the chord: toward the
    # back (perp_r in a side view facing right) for a rounded back, toward the belly when arched.
    bend = math.radians(panel.spine or 0.0)
    sag = (TORSO * t_len / 2) * math.tan(bend / 2)
    mid = _add(pelvis, t_dir, TORSO * t_len / 2)
    control = _add(mid, perp_r, sag) if side_view else mid
    spine = _bezier(pelvis, control, neck)
    joints: dict[str, Point] = {"pelvis": pelvis, "neck": neck}
    strokes: list[Stroke] = []
    half = len(spine) // 2
    strokes.append(Stroke("lower_torso", tuple(spine[: half + 1]), 1))
    strokes.append(Stroke("upper_torso", tuple(spine[half:]), 1))
    turn = math.radians(panel.turn or 0.0)
    if side_view:
        # Turning the chest to the figure's left brings the right shoulder forward (and the
        # left one back), whichever way the figure faces; perp_r points to the back here.
        shoulder = spine[round(SHOULDER_AT * (len(spine) - 1))]
        spread = SHOULDER_HALF * math.sin(turn)
        shoulders = {"r": _add(shoulder, perp_r, -spread), "l": _add(shoulder, perp_r, spread)}
        hips = {"r": pelvis, "l": pelvis}
        outline: tuple[Point, ...] = ()
    else:
        shoulders = {
            "r": _add(neck, perp_r, SHOULDER_HALF * math.cos(turn)),
            "l": _add(neck, perp_r, -SHOULDER_HALF * math.cos(turn)),
        }
        hips = {"r": _add(pelvis, perp_r, HIP_HALF), "l": _add(pelvis, perp_r, -HIP_HALF)}
        outline = (shoulders["r"], shoulders["l"], hips["l"], hips["r"])
    if panel.shrug:  # the shoulders rise toward the ears, straight up the torso's line
        shoulders = {k: _add(v, t_dir, SHRUG) for k, v in shoulders.items()}
        if outline:
            outline = (shoulders["r"], shoulders["l"], hips["l"], hips["r"])
    hidden = {b for name in panel.behind or () for b in GROUPS.get(name, (name,))}
    near = "r" if facing is Facing.RIGHT else "l"
    # From the front or above, a chest turned well round (someone lying on their side) has
    # one side away from the viewer: that side is the far one, drawn pale and behind.
    away = None
    if abs(turn) >= math.pi / 4:
        away = "l" if turn > 0 else "r"
    for side in ("r", "l"):
        if side_view:
            layer = 2 if side == near else 0
        else:
            layer = 0 if side == away else 2
        joints[f"shoulder_{side}"] = shoulders[side]
        joints[f"hip_{side}"] = hips[side]
        for start, bones, lengths, names in (
            (shoulders[side], ARM_BONES, ARM_LENGTHS, ("elbow", "wrist", "hand")),
            (hips[side], LEG_BONES, LEG_LENGTHS, ("knee", "ankle", "toe")),
        ):
            point = start
            for bone, length, joint in zip(bones, lengths, names, strict=True):
                angle, scale = angles[f"{bone}_{side}"]
                end = _add(point, _dir(angle), length * scale)
                name = f"{bone}_{side}"
                strokes.append(Stroke(name, (point, end), BEHIND if name in hidden else layer))
                joints[f"{joint}_{side}"] = end
                point = end
    h_angle, h_len = angles["head"]
    h_dir = _dir(h_angle)
    neck_top = _add(neck, h_dir, NECK * h_len)
    strokes.append(Stroke("neck", (neck, neck_top), 1))
    head = _add(neck, h_dir, HEAD_OFFSET * h_len)
    joints["head"] = head
    eyes, nose = _face(head, h_dir, side_view, facing, panel.look or 0.0)
    if view is View.BACK:  # the face is on the far side of the head
        eyes, nose = (), head
    body = Body(
        view=view,
        joints=joints,
        strokes=strokes,
        head=head,
        hands=_hands(panel.hands),
        eyes=eyes,
        nose=nose,
        torso_outline=outline,
        shoulder_bar=side_view and abs(math.sin(turn)) > 0.25,
        facing_sign=-1.0 if side_view and facing is Facing.LEFT else 1.0,
    )
    if side_view and facing is Facing.LEFT:
        _mirror_x(body)
    return body


Vec3 = tuple[float, float, float]


def _face(head: Point, up2: Point, side_view: bool, facing: Facing,
          look: float) -> tuple[tuple[Point, ...], Point]:
    """Where the eyes and nose show, from the face's direction on a round head.

    The head is treated as a sphere: the face points forward (side view) or at the viewer
    (front and top views), turned by ``look`` toward the figure's left; an eye on the far
    half of the sphere is hidden. This is what makes a turned head read as turned.
    """
    up: Vec3 = (up2[0], up2[1], 0.0)
    if side_view:
        ahead: Vec3 = (up2[1], -up2[0], 0.0)  # the in-picture perpendicular, toward the front
        # The figure's left points into the picture when it faces right (its right side is
        # the near one), out of it when it faces left (drawn mirrored afterwards).
        left: Vec3 = (0.0, 0.0, -1.0 if facing is Facing.RIGHT else 1.0)
    else:
        ahead = (0.0, 0.0, 1.0)
        left = (up2[1], -up2[0], 0.0)
    a = math.radians(look)
    face = tuple(math.cos(a) * f + math.sin(a) * s for f, s in zip(ahead, left, strict=True))
    across = (  # up x face: the line through both eyes
        up[1] * face[2] - up[2] * face[1],
        up[2] * face[0] - up[0] * face[2],
        up[0] * face[1] - up[1] * face[0],
    )
    eyes = []
    for side in (1.0, -1.0):
        v = [0.55 * f + 0.12 * u + side * 0.36 * c for f, u, c in zip(face, up, across,
                                                                       strict=True)]
        if v[2] > -0.05:
            eyes.append((head[0] + v[0] * HEAD_R, head[1] + v[1] * HEAD_R))
    nose = (head[0] + face[0] * HEAD_R * 0.95, head[1] + face[1] * HEAD_R * 0.95)
    return tuple(eyes), nose


def _hands(shape: Hands | list[Hands] | None) -> dict[str, Hands]:
    if shape is None:
        return {}
    if isinstance(shape, list):
        return {"r": shape[0], "l": shape[1]}
    return {"r": shape, "l": shape}


def _mirror_x(body: Body) -> None:
    body.joints = {k: (-x, y) for k, (x, y) in body.joints.items()}
    body.strokes = [
        Stroke(s.name, tuple((-x, y) for x, y in s.points), s.layer) for s in body.strokes
    ]
    body.head = (-body.head[0], body.head[1])
    body.eyes = tuple((-x, y) for x, y in body.eyes)
    body.nose = (-body.nose[0], body.nose[1])
