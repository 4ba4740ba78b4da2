"""Any pose the schema accepts can be drawn: a content error is caught on load, never later."""

from __future__ import annotations

import math

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.core.content.pose import JOINTS, ChairPlace, Hands, Pose, Preset, View
from bot.pictures.figures import layout, render_pose

angle = st.floats(min_value=-360, max_value=360, allow_nan=False)
bone = st.one_of(angle, st.tuples(angle, st.floats(min_value=0.05, max_value=1.5)).map(list))
limb = st.lists(bone, min_size=2, max_size=3)
joint = st.sampled_from(JOINTS)
props = st.fixed_dictionaries({}, optional={
    "mat": st.booleans(),
    "chair": st.sampled_from([c.value for c in ChairPlace]),
    "desk": st.one_of(st.just("front"), joint),
    "wall": st.one_of(st.sampled_from(["front", "back"]), joint),
    "doorway": st.booleans(),
    "window": st.booleans(),
    "step": joint,
    "cushion": st.lists(joint, max_size=2),
    "strap": st.tuples(joint, joint).map(list),
    "band": st.tuples(joint, joint).map(list),
    "sight": joint,
})
panel = st.fixed_dictionaries({}, optional={
    "from": st.sampled_from([p.value for p in Preset]),
    "view": st.sampled_from([v.value for v in View]),
    "facing": st.sampled_from(["left", "right"]),
    "torso": bone, "head": bone, "arms": limb, "leg_r": limb, "arm_l": limb,
    "spine": st.floats(min_value=-60, max_value=60),
    "turn": st.floats(min_value=-90, max_value=90),
    "look": st.floats(min_value=-90, max_value=90),
    "hands": st.one_of(st.sampled_from([h.value for h in Hands]),
                       st.lists(st.sampled_from([h.value for h in Hands]), min_size=2,
                                max_size=2)),
    "behind": st.lists(st.sampled_from(["forearm_r", "hand_l", "arm_r", "legs"]), max_size=2),
    "shrug": st.booleans(),
    "props": props,
    "highlight": st.lists(st.sampled_from(["torso", "arm_r", "hip_l", "eyes", "neck"]),
                          max_size=3),
    "arrows": st.lists(st.one_of(
        st.fixed_dictionaries({"at": joint, "dir": angle}),
        st.fixed_dictionaries({"at": joint, "turn": st.sampled_from(["cw", "ccw"])}),
    ), max_size=2),
})
poses = st.fixed_dictionaries(
    {"panels": st.lists(panel, min_size=1, max_size=2)},
    optional={"closeup": st.sampled_from([True, False, "upper", "hands"]), "props": props},
).map(Pose.model_validate)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(poses)
def test_any_valid_pose_lays_out_to_finite_shapes(pose: Pose) -> None:
    """Layout never fails and never produces a NaN or infinite coordinate."""
    for panel in layout(pose):
        assert panel.shapes
        for shape in panel.shapes:
            assert all(math.isfinite(v) for point in shape.points for v in point)


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(poses)
def test_any_valid_pose_renders(pose: Pose) -> None:
    """Painting never fails either (a handful of examples: each costs a real render)."""
    assert render_pose(pose).startswith(b"\x89PNG")
