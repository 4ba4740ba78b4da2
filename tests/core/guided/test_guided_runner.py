"""The guided runner: edits at the changes, never faster than every 2 s, stops at once, and
records a finish as a break taken."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.core.clock import FakeClock
from bot.core.content.library import Library
from bot.core.content.loader import load_library
from bot.core.events import EventKind
from bot.core.guided.commands import GuidedCommands
from bot.core.guided.frames import DONE_TITLE
from bot.core.guided.plan import plan_routine, plan_stretch
from bot.core.guided.runner import Outcome
from bot.core.guided.session import GuidedRuns, LiveMessage
from bot.core.guided.timer import FakeTimer
from bot.core.messages import Message
from bot.core.ports import Actor, Platform
from tests.recorded import Events

REAL = Path(__file__).resolve().parents[3] / "content"
ME = Actor(Platform.CONSOLE, "console", "me")


@pytest.fixture(scope="module")
def real() -> Library:
    return load_library([REAL])



class Recorder:
    """A surface that keeps each frame with the fake time it was drawn; ``delay`` is a pacer
    wait (fake seconds) before drawing."""

    def __init__(self, timer: FakeTimer, delay: float = 0.0) -> None:
        self.timer = timer
        self.delay = delay
        self.frames: list[tuple[datetime, Message]] = []

    async def show(self, draw: Callable[[], Message]) -> None:
        if self.delay:
            await self.timer.sleep_until(self.timer.now() + timedelta(seconds=self.delay))
        self.frames.append((self.timer.now(), draw()))


@pytest.fixture
def timer() -> FakeTimer:
    return FakeTimer(FakeClock(datetime(2026, 12, 4, 9, 0, tzinfo=UTC)))


async def test_run_edits_at_each_change_and_finishes(real: Library, timer: FakeTimer) -> None:
    """A sided hold: one edit per change (hold, switch, hold, finish), and a DONE recorded."""
    events = Events()
    runs = GuidedRuns(timer, events)
    session = runs.prepare(plan_stretch(real.stretch("pigeon")), ME)  # type: ignore[arg-type]
    first = session.opening()
    assert first.title == "Pigeon pose" and "8 s left" in first.body
    surface = Recorder(timer)
    run = session.begin(surface)
    await timer.run_until_idle()
    assert run.outcome is Outcome.FINISHED
    bodies = [m.body for _, m in surface.frames]
    assert bodies[0].startswith("First side · Hold — 30 s left")
    assert bodies[1] == "Switch to the other side"
    assert bodies[2].startswith("Other side · Hold — 30 s left")
    assert surface.frames[-1][1].title == DONE_TITLE
    assert [b.label for b in surface.frames[-1][1].buttons] == ["Done again", "Another one"]
    assert [(e.kind, e.source, e.user_id) for e in events.seen] == [
        (EventKind.DONE, "guided", "me")]
    assert runs.active == 0


async def test_edits_never_come_faster_than_two_seconds(real: Library, timer: FakeTimer) -> None:
    """Reps with 2 s holds change every 4 s; a slow pacer never pushes two edits < 2 s apart,
    and a late edit shows the current rep, skipping stale ones."""
    runs = GuidedRuns(timer, Events())
    session = runs.prepare(plan_stretch(real.stretch("finger-fan")), ME)  # type: ignore[arg-type]
    session.opening()
    surface = Recorder(timer, delay=3.0)
    session.begin(surface)
    await timer.run_until_idle()
    times = [session.runs.timer.now()] and [t for t, _ in surface.frames]
    gaps = [(b - a).total_seconds() for a, b in zip(times, times[1:], strict=False)]
    assert gaps and min(gaps) >= 2.0
    assert surface.frames[-1][1].title == DONE_TITLE


async def test_stop_ends_at_once_and_counts_nothing(real: Library, timer: FakeTimer) -> None:
    """Stop mid-hold: no further edit, no DONE, and the Stopped frame offers a restart."""
    events = Events()
    runs = GuidedRuns(timer, events)
    session = runs.prepare(plan_stretch(real.stretch("pigeon")), ME)  # type: ignore[arg-type]
    session.opening()
    surface = Recorder(timer)
    run = session.begin(surface)
    await timer.advance(10)
    before = len(surface.frames)
    stranger = Actor(Platform.CONSOLE, "console", "someone-else")
    refused = await runs.stop(run.run_id, stranger)
    assert refused.ephemeral and run.outcome is None
    stopped = await runs.stop(run.run_id, ME)
    assert stopped.title == "Stopped" and run.outcome is Outcome.STOPPED
    await timer.advance(120)
    assert len(surface.frames) == before and events.seen == []
    again = await runs.stop(run.run_id, ME)
    assert again.title == "Already over"


async def test_starting_another_stops_the_first(real: Library, timer: FakeTimer) -> None:
    """One run per person: the second start marks the first message stopped."""
    runs = GuidedRuns(timer, Events())
    plan = plan_stretch(real.stretch("pigeon"))  # type: ignore[arg-type]
    one, two = runs.prepare(plan, ME), runs.prepare(plan, ME)
    first_surface, second_surface = Recorder(timer), Recorder(timer)
    one.opening()
    first = one.begin(first_surface)
    await timer.advance(1)
    two.opening()
    two.begin(second_surface)
    await timer.advance(1)
    assert first.outcome is Outcome.STOPPED
    assert first_surface.frames[-1][1].title == "Stopped"
    assert runs.active == 1


async def test_refresh_redraws_a_hold_for_frozen_countdowns(real: Library,
                                                            timer: FakeTimer) -> None:
    """With refresh=10 (Slack), a 30 s hold is redrawn with the seconds left."""
    runs = GuidedRuns(timer, Events())
    session = runs.prepare(plan_stretch(real.stretch("childs-pose")), ME)  # type: ignore[arg-type]
    session.opening(refresh=10)
    surface = Recorder(timer)
    session.begin(surface)
    await timer.run_until_idle()
    holds = [m.body for _, m in surface.frames if "Hold" in m.body]
    assert holds[:4] == ["Hold — 45 s left", "Hold — 35 s left", "Hold — 25 s left",
                         "Hold — 15 s left"]


async def test_a_surface_that_fails_ends_the_run(real: Library, timer: FakeTimer) -> None:
    """An edit the platform refuses ends the run as failed, with nothing recorded."""
    class Broken:
        async def show(self, draw: Callable[[], Message]) -> None:
            raise OSError("gone")

    events = Events()
    runs = GuidedRuns(timer, events)
    session = runs.prepare(plan_stretch(real.stretch("pigeon")), ME)  # type: ignore[arg-type]
    session.opening()
    run = session.begin(Broken())
    await timer.run_until_idle()
    assert run.outcome is Outcome.FAILED and events.seen == [] and runs.active == 0


async def test_facade_starts_routines_by_name_with_typos(real: Library,
                                                        timer: FakeTimer) -> None:
    """/routine forgives typos, answers a LiveMessage, and an unknown name lists routines."""
    guided = GuidedCommands(real, GuidedRuns(timer, Events()))
    message = guided.start_routine(ME, "dsk reset")
    assert isinstance(message, LiveMessage) and message.session is not None
    assert message.session.plan.ref == "desk-reset"
    assert message.title.startswith("3-minute desk reset · 1 of 5")
    assert guided.start_routine(ME, "eys").session.plan.ref == "eyes"  # type: ignore[attr-defined]
    unknown = guided.start_routine(ME, "zzzz qqq")
    assert unknown.ephemeral and "desk-reset" in unknown.body
    listed = guided.routines()
    assert len(listed.sections[0].lines) == len(real.routines)
    assert guided.routine_choices("wri")[0].value == "wrists"


async def test_group_run_records_everyone_given(real: Library, timer: FakeTimer) -> None:
    """A group run (no owner) with a recorder counts each participant with source group."""
    from bot.core.guided.plan import Source
    from bot.core.guided.session import GuidedSession

    events = Events()
    runs = GuidedRuns(timer, events)
    by_id = {s.id: s for s in real.stretches}
    plan = plan_routine(real.routine("eyes"), by_id, source=Source.GROUP)  # type: ignore[arg-type]
    people = [Actor(Platform.SLACK, "T1", f"U{n}") for n in range(3)]
    session = GuidedSession(runs, plan, None, on_finish=runs.recorder(*people))
    session.opening()
    session.begin(Recorder(timer))
    await timer.run_until_idle()
    assert sorted((e.user_id, e.source) for e in events.seen) == [
        ("U0", "group"), ("U1", "group"), ("U2", "group")]
    await asyncio.sleep(0)


async def test_concurrent_starts_leave_one_run_per_person(real: Library,
                                                          timer: FakeTimer) -> None:
    """Ten starts by one person at once (double clicks): one run goes on, the rest stop."""
    runs = GuidedRuns(timer, Events())
    plan = plan_stretch(real.stretch("pigeon"))  # type: ignore[arg-type]

    async def start() -> None:
        session = runs.prepare(plan, ME)
        session.opening()
        session.begin(Recorder(timer))

    await asyncio.gather(*(start() for _ in range(10)))
    await timer.advance(1)
    assert runs.active == 1
