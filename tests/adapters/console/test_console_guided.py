"""Guided stretches in the console: plain lines when piped, a live countdown line on a
terminal; the run is in the foreground and the prompt returns at the finish."""

from __future__ import annotations

import asyncio
import io
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.adapters.console import ConsoleAdapter
from bot.adapters.console.guided import run_live
from bot.adapters.console.output import ConsoleOutput
from bot.core.clock import FakeClock
from bot.core.commands import ContentCommands
from bot.core.content.library import Library
from bot.core.content.loader import load_library
from bot.core.guided.commands import GuidedCommands
from bot.core.guided.session import GuidedRuns, LiveMessage
from bot.core.guided.timer import FakeTimer
from bot.core.ports import Actor, Platform
from bot.core.rotation import MemoryRotationStore
from tests.recorded import Events

CONTENT = Path(__file__).resolve().parents[3] / "content"



@pytest.fixture(scope="module")
def library() -> Library:
    return load_library([CONTENT])


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(datetime(2026, 12, 4, 9, 0, tzinfo=UTC))


async def drive(task: asyncio.Task[object], timer: FakeTimer) -> None:
    """Move fake time on until the foreground run (and the REPL) is done."""
    for _ in range(1000):
        if task.done():
            return
        await timer.advance(1)
    raise AssertionError("still running")


async def test_piped_console_prints_one_line_per_change(library: Library, clock: FakeClock
                                                        ) -> None:
    """`/routine eyes` piped: the heading and steps, one plain line per change (no carriage
    returns), the finish with what to type next, and the DONE recorded as a routine."""
    timer, events = FakeTimer(clock), Events()
    guided = GuidedCommands(library, GuidedRuns(timer, events))
    out = io.StringIO()
    console = ConsoleAdapter(ContentCommands(library, MemoryRotationStore(), clock),
                             stdin=io.StringIO("/routine eyes\n"), stdout=out,
                             interactive=False, guided=guided)
    task = asyncio.ensure_future(console.run())
    await drive(task, timer)
    assert task.result() == 0
    text = out.getvalue()
    assert "\r" not in text
    lines = text.splitlines()
    assert "1 of 2. Get into position: Eye 20-20-20 break — 8 s left" in lines
    assert "Hold — 20 s left" in lines
    assert "Done — nice work" in lines
    assert text.rstrip().endswith("Done again: /routine eyes · Another one: /routine standing")
    assert [(e.source, e.user_id) for e in events.seen] == [("routine", "console-user")]


async def test_terminal_redraws_one_countdown_line_each_second(library: Library,
                                                               clock: FakeClock) -> None:
    """On a terminal the hold is one line redrawn in place every second: 30, 29, ... 1."""
    timer = FakeTimer(clock)
    guided = GuidedCommands(library, GuidedRuns(timer, Events()))
    stream = io.StringIO()
    output = ConsoleOutput(stream, styled=True)
    live = guided.start_stretch(Actor(Platform.CONSOLE, "console", "me"), "eye-palming")
    assert isinstance(live, LiveMessage)
    task = asyncio.ensure_future(run_live(output, live))
    await drive(task, timer)
    redraws = stream.getvalue().split("\r\x1b[2K")
    holds = [r.strip() for r in redraws if r.startswith("Hold")]
    assert holds[:3] == ["Hold — 30 s left", "Hold — 29 s left", "Hold — 28 s left"]
    assert len(holds) >= 25
