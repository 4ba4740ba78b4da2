"""The renderer: every shipped stretch becomes a sensible, distinct picture in the house style."""

from __future__ import annotations

import hashlib
import io

import pytest
from PIL import Image

from bot.core.content.library import Library
from bot.core.content.pose import Pose
from bot.pictures import look
from bot.pictures.figures import FAR, PANEL_PX, layout, render_pose
from tests.pictures.pixels import ink_share, share_near


def test_every_stretch_renders_a_png_of_the_right_size(
    real_library: Library, real_pictures: dict[str, bytes]
) -> None:
    """Each stretch's picture is a PNG, one 400 px square panel per pose panel."""
    assert set(real_pictures) == {s.id for s in real_library.stretches}
    for stretch in real_library.stretches:
        with Image.open(io.BytesIO(real_pictures[stretch.id])) as image:
            assert image.format == "PNG", stretch.id
            assert image.size == (PANEL_PX * len(stretch.pose.panels), PANEL_PX), stretch.id


def test_no_picture_is_blank_and_the_figure_is_a_figure(real_pictures: dict[str, bytes]) -> None:
    """Every picture draws something, and the body takes a plausible share of it: neither a
    speck nor a panel flooded with colour."""
    for stretch_id, png in real_pictures.items():
        assert ink_share(png) > 0.02, stretch_id
        body = sum(share_near(png, c) for c in (look.PRIMARY, look.ACCENT, FAR))
        assert 0.01 < body < 0.45, (stretch_id, body)  # a hands close-up fills a third


def test_every_picture_shows_the_figure_and_what_is_stretched(
    real_library: Library, real_pictures: dict[str, bytes]
) -> None:
    """The body is drawn in the primary colour and, where the pose says, the stretched area
    in the accent colour."""
    for stretch in real_library.stretches:
        png = real_pictures[stretch.id]
        assert share_near(png, look.PRIMARY) > 0.005, stretch.id
        lit = stretch.pose.highlight or any(p.highlight for p in stretch.pose.panels)
        assert (share_near(png, look.ACCENT) > 0.0005) == bool(lit), stretch.id


def test_pictures_differ_between_stretches(real_pictures: dict[str, bytes]) -> None:
    """No two stretches share a picture."""
    digests = {hashlib.sha256(png).hexdigest(): sid for sid, png in real_pictures.items()}
    assert len(digests) == len(real_pictures)


def test_every_shipped_figure_fits_its_panel(real_library: Library) -> None:
    """Nothing a shipped pose draws is cut off by the panel's edge (at the one shared scale)."""
    for stretch in real_library.stretches:
        for index, panel in enumerate(layout(stretch.pose)):
            assert panel.fits, f"{stretch.id} panel {index + 1} does not fit"


def test_every_shipped_pose_uses_the_standard_scale_or_one_closeup(real_library: Library) -> None:
    """Figures share one scale; a close-up zooms all its panels by the same amount."""
    for stretch in real_library.stretches:
        zooms = {panel.zoom for panel in layout(stretch.pose)}
        assert len(zooms) == 1, stretch.id
        assert (zooms == {1.0}) != (stretch.pose.closeup is not None), stretch.id


def test_the_same_pose_gives_the_same_bytes() -> None:
    """Rendering is deterministic (no timestamps), so content hashes and docs stay stable."""
    pose = Pose.model_validate({"props": {"chair": "sit"}, "panels": [{"from": "seated"}]})
    assert render_pose(pose) == render_pose(pose)


@pytest.mark.parametrize(
    "pose",
    [
        "standing",
        {"view": "top", "props": {"mat": True}, "panels": [{"from": "lying"}]},
        {"closeup": True, "view": "front", "panels": [{"hands": "spread"}, {"hands": "fist"}]},
        {"closeup": "hands", "panels": [{"arm_r": [-80, 80, 90], "hands": "hook"}]},
        {"view": "back", "closeup": True,
         "panels": [{"arm_r": [100, -120, -110], "arm_l": [85, 0, 0], "hands": ["spread", "fist"],
                     "behind": ["forearm_l"]}]},
        {"props": {"desk": "hand_r", "screen": True, "window": True, "wall": "back"},
         "panels": [{"arm_r": [-45, 0, 0], "arrows": [{"at": "knee_r", "turn": "cw"}]}]},
        {"closeup": True, "props": {"chair": "sit", "desk": True, "screen": True,
                                    "sight": "screen"},
         "panels": [{"hands": "hook", "shrug": True, "arrows": [{"at": "screen", "turn": "cw"}]},
                    {"hands": "tabletop", "props": {"sight": "hand_r"}}]},
        {"facing": "left", "props": {"doorway": True, "step": "ankle_r", "cushion": "knee_l",
                                     "band": ["ankle_r", "ankle_l"], "strap": ["hand_r", "toe_r"],
                                     "towel": ["hand_l", "toe_l"], "chair": "behind"},
         "panels": [{"turn": -60, "look": -60, "spine": 30,
                     "arrows": [{"at": "head", "turn": "ccw"}]}]},
    ],
)
def test_every_prop_view_and_option_draws(pose: object) -> None:
    """Each prop, view and option renders without error and draws something."""
    png = render_pose(Pose.model_validate(pose))
    assert ink_share(png) > 0.01
