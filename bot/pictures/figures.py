"""Stretch figures: a pose from the content, drawn as a PNG in the house style.

Every figure is the same body (:mod:`bot.pictures.skeleton`) at the same scale, with the
same line weights and colours (:mod:`bot.pictures.look`), so a page of them reads as one set.
Drawing happens in two steps: :func:`layout` turns the pose into a flat list of shapes in
metres (body, props, arrows), grounded on the floor and centred in its panel; :func:`paint`
hands those shapes to matplotlib (Agg, the object API, anti-aliased). Keeping the layout free
of matplotlib lets tests check geometry (does every figure fit its panel?) cheaply.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Any, Literal, cast

from bot.core.content.pose import (
    BONES,
    GROUPS,
    JOINTS,
    ChairPlace,
    Closeup,
    Hands,
    Panel,
    Pose,
    Props,
    View,
)
from bot.pictures import look
from bot.pictures.skeleton import BEHIND, HEAD_R, SHIN, Body, Point, solve

PANEL_PX = 400  # each panel is square; two panels sit side by side
PX_PER_M = 150.0  # one scale for every figure: a standing adult is about 262 px tall
LABEL_BAND_PX = 50  # below the floor: room for the panel's label
MARGIN_M = 0.12  # keep-clear space inside a panel's edges

PANEL_M = PANEL_PX / PX_PER_M
FLOOR_M = LABEL_BAND_PX / PX_PER_M  # the floor's height above the picture's bottom edge


def _pt_to_m(points: float) -> float:
    return points * look.DPI / 72 / PX_PER_M


LIMB_PT = look.LIMB_WIDTH
TORSO_PT = look.LIMB_WIDTH * 2.1
LIMB_M = _pt_to_m(LIMB_PT)
TORSO_M = _pt_to_m(TORSO_PT)
HALO_PT = 3.0  # the gap drawn round a near limb where it crosses the body
PROP_PT = look.LINE_WIDTH * 2.2  # straps, chair legs: thinner than limbs, thicker than lines

SEAT_H = SHIN + LIMB_M / 2  # a chair's seat is at knee height, so seated feet meet the floor
DESK_H = 0.74
DOOR_H = 2.05
MAT_H = 0.035
MAT_WIDTH = 0.7
CUSHION_H = 0.08
WALL_W = 0.14

Kind = Literal["line", "poly", "circle", "arrow", "arc", "text"]


def _blend(colour: str, towards: str, amount: float) -> str:
    """``colour`` moved ``amount`` of the way to ``towards``: lighter tints of the palette."""
    a = [int(colour[i : i + 2], 16) for i in (1, 3, 5)]
    b = [int(towards[i : i + 2], 16) for i in (1, 3, 5)]
    mixed = [round(x + (y - x) * amount) for x, y in zip(a, b, strict=True)]
    return "#" + "".join(f"{v:02x}" for v in mixed)


# The far side of the body is a paler version of the near side, as in an anatomy drawing.
FAR = _blend(look.PRIMARY, look.BACKGROUND, 0.38)
ACCENT_FAR = _blend(look.ACCENT, look.BACKGROUND, 0.4)
FURNITURE = look.MUTED
FURNITURE_DARK = _blend(look.MUTED, look.INK, 0.35)
WALL = _blend(look.MUTED, look.BACKGROUND, 0.55)
MAT = _blend(look.SECONDARY, look.BACKGROUND, 0.35)
MAT_TOP = _blend(look.SECONDARY, look.BACKGROUND, 0.7)  # seen from above, a mat is large
CUSHION = _blend(look.SECONDARY, look.BACKGROUND, 0.1)


@dataclass(frozen=True, slots=True)
class Shape:
    """One thing to paint, in metres. ``width`` is a line width in points (0: no outline)."""

    kind: Kind
    points: tuple[Point, ...]
    colour: str
    z: float
    width: float = 0.0
    fill: str | None = None
    radius: float = 0.0
    text: str = ""
    dashed: bool = False

    def moved(self, dx: float, dy: float) -> Shape:
        return replace(self, points=tuple((x + dx, y + dy) for x, y in self.points))

    def extent(self) -> tuple[float, float, float, float]:
        pad = _pt_to_m(self.width) / 2 + self.radius
        xs = [p[0] for p in self.points]
        ys = [p[1] for p in self.points]
        return min(xs) - pad, min(ys) - pad, max(xs) + pad, max(ys) + pad


# Paint order, back to front.
Z_WALL, Z_FURNITURE, Z_FAR, Z_TRUNK, Z_NEAR, Z_KIT, Z_ARROW = 1, 2, 3, 4, 5, 6, 7
ARC_R = 0.17
ARROW_HEAD = 18.0  # arrowhead size, points
CLOSEUP_ZOOM = 1.9
HANDS_ZOOM = 3.2


@dataclass(slots=True)
class PanelLayout:
    """One panel ready to paint: shapes in metres and the square of the world it shows."""

    shapes: list[Shape]
    label: str | None
    view: View
    origin: Point = (0.0, 0.0)  # the world point at the panel's bottom-left corner
    zoom: float = 1.0  # 1: the whole scene at the standard scale; more for a close-up
    fits: bool = True  # everything that matters lies inside the panel

    @property
    def size(self) -> float:
        return PANEL_M / self.zoom

    @property
    def floor(self) -> bool:
        return self.view is not View.TOP


def _highlighted(names: Iterable[str]) -> set[str]:
    out: set[str] = set()
    for name in names:
        out.update(GROUPS.get(name, (name,)))
    return out


def _body_shapes(body: Body, highlight: set[str]) -> list[Shape]:
    shapes: list[Shape] = []
    layer_z = {0: Z_FAR, 1: Z_TRUNK, 2: Z_NEAR, BEHIND: Z_TRUNK - 0.3}
    for stroke in body.strokes:
        far = stroke.layer == 0
        lit = stroke.name in highlight
        colour = (ACCENT_FAR if far else look.ACCENT) if lit else (FAR if far else look.PRIMARY)
        trunk = stroke.name in ("upper_torso", "lower_torso")
        if trunk and body.view is not View.SIDE:
            continue  # drawn as the outline below
        shape = body.hands.get(stroke.name[-1]) if stroke.name.startswith("hand_") else None
        if shape is Hands.FIST:
            shapes.append(Shape("circle", (stroke.points[1],), colour, layer_z[stroke.layer],
                                fill=colour, radius=LIMB_M * 0.85))
            continue
        if shape in (Hands.HOOK, Hands.TABLETOP):
            assert shape is not None
            shapes.append(_curled(stroke.points, shape, body.facing_sign, colour,
                                  layer_z[stroke.layer]))
            continue
        if shape is Hands.SPREAD:
            shapes += _fingers(stroke.points, colour, layer_z[stroke.layer],
                               mirror=_inner_is_right(body.view, stroke.name))
            continue
        width = TORSO_PT if trunk else LIMB_PT
        z = layer_z[stroke.layer] + (0.1 if lit else 0.0)
        if stroke.layer == 2:
            shapes.append(_halo(stroke.name, stroke.points))
        shapes.append(Shape("line", stroke.points, colour, z, width=width))
    if body.torso_outline:
        lit_upper = "upper_torso" in highlight
        lit_lower = "lower_torso" in highlight
        colour = look.ACCENT if lit_upper and lit_lower else look.PRIMARY
        shapes.append(Shape("poly", body.torso_outline, colour, Z_TRUNK, width=LIMB_PT,
                            fill=colour))
        if lit_upper != lit_lower:
            sr, sl, hl, hr = body.torso_outline
            mr = ((sr[0] + hr[0]) / 2, (sr[1] + hr[1]) / 2)
            ml = ((sl[0] + hl[0]) / 2, (sl[1] + hl[1]) / 2)
            half = (sr, sl, ml, mr) if lit_upper else (mr, ml, hl, hr)
            shapes.append(Shape("poly", half, look.ACCENT, Z_TRUNK + 0.05, width=LIMB_PT,
                                fill=look.ACCENT))
    head_colour = look.ACCENT if "head" in highlight else look.PRIMARY
    shapes.append(Shape("circle", (body.head,), head_colour, Z_TRUNK + 0.2, fill=head_colour,
                        radius=HEAD_R))
    shapes += _face(body, head_colour, "eyes" in highlight)
    if body.shoulder_bar:
        colour = look.ACCENT if "upper_torso" in highlight else look.PRIMARY
        bar = (body.joints["shoulder_r"], body.joints["shoulder_l"])
        shapes.append(Shape("line", bar, colour, Z_TRUNK + 0.05, width=LIMB_PT * 1.5))
    for joint in sorted(highlight & set(JOINTS) - set(BONES)):  # hand_r names the bone
        point = body.joints[joint]
        shapes.append(Shape("circle", (point,), look.ACCENT, Z_NEAR + 0.3, fill=look.ACCENT,
                            radius=LIMB_M * 0.95))
    return shapes


def _inner_is_right(view: View, name: str) -> bool:
    """Whether a palm-on hand's thumb (its inner side) points to the picture's right."""
    if view is View.SIDE:
        return False
    return name.endswith("_r" if view is View.BACK else "_l")


def _halo(name: str, points: Sequence[Point]) -> Shape:
    """A thin background-coloured edge under a near limb, so an arm in front of the chest (or
    a hand in front of the face) reads as in front instead of merging into it.

    It lies above the trunk and the far limbs but below the near ones. The first bone of a
    limb leaves its root out, so no ring shows where the arm or leg joins the body.
    """
    (x0, y0), (x1, y1) = points[0], points[-1]
    if name.startswith(("upper_arm_", "thigh_")):
        x0, y0 = x0 + (x1 - x0) * 0.4, y0 + (y1 - y0) * 0.4
    return Shape("line", ((x0, y0), (x1, y1)), look.BACKGROUND, Z_TRUNK + 0.45,
                 width=LIMB_PT + HALO_PT)


def _fingers(points: Sequence[Point], colour: str, z: float, mirror: bool) -> list[Shape]:
    """An open hand seen palm-on: the thumb low on the inner side, four fingers fanned."""
    (wx, wy), (hx, hy) = points[0], points[1]
    base = math.degrees(math.atan2(hy - wy, hx - wx))
    length = math.hypot(hx - wx, hy - wy) * 2.3
    palm_at = (wx + (hx - wx) * 0.3, wy + (hy - wy) * 0.3)
    palm = Shape("circle", (palm_at,), colour, z, fill=colour, radius=LIMB_M * 0.62)
    fingers = []
    for spread, reach in ((-95, 0.6), (-42, 0.9), (-14, 1.0), (14, 0.95), (42, 0.8)):
        a = math.radians(base + (-spread if mirror else spread))
        tip = (palm_at[0] + math.cos(a) * length * reach, palm_at[1] + math.sin(a) * length * reach)
        fingers.append(Shape("line", (palm_at, tip), colour, z, width=LIMB_PT * 0.27))
    return [palm, *fingers]


# Finger joint bends (big knuckle, middle, end) toward the palm, in degrees.
FINGER_BENDS = {Hands.HOOK: (0.0, 95.0, 80.0), Hands.TABLETOP: (88.0, 0.0, 0.0)}


def _curled(points: Sequence[Point], shape: Hands, sign: float, colour: str,
            z: float) -> Shape:
    """A hand seen from the thumb side: the palm, then three finger bones bent toward it.

    The palm faces the way the figure faces when the hand is raised (as in tendon glides),
    so the fingers curl clockwise for a figure facing right and anticlockwise when mirrored.
    """
    (wx, wy), (hx, hy) = points[0], points[1]
    length = math.hypot(hx - wx, hy - wy)
    angle = math.degrees(math.atan2(hy - wy, hx - wx))
    palm = (wx + (hx - wx) * 0.6, wy + (hy - wy) * 0.6)
    line = [points[0], palm]
    for bend, bone in zip(FINGER_BENDS[shape], (0.45, 0.32, 0.26), strict=True):
        angle -= bend * sign
        a = math.radians(angle)
        x, y = line[-1]
        line.append((x + math.cos(a) * length * bone, y + math.sin(a) * length * bone))
    return Shape("line", tuple(line), colour, z, width=LIMB_PT * 0.45)


def _face(body: Body, colour: str, lit: bool) -> list[Shape]:
    """The nose (a bump where the face points) and the eyes the viewer can see."""
    eye_colour = look.ACCENT if lit else look.BACKGROUND
    r = HEAD_R * (0.24 if lit else 0.14)
    shapes = [Shape("circle", (body.nose,), colour, Z_TRUNK + 0.2, fill=colour,
                    radius=HEAD_R * 0.24)]
    shapes += [Shape("circle", (eye,), eye_colour, Z_TRUNK + 0.3, fill=eye_colour, radius=r)
               for eye in body.eyes]
    return shapes


def _lowest(shapes: Iterable[Shape]) -> float:
    return min(s.extent()[1] for s in shapes)


def _box(x0: float, y0: float, x1: float, y1: float, colour: str, z: float,
         round_px: float = 4.0) -> Shape:
    """A filled rectangle; a thin outline in the same colour rounds its corners."""
    inset = _pt_to_m(round_px) / 2
    pts = ((x0 + inset, y0 + inset), (x1 - inset, y0 + inset), (x1 - inset, y1 - inset),
           (x0 + inset, y1 - inset))
    return Shape("poly", pts, colour, z, width=round_px, fill=colour)


def _bar(p0: Point, p1: Point, colour: str, z: float, width: float = PROP_PT) -> Shape:
    return Shape("line", (p0, p1), colour, z, width=width)


def _extent_x(shapes: Iterable[Shape], above: float | None = None) -> tuple[float, float]:
    boxes = [s.extent() for s in shapes]
    if above is not None:
        boxes = [b for b in boxes if b[3] > above] or boxes
    return min(b[0] for b in boxes), max(b[2] for b in boxes)


def _chair(body: Body, place: ChairPlace, body_shapes: list[Shape], sign: float) -> list[Shape]:
    px, py = body.joints["pelvis"]
    seat = py - TORSO_M / 2 if place is ChairPlace.SIT else SEAT_H
    if body.view is not View.SIDE:
        x0, x1 = px - 0.27, px + 0.27
        return [
            _box(x0 + 0.03, seat - 0.02, x1 - 0.03, seat + 0.5, FURNITURE, Z_FURNITURE - 0.5),
            _box(x0, seat - 0.06, x1, seat, FURNITURE_DARK, Z_FURNITURE),
            _bar((x0 + 0.04, seat - 0.06), (x0 + 0.04, 0.0), FURNITURE_DARK, Z_FURNITURE),
            _bar((x1 - 0.04, seat - 0.06), (x1 - 0.04, 0.0), FURNITURE_DARK, Z_FURNITURE),
        ]
    depth = 0.44
    if place is ChairPlace.SIT:
        back = px - sign * 0.25
    elif place is ChairPlace.BEHIND:
        lo, hi = _extent_x(body_shapes)
        back = (lo - 0.06 - depth) if sign > 0 else (hi + 0.06 + depth)
    else:
        lo, hi = _extent_x(body_shapes)
        back = (hi + 0.06) if sign > 0 else (lo - 0.06)
    front = back + sign * depth
    x0, x1 = min(back, front), max(back, front)
    return [
        _box(x0, seat - 0.05, x1, seat, FURNITURE_DARK, Z_FURNITURE),
        _bar((front - sign * 0.03, seat - 0.05), (front - sign * 0.03, 0.0), FURNITURE_DARK,
             Z_FURNITURE),
        _bar((back + sign * 0.03, seat - 0.05), (back + sign * 0.03, 0.0), FURNITURE_DARK,
             Z_FURNITURE),
        _bar((back + sign * 0.03, seat), (back + sign * 0.01, seat + 0.48), FURNITURE_DARK,
             Z_FURNITURE),
        _box(min(back, back + sign * 0.06), seat + 0.22, max(back, back + sign * 0.06),
             seat + 0.5, FURNITURE_DARK, Z_FURNITURE),
    ]


def _desk(body: Body, where: str, screen: bool, body_shapes: list[Shape],
          sign: float, anchors: dict[str, Point]) -> list[Shape]:
    depth = 0.7
    if where == "front":
        top = DESK_H
        lo, hi = _extent_x(body_shapes, above=top)
        near = (hi + 0.04) if sign > 0 else (lo - 0.04)
    else:
        jx, jy = body.joints[where]
        top = jy - LIMB_M / 2
        # A hand resting on a desk behind the figure (holding on for balance) has the desk
        # reach backwards; otherwise it stands in front.
        if (jx - body.joints["pelvis"][0]) * sign < -0.05:
            sign = -sign
        near = jx - sign * 0.12
    far = near + sign * depth
    x0, x1 = min(near, far), max(near, far)
    shapes = [
        _box(x0, top - 0.045, x1, top, FURNITURE_DARK, Z_FURNITURE),
        _bar((near + sign * 0.05, top - 0.045), (near + sign * 0.05, 0.0), FURNITURE,
             Z_FURNITURE - 0.1),
        _bar((far - sign * 0.05, top - 0.045), (far - sign * 0.05, 0.0), FURNITURE,
             Z_FURNITURE - 0.1),
    ]
    if screen:
        sx = far - sign * 0.16
        shapes += [
            _bar((sx, top), (sx, top + 0.12), FURNITURE_DARK, Z_FURNITURE),
            _bar((sx - sign * 0.08, top + 0.005), (sx + sign * 0.06, top + 0.005),
                 FURNITURE_DARK, Z_FURNITURE),
            _box(min(sx, sx + sign * 0.05), top + 0.1, max(sx, sx + sign * 0.05), top + 0.42,
                 look.INK, Z_FURNITURE + 0.1),
        ]
        anchors["screen"] = (sx + sign * 0.025, top + 0.26)
    return shapes


def _wall(body: Body, where: str, body_shapes: list[Shape], sign: float) -> list[Shape]:
    top = PANEL_M
    if body.view is not View.SIDE and where == "back":
        lo, hi = _extent_x(body_shapes)
        mid = (lo + hi) / 2
        return [_box(mid - PANEL_M, 0.0, mid + PANEL_M, top, WALL, Z_WALL, round_px=0)]
    lo, hi = _extent_x(body_shapes)
    if where == "front":
        x = hi if sign > 0 else lo
        direction = sign
    elif where == "back":
        x = lo if sign > 0 else hi
        direction = -sign
    else:
        jx = body.joints[where][0]
        direction = 1.0 if jx >= body.joints["pelvis"][0] else -1.0
        x = jx + direction * LIMB_M / 2
    x1 = x + direction * WALL_W
    return [_box(min(x, x1), 0.0, max(x, x1), top, WALL, Z_WALL, round_px=0)]


def _doorway(body: Body, body_shapes: list[Shape], sign: float) -> list[Shape]:
    jamb = 0.1
    if body.view is View.SIDE:
        # Seen from the side the door's wall is edge-on: the jamb the forearms rest on, and
        # the wall above the opening.
        x = sum(body.joints[j][0] for j in ("elbow_r", "elbow_l")) / 2
        x0, x1 = x - jamb / 2, x + jamb / 2
        return [
            _box(x0, 0.0, x1, DOOR_H, FURNITURE, Z_FAR - 0.5, round_px=2),
            _box(x0 - 0.02, DOOR_H, x1 + 0.02, PANEL_M, WALL, Z_WALL, round_px=0),
        ]
    xs = [body.joints[j][0] for j in ("elbow_r", "elbow_l", "wrist_r", "wrist_l")]
    left = min(xs) - LIMB_M / 2 - jamb
    right = max(xs) + LIMB_M / 2 + jamb
    return [
        _box(left - 0.5, 0.0, right + 0.5, PANEL_M, WALL, Z_WALL, round_px=0),
        _box(left + jamb, 0.0, right - jamb, DOOR_H - jamb, look.BACKGROUND, Z_WALL + 0.1,
             round_px=0),
        _box(left, 0.0, left + jamb, DOOR_H, FURNITURE, Z_WALL + 0.2, round_px=2),
        _box(right - jamb, 0.0, right, DOOR_H, FURNITURE, Z_WALL + 0.2, round_px=2),
        _box(left, DOOR_H - jamb, right, DOOR_H, FURNITURE, Z_WALL + 0.2, round_px=2),
    ]


def _between(body: Body, pair: tuple[str, str], colour: str, width: float) -> Shape:
    return Shape("line", (body.joints[pair[0]], body.joints[pair[1]]), colour, Z_KIT, width=width)


def _band(body: Body, pair: tuple[str, str]) -> list[Shape]:
    (ax, ay), (bx, by) = body.joints[pair[0]], body.joints[pair[1]]
    dx, dy = bx - ax, by - ay
    length = math.hypot(dx, dy) or 1.0
    nx, ny = -dy / length * 0.03, dx / length * 0.03
    return [
        Shape("line", ((ax + nx, ay + ny), (bx + nx, by + ny)), look.ACCENT, Z_KIT,
              width=look.LINE_WIDTH * 1.4),
        Shape("line", ((ax - nx, ay - ny), (bx - nx, by - ny)), look.ACCENT, Z_KIT,
              width=look.LINE_WIDTH * 1.4),
    ]


def _sight(body: Body, target: Point) -> Shape | None:
    """A dashed line of sight from the (visible) eye to ``target``."""
    if not body.eyes:
        return None
    return Shape("line", (body.eyes[0], target), look.ACCENT, Z_ARROW,
                 width=look.LINE_WIDTH * 1.3, dashed=True)


def _window(body: Body, sign: float, body_shapes: list[Shape],
            anchors: dict[str, Point]) -> list[Shape]:
    """A window in the wall ahead, seen edge-on: the glass between the sill and the top."""
    lo, hi = _extent_x(body_shapes)
    edge = (hi + 1.0) if sign > 0 else (lo - 1.0)
    x0, x1 = (edge, edge + 0.12 * sign)
    wall = _box(min(x0, x1), 0.0, max(x0, x1), PANEL_M, WALL, Z_WALL, round_px=0)
    y0, y1 = 1.0, 1.75
    frame = [
        _box(min(x0, x1) - 0.02, y0 - 0.04, max(x0, x1) + 0.02, y0, FURNITURE_DARK,
             Z_FURNITURE),
        _box(min(x0, x1), y0, max(x0, x1), y1, look.SECONDARY, Z_FURNITURE, round_px=2),
    ]
    anchors["window"] = ((x0 + x1) / 2, (y0 + y1) / 2 + 0.05)
    return [wall, *frame]


def _props(body: Body, props: Props, body_shapes: list[Shape],
           anchors: dict[str, Point]) -> list[Shape]:
    """The props' shapes; ``anchors`` gets the points arrows and sight lines may aim at."""
    sign = body.facing_sign
    shapes: list[Shape] = []
    if props.chair is not None:
        shapes += _chair(body, props.chair, body_shapes, sign)
    if props.desk is not None:
        shapes += _desk(body, props.desk, props.screen, body_shapes, sign, anchors)
    if props.wall is not None:
        shapes += _wall(body, props.wall, body_shapes, sign)
    if props.doorway:
        shapes += _doorway(body, body_shapes, sign)
    if props.step is not None:
        jx, jy = body.joints[props.step]
        shapes.append(_box(jx - 0.2, 0.0, jx + 0.2, jy - LIMB_M / 2, FURNITURE,
                           Z_FURNITURE))
    for joint in props.cushion:
        jx, jy = body.joints[joint]
        bottom = jy - LIMB_M / 2
        shapes.append(_box(jx - 0.14, bottom - CUSHION_H, jx + 0.14, bottom, CUSHION, Z_FAR - 0.2,
                           round_px=10))
    if props.strap is not None:
        shapes.append(_between(body, props.strap, look.INK, look.LINE_WIDTH * 1.3))
    if props.towel is not None:
        shapes.append(_between(body, props.towel, FURNITURE_DARK, LIMB_PT * 0.55))
    if props.band is not None:
        shapes += _band(body, props.band)
    if props.window:
        shapes += _window(body, sign, body_shapes, anchors)
    target = props.sight or ("window" if props.window else None)
    if target is not None:
        line = _sight(body, anchors.get(target) or body.joints[target])
        shapes += [line] if line is not None else []
    return shapes


def _arrows(body: Body, panel: Panel, anchors: dict[str, Point]) -> list[Shape]:
    """Movement arrows, set beside the joint (on its emptier side) so no limb hides them."""
    shapes = []
    points = list(body.joints.values())
    for arrow in panel.arrows:
        if arrow.at in anchors:  # a prop: circle round it (eyes tracing the screen's edge)
            shapes.append(Shape("arc", (anchors[arrow.at],), look.ACCENT, Z_ARROW,
                                width=look.LINE_WIDTH * 1.4, radius=0.26,
                                text=arrow.turn or "cw"))
            continue
        jx, jy = body.joints[arrow.at]
        if arrow.dir is None:
            # Round the head, a turn is about the vertical: a flat ring around the chin,
            # as if seen from slightly above. Elsewhere it is a circle round the joint.
            ring = arrow.at == "head"
            shapes.append(Shape("arc", ((jx, jy - (HEAD_R * 0.35 if ring else 0.0)),),
                                look.ACCENT, Z_ARROW, width=look.LINE_WIDTH * 1.4,
                                radius=HEAD_R * 1.7 if ring else ARC_R,
                                text=f"{arrow.turn}{' ring' if ring else ''}"))
            continue
        a = math.radians(arrow.dir)
        d = (math.cos(a), math.sin(a))
        n = (-d[1], d[0])

        crowd = [
            sum(1 for x, y in points
                if math.hypot(x - jx - n[0] * k * 0.15, y - jy - n[1] * k * 0.15) < 0.22)
            + (99 if body.view is not View.TOP and jy + n[1] * k * 0.15 < 0.1 else 0)
            for k in (1.0, -1.0)
        ]
        side = 1.0 if crowd[0] <= crowd[1] else -1.0
        ox, oy = jx + n[0] * side * 0.15, jy + n[1] * side * 0.15
        start = (ox - d[0] * 0.1, oy - d[1] * 0.1)
        end = (ox + d[0] * 0.2, oy + d[1] * 0.2)
        shapes.append(Shape("arrow", (start, end), look.ACCENT, Z_ARROW,
                            width=look.LINE_WIDTH * 1.4))
    return shapes


def layout(pose: Pose) -> list[PanelLayout]:
    """Every panel's shapes, grounded on the floor (y = 0) and centred in their panel."""
    scenes = [_scene(pose, panel) for panel in pose.panels]
    if not pose.closeup:
        return [_place(shapes, panel.label, view) for (shapes, _, view), panel
                in zip(scenes, pose.panels, strict=True)]
    # A close-up shows the upper body larger, the same zoom in every panel so a movement
    # between them reads at its true size.
    hands = pose.closeup is Closeup.HANDS
    lit = {name for panel in pose.panels
           for name in _highlighted(panel.highlight if panel.highlight is not None
                                    else pose.highlight)}
    sides = tuple(side for side in ("r", "l") if f"hand_{side}" in lit) or ("r", "l")
    boxes = [_framed(body, hands, sides) for _, body, _ in scenes]
    wide = PANEL_M - 2 * MARGIN_M
    tall = PANEL_M - FLOOR_M - 2 * MARGIN_M
    most = HANDS_ZOOM if hands else CLOSEUP_ZOOM
    zoom = min([most] + [min(wide / (b[2] - b[0]), tall / (b[3] - b[1])) for b in boxes])
    out = []
    for (shapes, _, view), panel, box in zip(scenes, pose.panels, boxes, strict=True):
        size = PANEL_M / zoom
        band = FLOOR_M / zoom
        cx, cy = (box[0] + box[2]) / 2, (box[1] + box[3]) / 2
        origin = (cx - size / 2, cy - (size - band) / 2 - band)
        out.append(PanelLayout(shapes, panel.label, view, origin=origin, zoom=zoom))
    return out


def _scene(pose: Pose, panel: Panel) -> tuple[list[Shape], Body, View]:
    """The panel's body and props in metres, standing on the floor at y = 0."""
    body = solve(pose, panel)
    highlight = _highlighted(panel.highlight if panel.highlight is not None else pose.highlight)
    props = panel.props if panel.props is not None else pose.props
    shapes = _body_shapes(body, highlight)
    view = body.view
    if view is View.TOP:
        dy = -_lowest(shapes)
    elif props.chair is ChairPlace.SIT:
        dy = SEAT_H - (body.joints["pelvis"][1] - TORSO_M / 2)
    else:
        bottoms = [_lowest(shapes)]
        for joint in props.cushion:
            bottoms.append(body.joints[joint][1] - LIMB_M / 2 - CUSHION_H)
        dy = -min(bottoms) + (MAT_H if props.mat else 0.0)
    body.translate(0.0, dy)
    shapes = [s.moved(0.0, dy) for s in shapes]
    body_shapes = list(shapes)
    anchors: dict[str, Point] = {}
    shapes += _props(body, props, body_shapes, anchors)
    shapes += _arrows(body, panel, anchors)
    if props.mat:
        lo, hi = _extent_x(body_shapes)
        if view is View.TOP:
            shapes.append(_top_mat(body, body_shapes))
        else:
            shapes.append(_box(lo - 0.12, 0.0, hi + 0.12, MAT_H, MAT, Z_FURNITURE, round_px=3))
    return shapes, body, view


def _top_mat(body: Body, body_shapes: list[Shape]) -> Shape:
    """A mat seen from above: as long as the body along its spine, a mat's width across it
    (arms stretched out to the sides reach past its edges, as they would)."""
    (px, py), (nx, ny) = body.joints["pelvis"], body.joints["neck"]
    boxes = [s.extent() for s in body_shapes]
    if abs(nx - px) >= abs(ny - py):  # lying across the picture
        x0, x1 = min(b[0] for b in boxes) - 0.1, max(b[2] for b in boxes) + 0.1
        return _box(x0, py - MAT_WIDTH / 2, x1, py + MAT_WIDTH / 2, MAT_TOP, Z_WALL,
                    round_px=12)
    y0, y1 = min(b[1] for b in boxes) - 0.1, max(b[3] for b in boxes) + 0.1
    return _box(px - MAT_WIDTH / 2, y0, px + MAT_WIDTH / 2, y1, MAT_TOP, Z_WALL, round_px=12)


def _framed(body: Body, hands: bool,
            sides: tuple[str, ...]) -> tuple[float, float, float, float]:
    """What a close-up frames: the head, shoulders, arms and hands; or the hands alone, the
    highlighted ones when some are (the hand doing the exercise, not the one resting)."""
    parts = ("wrist", "hand") if hands else ("shoulder", "elbow", "wrist", "hand")
    names = (() if hands else ("head", "neck")) + tuple(
        f"{j}_{s}" for j in parts for s in (sides if hands else ("r", "l")))
    xs = [body.joints[n][0] for n in names]
    ys = [body.joints[n][1] for n in names]
    pad = HEAD_R + LIMB_M
    return min(xs) - pad, min(ys) - pad, max(xs) + pad, max(ys) + pad


def _place(shapes: list[Shape], label: str | None, view: View) -> PanelLayout:
    """Centre the scene across the panel; side and front views stand on the floor line.

    Walls are left out of the centring: they run to the panel's edge by design.
    """
    things = [s for s in shapes if s.z != Z_WALL] or shapes
    boxes = [s.extent() for s in things]
    x0, x1 = min(b[0] for b in boxes), max(b[2] for b in boxes)
    y0, y1 = min(b[1] for b in boxes), max(b[3] for b in boxes)
    cx = (x0 + x1) / 2
    if view is View.TOP:
        cy = (y0 + y1) / 2
        origin = (cx - PANEL_M / 2, cy - (PANEL_M - FLOOR_M) / 2 - FLOOR_M)
    else:
        origin = (cx - PANEL_M / 2, -FLOOR_M)
    fits = (x1 - x0 <= PANEL_M - 2 * MARGIN_M) and (y1 - origin[1] <= PANEL_M - MARGIN_M / 2)
    return PanelLayout(shapes, label, view, origin=origin, fits=fits)


def paint(panels: Sequence[PanelLayout]) -> bytes:
    """Draw laid-out panels side by side and return PNG bytes."""
    import matplotlib
    from matplotlib.lines import Line2D
    from matplotlib.patches import Arc, Circle, FancyArrowPatch, Polygon, Rectangle

    count = len(panels)
    # rc_params is typed loosely (dict[str, object]); matplotlib's stubs want its own keys.
    with matplotlib.rc_context(cast(Any, look.rc_params())):
        fig = look.new_figure(PANEL_PX * count, PANEL_PX)
        for index, panel in enumerate(panels):
            ax = fig.add_axes((index / count, 0.0, 1 / count, 1.0))
            (ox, oy), size, k = panel.origin, panel.size, panel.zoom
            ax.set_xlim(ox, ox + size)
            ax.set_ylim(oy, oy + size)
            ax.set_axis_off()
            if panel.floor:
                inset = 0.04 / k
                ax.add_line(Line2D([ox + inset, ox + size - inset], [0.0, 0.0],
                                   color=look.MUTED, linewidth=look.LINE_WIDTH * 1.5 * k,
                                   solid_capstyle="round", zorder=Z_FURNITURE - 0.2))
            for shape in sorted(panel.shapes, key=lambda s: s.z):
                pts = list(shape.points)
                width = shape.width * k
                if shape.kind == "line":
                    ax.add_line(Line2D([p[0] for p in pts], [p[1] for p in pts],
                                       color=shape.colour, linewidth=width,
                                       solid_capstyle="round", solid_joinstyle="round",
                                       dash_capstyle="round", zorder=shape.z,
                                       linestyle=(0, (2, 2.5)) if shape.dashed else "-"))
                elif shape.kind == "poly":
                    ax.add_patch(Polygon(pts, closed=True, facecolor=shape.fill,
                                         edgecolor=shape.colour, linewidth=width,
                                         joinstyle="round", zorder=shape.z))
                elif shape.kind == "circle":
                    ax.add_patch(Circle(pts[0], shape.radius, facecolor=shape.fill,
                                        edgecolor="none", zorder=shape.z))
                elif shape.kind == "arrow":
                    ax.add_patch(FancyArrowPatch(pts[0], pts[1], arrowstyle="-|>",
                                                 mutation_scale=ARROW_HEAD * k,
                                                 color=shape.colour, linewidth=width,
                                                 capstyle="round", shrinkA=0, shrinkB=0,
                                                 zorder=shape.z))
                elif shape.kind == "arc":
                    _paint_arc(ax, Arc, FancyArrowPatch, pts[0], shape, k)
            if k != 1.0:  # a close-up is cut off above the label band, like a photo's frame
                ax.add_patch(Rectangle((0.0, 0.0), 1.0, LABEL_BAND_PX / PANEL_PX,
                                       transform=ax.transAxes, facecolor=look.BACKGROUND,
                                       edgecolor="none", zorder=50))
            if panel.label:
                ax.text(0.5, LABEL_BAND_PX / PANEL_PX / 2, panel.label, transform=ax.transAxes,
                        ha="center", va="center", fontsize=look.LABEL_SIZE + 1,
                        color=look.INK, zorder=51)
            if index:
                _paint_divider(fig, Line2D, index / count)
        return look.to_png(fig)


def _paint_arc(ax: Any, arc_cls: type, arrow_cls: type, centre: Point, shape: Shape,
               k: float) -> None:
    """A turning arrow with a head showing which way: most of a circle round a joint, or
    the front half of a flat ring round the head (``text`` is "cw"/"ccw", plus " ring")."""
    r = shape.radius
    ccw = shape.text.startswith("ccw")
    ring = shape.text.endswith("ring")
    ry = r * 0.32 if ring else r
    start, end = (190.0, 350.0) if ring else (215.0, 505.0)
    z = shape.z if not ring else Z_TRUNK + 0.5  # the ring passes in front of the neck
    ax.add_patch(arc_cls(centre, 2 * r, 2 * ry, theta1=start, theta2=end, color=shape.colour,
                         linewidth=shape.width * k, zorder=z, capstyle="round"))
    tip_at = math.radians(end if ccw else start)
    back_at = tip_at + (-0.35 if ccw else 0.35)
    tip = (centre[0] + r * math.cos(tip_at), centre[1] + ry * math.sin(tip_at))
    back = (centre[0] + r * math.cos(back_at), centre[1] + ry * math.sin(back_at))
    ax.add_patch(arrow_cls(back, tip, arrowstyle="-|>", mutation_scale=ARROW_HEAD * k,
                           color=shape.colour, linewidth=shape.width * k, shrinkA=0,
                           shrinkB=0, zorder=z))


def _paint_divider(fig: Any, line_cls: type, x: float) -> None:
    """A thin rule between panels, broken by a chevron: read left to right."""
    band = LABEL_BAND_PX / PANEL_PX
    mid = band + (1 - band) / 2
    dx = 0.012 * 2 / (fig.get_figwidth() / fig.get_figheight())
    for y0, y1 in ((band + 0.05, mid - 0.06), (mid + 0.06, 0.95)):
        fig.add_artist(line_cls([x, x], [y0, y1], transform=fig.transFigure, color=look.MUTED,
                                linewidth=1.0))
    fig.add_artist(line_cls([x - dx, x + dx, x - dx], [mid + 0.035, mid, mid - 0.035],
                            transform=fig.transFigure, color=look.INK,
                            linewidth=look.LINE_WIDTH * 1.5, solid_capstyle="round",
                            solid_joinstyle="round"))


# matplotlib keeps process-wide state (the font cache, text layout) that is not safe to use
# from two threads at once; pictures may be drawn from an executor while the CLI or a test
# draws on another thread, so every paint takes this lock.
MATPLOTLIB_LOCK = threading.Lock()


def render_pose(pose: Pose) -> bytes:
    """The PNG for one pose: one or two square panels side by side."""
    panels = layout(pose)
    with MATPLOTLIB_LOCK:
        return paint(panels)


