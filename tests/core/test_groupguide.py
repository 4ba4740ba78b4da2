"""A group break's routine on the guided engine: one shared message, Done for each person at
the finish (nobody counted by the run itself), Stop only for the one who set it up."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from datetime import UTC, datetime

import pytest

from bot.core import actions
from bot.core.clock import FakeClock
from bot.core.content.library import Library
from bot.core.content.loader import load_library
from bot.core.groupbreak import GroupRun, Posted
from bot.core.groupguide import GuidedGroup, LibraryRoutines, routine_title
from bot.core.guided.session import GuidedRuns
from bot.core.guided.timer import FakeTimer
from bot.core.messages import Message
from bot.core.ports import Actor, Platform
from bot.settings import Settings
from tests.recorded import Events

START = datetime(2027, 3, 1, 14, 5, tzinfo=UTC)


@pytest.fixture(scope="module")
def library() -> Library:
    return load_library(Settings().content.dirs())


class Shared:
    """A GroupChannel that keeps the one message's frames, each with the time it was drawn."""

    platform = Platform.CONSOLE
    refresh: float | None = None

    def __init__(self, clock: FakeClock) -> None:
        self.clock = clock
        self.frames: list[tuple[datetime, Message]] = []

    @staticmethod
    def countdown(until: datetime, left: int) -> str:
        return f"{left} s left"

    async def post_card(self, workspace_id: str, channel_id: str, message: Message) -> Posted:
        raise AssertionError("not here")

    async def start(self, card: Posted, message: Message, mentions: Sequence[str],
                    thread_name: str, nonce: str) -> Posted:
        raise AssertionError("not here")

    async def post(self, where: Posted, message: Message) -> Posted:
        self.frames.append((self.clock.now(), message))
        return Posted(where.channel_id, "guided", thread=where.thread)

    async def edit(self, where: Posted, message: Message) -> None:
        self.frames.append((self.clock.now(), message))

    async def show(self, where: Posted, draw: Callable[[], Message]) -> None:
        assert where.message_id == "guided"  # always the same message
        self.frames.append((self.clock.now(), draw()))



def test_routine_titles_read_short_on_the_card() -> None:
    """The card's promise is "3 min desk reset", whatever way the routine's name says it."""
    assert routine_title("3-minute desk reset", 3) == "3 min desk reset"
    assert routine_title("5 minutes after long sitting", 5) == "5 min after long sitting"
    assert routine_title("Chair-only routine", 3) == "3 min chair-only routine"


def test_routines_are_found_as_people_type_them(library: Library) -> None:
    """No routine named: the desk reset; a name, an alias or a typo finds one; nonsense none."""
    routines = LibraryRoutines(library)
    assert routines.pick(None) is not None and routines.pick(None).id == "desk-reset"  # type: ignore[union-attr]
    assert routines.pick("wrists").id == "wrists"  # type: ignore[union-attr]
    assert routines.pick("eys").id == "eyes"  # type: ignore[union-attr]
    assert routines.pick("cartwheels") is None
    assert [c.value for c in routines.choices("wri")][:1] == ["wrists"]


async def test_the_group_follows_one_message_to_a_done_button_and_nobody_is_counted(
    library: Library,
) -> None:
    """The routine is drawn into one message, edited at its changes at least 2 s apart; the
    finish asks each person to press Done (group_done) and the run itself counts nobody."""
    clock = FakeClock(START)
    timer, events, shared = FakeTimer(clock), Events(), Shared(clock)
    guide = GuidedGroup(GuidedRuns(timer, events), library)
    group = GroupRun(7, "eyes", "1 min for the eyes", "u1")
    run = asyncio.ensure_future(guide.run(group, shared, Posted("t1", "start", thread="t1")))
    await timer.run_until_idle()
    await run
    times = [t for t, _ in shared.frames]
    assert len(shared.frames) >= 4
    assert all((b - a).total_seconds() >= 2 for a, b in zip(times[1:], times[2:], strict=False))
    last = shared.frames[-1][1]
    assert last.title == "Done — nice work" and "Press Done" in last.body
    assert [b.action for b in last.buttons] == [actions.GROUP_DONE.build(7)]
    assert events.seen == []


async def test_only_the_organiser_can_stop_the_group_run(library: Library) -> None:
    """Stop from a participant is refused; from the person who set the break up it stops."""
    clock = FakeClock(START)
    timer, shared = FakeTimer(clock), Shared(clock)
    runs = GuidedRuns(timer, Events())
    guide = GuidedGroup(runs, library)
    run = asyncio.ensure_future(guide.run(GroupRun(8, "desk-reset", "3 min desk reset", "u1"),
                                          shared, Posted("t1", "start")))
    await timer.advance(3)
    stop = next(b.action for b in shared.frames[-1][1].buttons if b.label == "Stop")
    run_id = actions.parse(stop)["run"]  # type: ignore[index]
    other = await runs.stop(run_id, Actor(Platform.DISCORD, "g", "u2"))
    organiser = await runs.stop(run_id, Actor(Platform.DISCORD, "g", "u1"))
    assert other.title == "That didn't work" and organiser.title == "Stopped"
    await timer.run_until_idle()
    await run
