"""content/routines.yaml is checked on load: each problem names file, line and field."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.core.content.loader import ContentError, load_library

REAL = Path(__file__).resolve().parents[3] / "content"


def load_with(tmp_path: Path, routines: str) -> list[str]:
    shutil.copy(REAL / "stretches.yaml", tmp_path / "stretches.yaml")
    (tmp_path / "routines.yaml").write_text(routines)
    with pytest.raises(ContentError) as caught:
        load_library([tmp_path])
    return [str(p) for p in caught.value.problems]


GOOD = """\
  - id: neck
    name: Neck minute
    minutes: 1
    where: [desk]
    about: "Two neck moves."
    items:
      - stretch: neck-side-bend
"""


def test_the_shipped_routines_load() -> None:
    """The six shipped routines load, each with at least one stretch."""
    library = load_library([REAL])
    ids = [r.id for r in library.routines]
    assert {"desk-reset", "after-sitting", "wrists", "eyes", "standing", "chair"} <= set(ids)
    assert all(r.items for r in library.routines)


def test_unknown_stretch_id_names_line_field_and_suggests(tmp_path: Path) -> None:
    """A routine naming a stretch that does not exist: its line, field and a suggestion."""
    problems = load_with(tmp_path, "version: 1\nroutines:\n" + GOOD.replace(
        "stretch: neck-side-bend", "stretch: neck-sidebend"))
    assert problems == ["routines.yaml:9: routines[0].items[0].stretch: unknown stretch id "
                        "'neck-sidebend'; did you mean 'neck-side-bend'? [in routine 'neck']"
                        .replace("routines.yaml", str(tmp_path / "routines.yaml"))]


def test_empty_routine_is_an_error(tmp_path: Path) -> None:
    """A routine with no items is refused, at its items line."""
    problems = load_with(tmp_path, "version: 1\nroutines:\n" + GOOD.replace(
        "    items:\n      - stretch: neck-side-bend\n", "    items: []\n"))
    assert len(problems) == 1
    assert ":8: routines[0].items: items is empty" in problems[0]


def test_duplicate_routine_ids_are_an_error(tmp_path: Path) -> None:
    """Two routines with one id: the second is reported, pointing at the first."""
    problems = load_with(tmp_path, "version: 1\nroutines:\n" + GOOD + GOOD)
    assert len(problems) == 1
    assert ":10: routines[1].id: duplicate id 'neck'" in problems[0]
    assert "first defined at" in problems[0]


def test_a_stretch_that_does_not_suit_the_routines_place(tmp_path: Path) -> None:
    """A chair-only routine cannot hold a floor stretch."""
    problems = load_with(tmp_path, "version: 1\nroutines:\n" + GOOD.replace(
        "stretch: neck-side-bend", "stretch: pigeon"))
    assert len(problems) == 1
    assert "stretch 'pigeon' is done floor, but routine 'neck' is for desk" in problems[0]


def test_promised_minutes_must_match_the_plan(tmp_path: Path) -> None:
    """A routine promising 5 minutes that takes under one is refused at its minutes line."""
    problems = load_with(tmp_path, "version: 1\nroutines:\n" + GOOD.replace(
        "minutes: 1", "minutes: 5"))
    assert len(problems) == 1
    assert ":5: routines[0].minutes: routine 'neck' promises 5 min but its guided plan " \
           "takes 0:53" in problems[0]


def test_stretch_and_choice_are_one_or_the_other(tmp_path: Path) -> None:
    """An item with both a stretch and a choice (or neither) is refused."""
    problems = load_with(tmp_path, "version: 1\nroutines:\n" + GOOD.replace(
        "      - stretch: neck-side-bend\n",
        "      - stretch: neck-side-bend\n        choice: [pigeon, thread-the-needle]\n"))
    assert len(problems) == 1 and "give either stretch or choice" in problems[0]
