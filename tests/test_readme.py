"""README promises are checked: its commands are what CI runs, and every test it cites exists."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
CITED = re.compile(r"`(tests/[\w/]+\.py)::(\w+)(?:\[[^\]`]*\])?`")


def _test_names(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {
        node.name
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
    }


def test_readme_has_the_two_user_commands() -> None:
    """The install-and-run and install-and-test commands that .ci/run reads are in the README."""
    lines = README.splitlines()
    assert "pip install -e . && deskbreak run" in lines
    assert "pip install -e '.[test]' && pytest" in lines


def test_every_cited_test_exists() -> None:
    """Each `tests/...py::name` the README cites as proof names a real test function."""
    cited = CITED.findall(README)
    assert len(cited) >= 30, "the 'What happens when...' tables cite their tests"
    missing = [
        f"{path}::{name}"
        for path, name in cited
        if not (ROOT / path).is_file() or name not in _test_names(ROOT / path)
    ]
    assert not missing, missing


def test_stretch_sample_is_the_real_answer() -> None:
    """The README's `/stretch pigeon` sample is exactly what the real content prints."""
    from bot.core.clock import SystemClock
    from bot.core.commands import ContentCommands
    from bot.core.content.loader import load_library
    from bot.core.rotation import MemoryRotationStore

    heading = "## What `/stretch pigeon` answers\n\n```text\n"
    start = README.index(heading) + len(heading)
    sample = README[start : README.index("```\n", start)]
    content = ContentCommands(load_library([ROOT / "content"]), MemoryRotationStore(),
                              SystemClock())
    assert sample == content.stretch("pigeon").plain_text() + "\n"


def test_tip_claim_is_precise_about_one_shot_runs() -> None:
    """The README promises no repeated tips only where a deck is kept, not for `deskbreak tip`."""
    (row,) = [line for line in README.splitlines() if line.startswith("| `/tip` |")]
    assert "`deskbreak tip`" in row and "can repeat" in row
