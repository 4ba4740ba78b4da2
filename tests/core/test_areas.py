"""Body areas as people name them: everyday words, groups, and best-first ordering."""

from __future__ import annotations

import pytest

from bot.core import areas
from bot.core.content.models import Area
from tests.core.contentkit import make_stretch


@pytest.mark.parametrize(
    ("typed", "key"),
    [
        ("back", "back"), ("Spine", "back"), ("legs", "legs"), ("leg", "legs"),
        ("arms", "arms"), ("hands", "hands"), ("fingers", "hands"), ("thighs", "thighs"),
        ("lower back", "lower-back"), ("Low-Back", "lower-back"), ("lumbar", "lower-back"),
        ("mid back", "upper-back"), ("groin", "inner-thighs"), ("adductors", "inner-thighs"),
        ("bum", "glutes"), ("piriformis", "glutes"), ("calf", "calves"), ("feet", "ankles"),
        ("abs", "core"), ("eye", "eyes"), ("sciatica", "sciatica"), ("hip", "hips"),
    ],
)
def test_everyday_words_name_a_group(typed: str, key: str) -> None:
    """Singular or plural, hyphens or spaces, everyday or anatomical: each names its group."""
    group = areas.group_of(typed)
    assert group is not None and group.key == key


def test_every_area_is_its_own_group() -> None:
    """Each schema area, typed as its value or display name, names itself."""
    for area in Area:
        for text in (area.value, area.value.replace("-", " ")):
            group = areas.group_of(text)
            assert group is not None and group.areas == (area.value,)


def test_groups_cover_several_areas() -> None:
    """"back" is the upper and the lower back; "legs" covers thighs, calves and ankles."""
    assert areas.areas_in("back") == {"upper-back", "lower-back"}
    assert {"hamstrings", "quads", "calves", "ankles"} <= (areas.areas_in("legs") or set())
    assert areas.areas_in(None) is None and areas.areas_in("elbows") is None


@pytest.mark.parametrize(
    ("query", "key"),
    [("low back stretch", "lower-back"), ("glute stretches", "glutes"),
     ("tight hips", "hips"), ("stretch for my neck", "neck"), ("sore shoulders", "shoulders")],
)
def test_a_stretch_query_naming_an_area_is_a_topic(query: str, key: str) -> None:
    """The words around an area in a /stretch query ("stretch", "tight", "my") are ignored."""
    topic = areas.topic_of(query)
    assert topic is not None and topic.key == key


@pytest.mark.parametrize("query", ["pigeon", "hip flexor", "neck side bend", "stretch", "", "!!"])
def test_anything_more_than_an_area_is_no_topic(query: str) -> None:
    """A stretch's own name, or an area plus other words, is left to the name lookup."""
    assert areas.topic_of(query) is None


def test_symptom_words_carry_a_safety_note() -> None:
    """"sciatica" leads to buttock and lower-back stretches with a note pointing to /redflags."""
    group = areas.group_of("sciatica")
    assert group is not None and group.note and "/redflags" in group.note
    assert set(group.areas) == {"glutes", "lower-back"}


def test_best_first_prefers_stretches_then_aim_then_the_desk() -> None:
    """Stretches before mobility before strengthening; then the stretch aimed at the area
    before one that only reaches it; then the desk before standing before the floor."""
    stretches = [
        make_stretch("bridge", "Bridge", kind="strengthen", areas=["glutes"], where=["floor"]),
        make_stretch("circles", "Circles", kind="mobility", areas=["glutes"], where=["desk"]),
        make_stretch("floor", "Floor", areas=["glutes"], where=["floor"]),
        make_stretch("desk", "Desk", areas=["glutes"], where=["desk"]),
        make_stretch("reach", "Reach", areas=["hips", "glutes"], where=["desk"]),
        make_stretch("neck", "Neck", areas=["neck"], where=["desk"]),
    ]
    ranked = [s.id for s in areas.best_first(stretches, ["glutes"])]
    assert ranked == ["desk", "floor", "reach", "circles", "bridge"]
