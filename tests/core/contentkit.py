"""Paths and builders shared by the core tests (imported by tests, unlike a conftest)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bot.core.content.models import Stretch

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
CONTENT = FIXTURES / "content"
REAL_CONTENT = Path(__file__).resolve().parents[2] / "content"


def make_stretch(stretch_id: str, name: str, **overrides: Any) -> Stretch:
    """A valid stretch with sensible defaults, for tests that need many or odd ones."""
    data: dict[str, Any] = {
        "id": stretch_id,
        "name": name,
        "kind": "stretch",
        "areas": ["neck"],
        "where": ["desk"],
        "steps": ["Sit tall.", "Move gently."],
        "dose": {"hold_seconds": 20},
        "cautions": ["Stop on sharp pain."],
        "check_first": ["A neck injury: ask a physio first."],
        "why": "Because sitting is hard on necks.",
        "pose": "seated",
    }
    data.update(overrides)
    return Stretch.model_validate(data)
