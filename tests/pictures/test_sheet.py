"""The contact sheet, and the one the repository keeps under docs/."""

from __future__ import annotations

import io
from pathlib import Path

from PIL import Image

from bot.core.content.library import Library
from bot.pictures.sheet import COLUMNS, contact_sheet, digest_of, sheet_digest

ROOT = Path(__file__).resolve().parents[2]
DOCS_SHEET = ROOT / "docs" / "stretch-pictures.png"
REGENERATE = "deskbreak render-pictures --out /tmp/pictures --sheet docs/stretch-pictures.png"


def test_the_docs_sheet_shows_todays_pictures(real_library: Library) -> None:
    """docs/stretch-pictures.png was drawn from the current poses, names and drawing code."""
    stamped = digest_of(DOCS_SHEET.read_bytes())
    assert stamped == sheet_digest(real_library.stretches), f"stale; regenerate: {REGENERATE}"


def test_a_sheet_has_a_row_per_three_pictures(
    real_library: Library, real_pictures: dict[str, bytes]
) -> None:
    """Pictures sit three to a row under their names; more stretches make a taller sheet."""
    items = [(s, real_pictures[s.id]) for s in real_library.stretches]
    small = contact_sheet(items[:COLUMNS], "three")
    large = contact_sheet(items[: COLUMNS * 2 + 1], "seven")
    with Image.open(io.BytesIO(small)) as a, Image.open(io.BytesIO(large)) as b:
        assert a.width == b.width
        row = (b.height - a.height) / 2
        assert row > 200
    assert digest_of(small) == sheet_digest([s for s, _ in items[:COLUMNS]])


def test_a_picture_is_not_a_sheet(real_pictures: dict[str, bytes]) -> None:
    """A plain picture carries no sheet digest."""
    assert digest_of(next(iter(real_pictures.values()))) is None
