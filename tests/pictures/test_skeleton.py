"""The body: one set of proportions, presets for every view, and the angle conventions."""

from __future__ import annotations

import math

import pytest

from bot.core.content.pose import Panel, Pose, Preset, View
from bot.pictures.figures import layout
from bot.pictures.skeleton import BEHIND, PRESETS, THIGH, solve


def _pose(**panel: object) -> tuple[Pose, Panel]:
    pose = Pose.model_validate({"panels": [panel]})
    return pose, pose.panels[0]


def test_every_preset_exists_in_every_view() -> None:
    """A panel may use any preset in any view."""
    for view in View:
        assert set(PRESETS[view]) == set(Preset), view


def test_a_standing_figure_is_an_adult_on_the_floor() -> None:
    """Standing on the floor line, the crown is about 1.75 m up and the hips about 0.92 m."""
    (panel,) = layout(Pose.model_validate("standing"))
    body = [s for s in panel.shapes if s.z >= 3]  # the figure, not the furniture
    top = max(s.extent()[3] for s in body)
    bottom = min(s.extent()[1] for s in body)
    assert bottom == pytest.approx(0.0, abs=1e-9)
    assert top == pytest.approx(1.75, abs=0.03)


def test_bones_keep_their_length_in_every_pose() -> None:
    """Full-length bones are the same length whatever their angle: one body for all."""
    for angle in (-90, 0, 37, 180):
        pose, panel = _pose(legs=[angle, -90])
        body = solve(pose, panel)
        (hx, hy), (kx, ky) = body.joints["hip_r"], body.joints["knee_r"]
        assert math.hypot(kx - hx, ky - hy) == pytest.approx(THIGH)


def test_both_sides_copy_in_a_side_view_and_mirror_in_a_front_view() -> None:
    """`arms:` sets both arms: the same angles from the side, mirrored from the front."""
    side = solve(*_pose(arms=[0, 0]))
    assert side.joints["wrist_r"] == pytest.approx(side.joints["wrist_l"])
    pose = Pose.model_validate({"view": "front", "panels": [{"arms": [180, 180]}]})
    front = solve(pose, pose.panels[0])
    assert front.joints["wrist_r"][0] < 0 < front.joints["wrist_l"][0]
    assert front.joints["wrist_r"][0] == pytest.approx(-front.joints["wrist_l"][0])


def test_a_side_given_alone_wins_over_both() -> None:
    """`leg_l` overrides what `legs` set for the left side only."""
    body = solve(*_pose(legs=[0, -90], leg_l=[-90, -90]))
    assert body.joints["knee_r"][1] == pytest.approx(0.0)
    assert body.joints["knee_l"][1] == pytest.approx(-THIGH)


def test_facing_left_mirrors_the_figure_and_its_face() -> None:
    """A left-facing figure is the right-facing one mirrored, eye included."""
    right = Pose.model_validate({"panels": [{"arms": [0, 0]}]})
    left = Pose.model_validate({"facing": "left", "panels": [{"arms": [0, 0]}]})
    a, b = solve(right, right.panels[0]), solve(left, left.panels[0])
    assert a.joints["wrist_r"][0] > 0 > b.joints["wrist_r"][0]
    assert a.eyes[0][0] > a.head[0] and b.eyes[0][0] < b.head[0]


def test_a_profile_shows_one_eye_and_a_turned_head_moves_the_eyes() -> None:
    """From the side one eye shows; from the front two, shifting as the face turns."""
    assert len(solve(*_pose()).eyes) == 1
    pose = Pose.model_validate({"view": "front", "panels": [{}, {"look": -70}]})
    ahead, turned = (solve(pose, p) for p in pose.panels)
    assert len(ahead.eyes) == 2
    centre = sum(x for x, _ in ahead.eyes) / 2
    assert all(x < centre for x, _ in turned.eyes)  # turned to its right: the picture's left


def test_a_rounded_spine_bows_toward_the_back() -> None:
    """Positive spine rounds the back (cat): on all fours the middle of the back rises."""
    pose = Pose.model_validate({"panels": [{"from": "all-fours", "spine": 30},
                                           {"from": "all-fours", "spine": -30}]})
    cat, cow = (solve(pose, p) for p in pose.panels)

    def middle(body: object) -> float:
        stroke = next(s for s in body.strokes if s.name == "upper_torso")  # type: ignore[attr-defined]
        return stroke.points[0][1]

    assert middle(cat) > middle(cow)


def test_a_back_view_puts_the_right_side_on_the_right_and_hides_the_face() -> None:
    """From behind, the figure's right arm is on the picture's right and no eye shows."""
    pose = Pose.model_validate({"view": "back", "panels": [{"arms": [0, 0]}]})
    body = solve(pose, pose.panels[0])
    assert body.joints["wrist_r"][0] > 0 > body.joints["wrist_l"][0]
    assert body.eyes == ()


def test_bones_behind_the_body_are_drawn_under_it() -> None:
    """`behind:` moves those bones under the trunk (a hand dropped behind the head)."""
    pose = Pose.model_validate({"panels": [{"behind": ["arm_r"]}]})
    layers = {s.name: s.layer for s in solve(pose, pose.panels[0]).strokes}
    assert layers["forearm_r"] == layers["hand_r"] == BEHIND and layers["forearm_l"] == 0
