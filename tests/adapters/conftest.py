"""Fixtures every adapter's guided-break tests share; each adapter's conftest provides the
``clock`` and ``library`` they build on."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.core.clock import FakeClock
from bot.core.content.library import Library
from bot.core.guided.commands import GuidedCommands
from bot.core.guided.session import GuidedRuns
from bot.core.guided.timer import FakeTimer
from tests.recorded import Events


@pytest.fixture
def timer(clock: FakeClock) -> FakeTimer:
    """The guided runs' timer on the test's clock: beats happen when the test says so."""
    return FakeTimer(clock)


@pytest.fixture
def events() -> Events:
    return Events()


@pytest.fixture
async def guided(library: Library, timer: FakeTimer, events: Events
                 ) -> AsyncIterator[GuidedCommands]:
    commands = GuidedCommands(library, GuidedRuns(timer, events))
    yield commands
    await commands.runs.close()
