"""Fixtures for the picture tests: the real library, drawn once for the whole session."""

from __future__ import annotations

import pytest

from bot.core.content.library import Library
from bot.core.content.loader import load_library
from bot.pictures.cache import StretchPictures
from tests.core.contentkit import REAL_CONTENT


@pytest.fixture(scope="session")
def real_library() -> Library:
    return load_library([REAL_CONTENT])


@pytest.fixture(scope="session")
def real_pictures(real_library: Library) -> dict[str, bytes]:
    """Every shipped stretch's PNG, drawn once (a few seconds) and shared by the tests."""
    pictures = StretchPictures(None)
    return {s.id: pictures.picture(s) for s in real_library.stretches}
