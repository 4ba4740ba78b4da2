"""The content loader: every kind of bad file is reported with file, line and field."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bot.core.content.library import Library
from bot.core.content.loader import ContentError, Problem, load_library
from bot.core.content.models import Tip
from tests.core.contentkit import CONTENT, FIXTURES, make_stretch

BAD = FIXTURES / "bad"
CASES = sorted(p.name for p in BAD.iterdir() if p.is_dir())


def expected(case: str) -> list[tuple[str, int, str]]:
    """(file name, line, field) for every ``# expect: FIELD`` marker in a bad fixture."""
    found = []
    for path in sorted((BAD / case).glob("*.yaml")):
        for number, line in enumerate(path.read_text().splitlines(), start=1):
            match = re.search(r"# expect: (\S+)", line)
            if match:
                found.append((path.name, number, match.group(1)))
    return found


def problems_for(case: str) -> list[Problem]:
    with pytest.raises(ContentError) as info:
        load_library([BAD / case])
    return info.value.problems


def test_fixture_content_loads(library) -> None:
    """The good fixture library validates and holds every kind of content."""
    assert len(library.stretches) == 7
    assert len(library.tips) == 3 and len(library.prompts) == 3 and len(library.red_flags) == 3
    assert library.red_flags_intro.startswith("See a professional")


def test_red_flags_are_held_most_urgent_first(library) -> None:
    """The library keeps red flags in level order (emergency, within days, routine) whatever
    the file's order, so everything that lists them lists them that way."""
    assert [f.id for f in library.red_flags] == ["saddle", "injury", "numbness"]
    assert [f.level.value for f in library.red_flags] == ["emergency", "within-days", "routine"]


@pytest.mark.parametrize(
    ("case", "needle"),
    [
        ("redflag_no_level", "missing required field"),
        ("redflag_bad_level", "'emergency', 'within-days' or 'routine' (got 'urgent')"),
        ("no_kind", "missing required field"),
        ("no_check_first", "missing required field"),
        ("bad_kind", "'stretch', 'mobility', 'strengthen' or 'eyes' (got 'stretching')"),
        ("bad_dose", "hold_breaths_max must be more than hold_breaths"),
        ("prompt_pairing", "give stretch or areas, not both"),
    ],
)
def test_new_fields_say_what_is_wrong(case: str, needle: str) -> None:
    """Red-flag levels, exercise kinds, check_first, dose ranges and prompt pairings are
    validated with a message a content author can act on (file, line and field are checked
    by test_bad_fixture_reports_file_line_and_field)."""
    assert needle in problems_for(case)[0].message


def test_prompts_that_could_never_show_are_errors() -> None:
    """A prompt paired with an unknown stretch, a stretch breaks never suggest, or areas no
    break stretch works is reported: it would silently never be shown."""
    messages = [p.message for p in problems_for("prompt_pairing")[1:]]
    assert "unknown stretch id 'neck-tlit'; did you mean 'neck-tilt'?" in messages[0]
    assert "'floor-twist' is never suggested in a break" in messages[1]
    assert "no stretch a break suggests works lower-back, calves" in messages[2]


def test_eye_kind_goes_with_the_eye_area_only() -> None:
    """kind: eyes on a stretch that is not only for the eyes (or the reverse) is an error."""
    problem = problems_for("bad_kind")[-1]
    assert problem.field == "stretches[1].kind"
    assert problem.message.startswith("kind must be eyes exactly when areas is [eyes]")


def test_every_bad_fixture_has_expectations() -> None:
    """Each bad fixture marks the line(s) its problem must be reported on."""
    assert CASES
    for case in CASES:
        assert expected(case), case


@pytest.mark.parametrize("case", CASES)
def test_bad_fixture_reports_file_line_and_field(case: str) -> None:
    """Each bad fixture yields exactly the marked problems: right file, line and field."""
    problems = problems_for(case)
    got = []
    for p in problems:
        name = Path(p.file).name if p.file.endswith(".yaml") else None
        got.append((name, p.line, p.field))
    want = []
    for name, line, field in expected(case):
        if field == "stretches" and name == "tips.yaml":  # the empty library: reported on the dir
            want.append((None, 0, "stretches"))
        else:
            want.append((name, line, field))
    assert got == want


def test_problem_str_is_file_line_field_message() -> None:
    """str(Problem) is the editor-friendly ``file:line: field: message``."""
    problem = Problem("content/stretches.yaml", 42, "stretches[3].cautions", "missing")
    assert str(problem) == "content/stretches.yaml:42: stretches[3].cautions: missing"


def test_many_problems_in_one_file_are_all_reported() -> None:
    """Problems are collected, not stopped at the first one."""
    assert len(problems_for("many")) == 3


def test_unknown_key_suggests_the_right_one() -> None:
    """A typo of a known key says which key was probably meant."""
    (problem,) = problems_for("unknown_key")
    assert "did you mean 'cautions'" in problem.message


def test_bad_enum_names_the_bad_value() -> None:
    """An enum error shows what was given and what is allowed."""
    (problem,) = problems_for("bad_enum")
    assert "'hip'" in problem.message and "'hips'" in problem.message


def test_dangling_easier_suggests_a_close_id() -> None:
    """An easier reference to a missing id names the id and a likely fix."""
    (problem,) = problems_for("dangling_easier")
    assert "neck-tlit" in problem.message and "neck-tilt" in problem.message


def test_duplicate_alias_names_both_stretches() -> None:
    """A clashing alias (after normalisation) names the other stretch and where it is."""
    (problem,) = problems_for("dup_alias")
    assert "neck-tilt" in problem.message and "side-neck" in problem.message


def test_missing_directory_is_a_problem(tmp_path: Path) -> None:
    """A content directory that does not exist is reported, not silently skipped."""
    with pytest.raises(ContentError) as info:
        load_library([CONTENT, tmp_path / "nope"])
    assert "not found" in info.value.problems[0].message


def test_override_dir_replaces_and_adds_by_id() -> None:
    """A later directory overrides entries with the same id and adds new ones."""
    library = load_library([CONTENT, FIXTURES / "override"])
    assert library.stretch("glute-bridge").name == "Glute bridge (team version)"
    assert library.stretch("wall-sit") is not None
    assert library.stretch("pigeon-pose") is not None
    assert len(library.stretches) == 8


def test_override_dir_can_reference_base_stretches() -> None:
    """An override's easier reference may point at a stretch from the base directory."""
    library = load_library([CONTENT, FIXTURES / "override"])
    assert library.stretch("wall-sit").easier == "standing-quad-stretch"


def test_same_id_in_one_dir_twice_is_an_error_even_when_overriding(tmp_path: Path) -> None:
    """Duplicates within one directory are errors; only later directories may override."""
    shutil.copy(FIXTURES / "override" / "stretches.yaml", tmp_path / "a.yaml")
    shutil.copy(FIXTURES / "override" / "stretches.yaml", tmp_path / "b.yaml")
    with pytest.raises(ContentError) as info:
        load_library([CONTENT, tmp_path])
    assert {p.field for p in info.value.problems} == {"stretches[0].id", "stretches[1].id"}


def test_too_long_card_is_rejected(tmp_path: Path) -> None:
    """A stretch whose card would not fit a chat message is a content error."""
    steps = "\n".join(f'      - "{"x" * 590} {i}"' for i in range(12))
    (tmp_path / "s.yaml").write_text(
        "version: 1\nstretches:\n  - id: long\n    name: Long\n    kind: stretch\n"
        f"    areas: [neck]\n    where: [desk]\n    pose: seated\n    steps:\n{steps}\n"
        "    dose: {reps: 1}\n"
        '    cautions: ["Stop on sharp pain."]\n    check_first: ["A neck injury."]\n'
        '    why: "Testing."\n'
    )
    with pytest.raises(ContentError) as info:
        load_library([tmp_path])
    assert "characters" in info.value.problems[0].message


@pytest.mark.slow
@pytest.mark.parametrize("case", ["syntax", "no_version", "unknown_key", "dup_alias", "empty"])
def test_validate_command_exits_1_and_prints_problems(case: str) -> None:
    """`deskbreak validate DIR` prints file:line: field: message lines and exits 1."""
    result = subprocess.run(
        [sys.executable, "-m", "bot", "validate", str(BAD / case)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    for name, line, field in expected(case):
        if name == "tips.yaml":
            assert f": {field}: " in result.stdout
        else:
            assert re.search(rf"{re.escape(name)}:{line}: {re.escape(field)}: ", result.stdout)


@pytest.mark.slow
def test_validate_command_exits_0_on_good_content() -> None:
    """`deskbreak validate DIR` on good content prints a summary and exits 0."""
    result = subprocess.run(
        [sys.executable, "-m", "bot", "validate", str(CONTENT), str(FIXTURES / "override")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.startswith("OK: 8 stretches, 3 tips, 3 prompts, 3 red flags")


def test_summary_counts_read_as_english() -> None:
    """`deskbreak validate` says "1 stretch, 1 tip", never "1 stretches, 1 tips"."""
    library = Library(stretches=[make_stretch("s", "S")], tips=[Tip(id="t", topic="T", text="x")])
    assert library.summary() == "1 stretch, 1 tip, 0 prompts, 0 red flags"
