"""The shipped content must be written in our own words, not lifted from the seed passages.

The facts in content/*.yaml come from reference passages kept beside the repository in
``shared/seeds``. Reusing facts is fine; reusing sentences is not (licensing, and a bot that
parrots web pages reads badly). A run of eight consecutive words shared with a seed is a
reliable sign of copying while still allowing common short phrases such as "hold for 30 seconds".
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

REPO_ROOT = Path(__file__).resolve().parents[2]
CONTENT_DIR = REPO_ROOT / "content"
SEEDS_DIR = Path(__file__).resolve().parents[3] / "shared" / "seeds"
RUN_LENGTH = 8

pytestmark = pytest.mark.skipif(
    not SEEDS_DIR.is_dir(),
    reason=f"seed passages not available: {SEEDS_DIR} is absent (repo checked out alone)",
)

_APOSTROPHES = re.compile(r"['\u2018\u2019`]")


def _words(text: str, *, split_on_punctuation: bool) -> list[str]:
    """Lowercase words with punctuation stripped.

    Two tokenisations are used because "hip-width" could be copied as "hip width" or
    "hipwidth"; checking both keeps a hyphen or dash from hiding a copied run.
    """
    text = _APOSTROPHES.sub("", text.lower())
    if split_on_punctuation:
        return re.findall(r"[^\W_]+", text)
    words = (re.sub(r"[\W_]+", "", chunk) for chunk in text.split())
    return [word for word in words if word]


def _runs(text: str) -> set[tuple[str, ...]]:
    runs: set[tuple[str, ...]] = set()
    for split in (True, False):
        words = _words(text, split_on_punctuation=split)
        runs.update(tuple(words[i : i + RUN_LENGTH]) for i in range(len(words) - RUN_LENGTH + 1))
    return runs


def _strings(node: object) -> Iterator[str]:
    """Every string value in a parsed YAML document (keys are schema names, not prose)."""
    if isinstance(node, str):
        yield node
    elif isinstance(node, dict):
        for value in node.values():
            yield from _strings(value)
    elif isinstance(node, list):
        for item in node:
            yield from _strings(item)


@pytest.fixture(scope="module")
def seed_runs() -> set[tuple[str, ...]]:
    files = sorted(path for path in SEEDS_DIR.rglob("*") if path.is_file())
    assert files, f"{SEEDS_DIR} exists but holds no seed files"
    runs: set[tuple[str, ...]] = set()
    for path in files:
        runs |= _runs(path.read_text(encoding="utf-8", errors="replace"))
    return runs


def _copied(text: str, seed_runs: set[tuple[str, ...]]) -> list[str]:
    return sorted(" ".join(run) for run in _runs(text) & seed_runs)


CONTENT_FILES = sorted(CONTENT_DIR.glob("*.yaml"))


def test_content_directory_has_files_to_check() -> None:
    """The originality check has real content to look at, so it cannot pass vacuously."""
    names = {path.name for path in CONTENT_FILES}
    assert {"stretches.yaml", "tips.yaml", "prompts.yaml", "redflags.yaml",
            "routines.yaml"} <= names


def test_detector_flags_a_run_copied_from_a_seed(seed_runs: set[tuple[str, ...]]) -> None:
    """A sentence pasted from a seed, with changed case and punctuation, is caught."""
    path = sorted(p for p in SEEDS_DIR.rglob("*") if p.is_file())[0]
    words = _words(path.read_text(encoding="utf-8", errors="replace"), split_on_punctuation=True)
    assert len(words) >= RUN_LENGTH, f"{path} is too short to test the detector"
    pasted = "Intro text. " + ", ".join(words[:RUN_LENGTH]).upper() + "!"
    assert _copied(pasted, seed_runs)


@pytest.mark.parametrize("path", CONTENT_FILES, ids=lambda p: p.name)
def test_content_file_shares_no_eight_word_run_with_seeds(
    path: Path, seed_runs: set[tuple[str, ...]]
) -> None:
    """No string in a content file repeats eight consecutive words from any seed passage."""
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    problems = [
        f"{path.name}: {text!r} copies {run!r}"
        for text in _strings(document)
        for run in _copied(text, seed_runs)
    ]
    assert not problems, "reword these:\n" + "\n".join(problems)
