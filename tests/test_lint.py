"""The style bar is part of the suite: ruff and mypy run on every test run, so CI enforces them."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

# Every test here runs a process: `pytest -m "not slow"` skips them for a quick loop.
pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]


def _run(tool: str, *args: str) -> subprocess.CompletedProcess[str]:
    exe = shutil.which(tool, path=str(Path(sys.executable).parent)) or shutil.which(tool)
    if exe is None:
        pytest.fail(f"{tool} is not installed; `pip install -e '.[test]'` provides it")
    return subprocess.run(  # noqa: S603 - a fixed tool from the test extra, fixed arguments
        [exe, *args], cwd=ROOT, capture_output=True, text=True, timeout=300, check=False
    )


def test_ruff_is_clean() -> None:
    """`ruff check .` reports nothing."""
    result = _run("ruff", "check", ".")
    assert result.returncode == 0, result.stdout + result.stderr


def test_mypy_is_clean() -> None:
    """`mypy bot` reports no type errors."""
    result = _run("mypy", "bot")
    assert result.returncode == 0, result.stdout + result.stderr
