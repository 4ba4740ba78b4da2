"""README and docs promises are checked: the README's commands are what CI runs, every test
the docs cite exists, every link resolves, and the samples and the picture are the real ones."""

from __future__ import annotations

import ast
import re
import struct
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
DOCS = {path: path.read_text(encoding="utf-8")
        for path in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]}
CITED = re.compile(r"`(tests/[\w/]+\.py)::(\w+)(?:\[[^\]`]*\])?`")
LINK = re.compile(r"\]\(([^)#\s]+)(?:#[^)]*)?\)")


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
    """Each `tests/...py::name` the README or docs/ cite as proof names a real test function."""
    cited = [(doc, *hit) for doc, text in DOCS.items() for hit in CITED.findall(text)]
    assert len(cited) >= 30, "the 'What happens when...' tables cite their tests"
    missing = [
        f"{doc.name}: {path}::{name}"
        for doc, path, name in cited
        if not (ROOT / path).is_file() or name not in _test_names(ROOT / path)
    ]
    assert not missing, missing


def test_every_relative_link_resolves() -> None:
    """Links between the README, docs/ and the repository point at files that exist."""
    broken = [
        f"{doc.relative_to(ROOT)}: {target}"
        for doc, text in DOCS.items()
        for target in LINK.findall(text)
        if "://" not in target and not (doc.parent / target).exists()
    ]
    assert not broken, broken


def test_readme_links_every_docs_page() -> None:
    """No page in docs/ is an orphan: the README or the docs index links each one."""
    linked = set(LINK.findall(README)) | {
        f"docs/{t}" for t in LINK.findall(DOCS[ROOT / "docs" / "README.md"])
    }
    pages = {f"docs/{p.name}" for p in (ROOT / "docs").glob("*.md")} - {"docs/README.md"}
    assert pages <= linked, pages - linked


def test_no_sentence_about_the_machine_it_was_built_on() -> None:
    """The docs describe the product, not the computer it was written on."""
    for doc, text in DOCS.items():
        assert "built on" not in text and "this machine" not in text, doc.name


def test_stretch_sample_is_the_real_answer() -> None:
    """docs/using.md's `/stretch pigeon` sample is exactly what the piped console prints."""
    from bot.adapters.console.output import render
    from bot.core.clock import FakeClock
    from bot.core.commands import ContentCommands
    from bot.core.content.loader import load_library
    from bot.core.rotation import MemoryRotationStore

    using = DOCS[ROOT / "docs" / "using.md"]
    heading = "## What `/stretch pigeon` answers\n"
    start = using.index("```text\n", using.index(heading)) + len("```text\n")
    sample = using[start : using.index("```\n", start)]
    content = ContentCommands(load_library([ROOT / "content"]), MemoryRotationStore(),
                              FakeClock(datetime(2026, 1, 5, tzinfo=UTC)))
    assert sample == render(content.stretch("pigeon"), width=None, styled=False) + "\n"


def test_tip_claim_is_precise_about_one_shot_runs() -> None:
    """The README promises no repeated tips only where a deck is kept, not for `deskbreak tip`."""
    (row,) = [line for line in README.splitlines() if line.startswith("| `/tip` |")]
    assert "`deskbreak tip`" in row and "can repeat" in row


def test_the_commands_table_lists_done() -> None:
    """`/done` is in the README's commands table."""
    assert any(line.startswith("| `/done`") for line in README.splitlines())


def _png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def test_the_readme_picture_is_drawn_by_the_project(tmp_path: Path) -> None:
    """The README shows docs/images/pigeon-card.png, which docs/make_card_picture.py draws
    from the shipped content: the script runs and draws a card as wide as the committed one.
    (Pixels are not compared: a content change elsewhere must not fail this; re-run the
    script after one.)"""
    assert "](docs/images/pigeon-card.png)" in README
    out = tmp_path / "card.png"
    done = subprocess.run([sys.executable, str(ROOT / "docs" / "make_card_picture.py"),
                           "--out", str(out)], capture_output=True, text=True, timeout=120,
                          cwd=tmp_path, env={"PYTHONPATH": str(ROOT), "PATH": ""})
    assert done.returncode == 0, done.stderr
    committed = (ROOT / "docs" / "images" / "pigeon-card.png").read_bytes()
    drawn_width, drawn_height = _png_size(out.read_bytes())
    assert drawn_width == _png_size(committed)[0] and drawn_height > 400
