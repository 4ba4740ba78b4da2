"""Fixtures for the core tests: the small fixture library and a fake clock."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.core.clock import FakeClock
from bot.core.content.library import Library
from bot.core.content.loader import load_library
from tests.core.contentkit import CONTENT


@pytest.fixture(scope="session")
def library() -> Library:
    return load_library([CONTENT])


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(datetime(2026, 3, 2, 9, 0, tzinfo=UTC))
