"""The pose schema: what a hand-written pose may say, and the errors when it says it wrong.

File/line/field reporting for broken poses is covered by the ``pose_*`` bad fixtures (see
``test_content_loader.test_bad_fixture_reports_file_line_and_field``).
"""

from __future__ import annotations

import re

import pytest
import yaml
from pydantic import ValidationError

from bot.core.content import pose as pose_module
from bot.core.content.loader import ContentError, load_library
from bot.core.content.pose import ChairPlace, Panel, Pose, Preset, Props, View
from tests.core.contentkit import FIXTURES


def _problems(case: str) -> list[str]:
    with pytest.raises(ContentError) as info:
        load_library([FIXTURES / "bad" / case])
    return [p.message for p in info.value.problems]


def test_the_documented_example_is_a_valid_pose() -> None:
    """The example in the schema's docstring parses, so the documentation cannot rot."""
    doc = pose_module.__doc__ or ""
    block = doc.split("::", 1)[1].split("\n\n", 2)[1]
    pose = Pose.model_validate(yaml.safe_load(block)["pose"])
    assert pose.props.mat and pose.highlight == ["hip_r", "thigh_r"]
    assert pose.panels[0].preset is Preset.SITTING
    assert pose.panels[0].leg_r == [(-28.0, 1.0), (182.0, 0.75), (180.0, 1.0)]


def test_a_preset_name_alone_is_a_whole_pose() -> None:
    """`pose: seated` is one side-view panel in that preset."""
    pose = Pose.model_validate("seated")
    assert pose.view is View.SIDE and [p.preset for p in pose.panels] == [Preset.SEATED]


def test_numbers_are_full_length_bones() -> None:
    """A bare angle is a bone at full length; [angle, length] shortens it."""
    pose = Pose.model_validate({"panels": [{"arms": [-90, [45, 0.5]]}]})
    assert pose.panels[0].arms == [(-90.0, 1.0), (45.0, 0.5)]


def test_desk_yes_means_the_usual_place() -> None:
    """`desk: yes` reads naturally and means in front of the figure."""
    pose = Pose.model_validate({"props": {"desk": True, "chair": "sit"}, "panels": [{}]})
    assert pose.props.desk == "front" and pose.props.chair is ChairPlace.SIT


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ({"props": {"screen": True}, "panels": [{}]}, "screen stands on a desk"),
        ({"panels": [{"arrows": [{"at": "knee_r"}]}]}, "either dir (straight) or turn"),
        ({"panels": [{"arrows": [{"at": "knee_r", "dir": 90, "turn": "cw"}]}]}, "not both"),
        ({"panels": [{"highlight": ["thihg_r"]}]}, "did you mean 'thigh_r'"),
        ({"panels": [{"from": "squatting"}]}, "standing"),
        ({"panels": []}, "at least 1"),
        ({"panels": [{}, {}, {}]}, "at most 2"),
        ({"panels": [{"legs": [-90, -90, 0, 0]}]}, "at most 3"),
        ({"panels": [{"arms": [[-90, 2.0], 0]}]}, "less than or equal to 1.5"),
        ({"props": {"sight": "window"}, "panels": [{}]}, "add window: yes"),
        ({"panels": [{"arrows": [{"at": "screen", "turn": "cw"}]}]}, "needs screen: yes"),
        ({"props": {"desk": True, "screen": True},
          "panels": [{"arrows": [{"at": "screen", "dir": 90}]}]}, "give turn"),
    ],
)
def test_a_bad_pose_says_what_is_wrong(data: object, expected: str) -> None:
    """Each kind of mistake is refused with a message that says what to fix."""
    with pytest.raises(ValidationError) as info:
        Pose.model_validate(data)
    assert expected in str(info.value)


def test_a_typo_in_a_joint_name_suggests_the_joint() -> None:
    """`tooe_l` is reported with its likely fix and the list of joints."""
    (message,) = _problems("pose_joint")
    assert "unknown joint 'tooe_l'; did you mean 'toe_l'?" in message and "hand_r" in message


def test_a_typo_in_a_panel_key_suggests_the_key() -> None:
    """An unknown panel key says which key was meant, listing `from` (not its Python name)."""
    (message,) = _problems("pose_key")
    assert "did you mean 'legs'" in message
    assert "from, view" in message and "preset" not in message


def test_a_stretch_without_a_pose_says_why_it_needs_one() -> None:
    """The missing-pose error points at the schema module that documents poses."""
    (message,) = _problems("pose_missing")
    assert "missing required field" in message and "pose.py" in message


def test_every_pose_key_is_documented_in_the_schema_module() -> None:
    """Whoever writes a pose by hand finds every key explained in pose.py's docstring."""
    doc = pose_module.__doc__ or ""
    for model in (Pose, Panel, Props):
        for name, info in model.model_fields.items():
            key = info.alias or name
            assert re.search(rf"``{key}[:`]|\b{key}:", doc), f"{model.__name__}.{key}"
