"""Group breaks through the facade and the scheduler's tick, on an injected clock: the card,
joins, the start at its time (once, across restarts and processes), missed breaks, Done."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.core import actions
from bot.core.clock import FakeClock
from bot.core.events import EventKind
from bot.core.groupbreak import GroupRefused, OneStretch, Posted
from bot.core.messages import Message, MessageKind
from bot.core.ports import Actor, Platform, Target, TargetKind
from bot.scheduling.commands import GroupBreakDeps, SchedulingCommands
from bot.scheduling.groupbreaks import GroupBreakStarter
from bot.scheduling.service import SchedulerService
from bot.storage import Store, create_store
from bot.storage.groupbreaks import GroupBreakStore, GroupStatus
from tests.recorded import Events

START = datetime(2027, 3, 1, 13, 59, 30, tzinfo=UTC)  # a Monday, 14:59:30 in Berlin
GRACE = timedelta(minutes=10)
LEASE = timedelta(seconds=60)
HERE = Target(Platform.DISCORD, "g1", TargetKind.CHANNEL, "c1")


def person(user: str, name: str) -> Actor:
    return Actor(Platform.DISCORD, "g1", user, display_name=name)


ADA, SAM, ZED = person("u1", "ada"), person("u2", "sam"), person("u3", "zed")


@dataclass
class RecordingChannel:
    """A GroupChannel that keeps what it was asked to post (the platform edge)."""

    platform: Platform = Platform.DISCORD
    cards: list[Message] = field(default_factory=list)
    starts: list[tuple[Posted, Message, tuple[str, ...], str]] = field(default_factory=list)
    edits: list[tuple[Posted, Message]] = field(default_factory=list)
    posts: list[Message] = field(default_factory=list)
    refuse: str | None = None
    refresh: float | None = None

    @staticmethod
    def countdown(until: datetime, left: int) -> str:
        return f"{left} s left"

    async def post_card(self, workspace_id: str, channel_id: str, message: Message) -> Posted:
        if self.refuse:
            raise GroupRefused(self.refuse)
        self.cards.append(message)
        return Posted(channel_id, f"card{len(self.cards)}")

    async def start(self, card: Posted, message: Message, mentions: Sequence[str],
                    thread_name: str, nonce: str) -> Posted:
        self.starts.append((card, message, tuple(mentions), nonce))
        return Posted(card.message_id, f"start{len(self.starts)}", thread=card.message_id)

    async def post(self, where: Posted, message: Message) -> Posted:
        self.posts.append(message)
        return Posted(where.channel_id, f"post{len(self.posts)}")

    async def edit(self, where: Posted, message: Message) -> None:
        self.edits.append((where, message))

    async def show(self, where: Posted, draw: Callable[[], Message]) -> None:
        self.edits.append((where, draw()))



@dataclass
class World:
    store: Store
    clock: FakeClock
    channel: RecordingChannel
    events: Events
    facade: SchedulingCommands
    starter: GroupBreakStarter

    def process(self, store: Store, owner: str) -> GroupBreakStarter:
        """Another process's starter on ``store`` (the same database)."""
        return GroupBreakStarter(GroupBreakStore(store), store,
                                 {Platform.DISCORD: self.channel}, owner=owner, lease=LEASE,
                                 grace=GRACE)


@pytest.fixture
async def world(tmp_path: Path) -> AsyncIterator[World]:
    clock = FakeClock(START)
    store = create_store(f"sqlite+aiosqlite:///{tmp_path / 'db.sqlite3'}", clock=clock)
    await store.migrate()
    await store.update_workspace("discord", "g1", timezone="Europe/Berlin")
    channel, events = RecordingChannel(), Events()
    groups = GroupBreakStore(store)
    facade = SchedulingCommands(store, clock, None, None).with_groups(
        GroupBreakDeps(groups, {Platform.DISCORD: channel}, OneStretch(), events))
    starter = GroupBreakStarter(groups, store, {Platform.DISCORD: channel}, owner="p1",
                                lease=LEASE, grace=GRACE)
    yield World(store, clock, channel, events, facade, starter)
    await store.close()


def group_of(message: Message) -> int:
    return int(message.meta["group"])


async def test_the_card_says_when_in_the_workspace_zone_and_who_is_in(world: World) -> None:
    """/groupbreak 5 at 14:59:30 Berlin time promises 15:05, with its asker in."""
    answer = await world.facade.groupbreak(ADA, HERE, 5)
    assert answer.ephemeral and answer.title == "Group break posted"
    [card] = world.channel.cards
    assert card.title == "Group break at 15:05 — a desk stretch"
    assert "Europe/Berlin" in card.body
    assert card.sections[0].heading == "1 in" and card.sections[0].lines == ("ada",)
    assert [b.label for b in card.buttons] == ["Count me in (1)", "Leave"]
    assert card.buttons[0].action == actions.GROUP_JOIN.build(group_of(card))


@pytest.mark.parametrize("minutes", [0, 61, -5])
async def test_a_time_outside_1_to_60_minutes_is_one_line_and_changes_nothing(
    world: World, minutes: int
) -> None:
    """Out-of-range minutes get one private error; nothing is stored or posted."""
    before = await world.store.snapshot()
    answer = await world.facade.groupbreak(ADA, HERE, minutes)
    assert answer.kind is MessageKind.ERROR and "1 to 60 minutes" in answer.body
    assert world.channel.cards == [] and await world.store.snapshot() == before


async def test_an_unknown_routine_and_a_dm_are_refused(world: World) -> None:
    """A routine nobody has and a DM get a clear line; nothing is posted."""
    unknown = await world.facade.groupbreak(ADA, HERE, 5, "cartwheels")
    dm = await world.facade.groupbreak(ADA, Target(Platform.DISCORD, "g1", TargetKind.DM, "u1"))
    assert unknown.kind is MessageKind.ERROR and "cartwheels" in unknown.body
    assert dm.kind is MessageKind.ERROR and "channel" in dm.body
    assert world.channel.cards == []


async def test_a_channel_the_bot_cannot_post_in_leaves_no_break(world: World) -> None:
    """The platform's refusal is the answer, and the break is forgotten."""
    world.channel.refuse = "I can't post in <#c1>."
    answer = await world.facade.groupbreak(ADA, HERE, 5)
    assert answer.kind is MessageKind.ERROR and answer.body == "I can't post in <#c1>."
    assert await GroupBreakStore(world.store).claim_due(
        START + timedelta(hours=1), "p", LEASE, ["discord"]) == []


async def test_joining_and_leaving_redraw_the_card_with_the_count(world: World) -> None:
    """Count me in and Leave answer with the card as it now is."""
    await world.facade.groupbreak(ADA, HERE, 5)
    gid = group_of(world.channel.cards[0])
    joined = await world.facade.group_join(SAM, gid)
    again = await world.facade.group_join(SAM, gid)
    assert joined.buttons[0].label == again.buttons[0].label == "Count me in (2)"
    assert joined.sections[0].lines == ("ada, sam",)
    left = await world.facade.group_leave(ADA, gid)
    assert left.buttons[0].label == "Count me in (1)" and left.sections[0].lines == ("sam",)


async def test_it_starts_at_its_time_mentioning_only_who_joined(world: World) -> None:
    """Before 15:05 nothing happens; at 15:05 the start goes under the card, mentioning
    exactly the people in, and the card says it started."""
    await world.facade.groupbreak(ADA, HERE, 5)
    gid = group_of(world.channel.cards[0])
    await world.facade.group_join(SAM, gid)
    world.clock.set(datetime(2027, 3, 1, 14, 4, 59, tzinfo=UTC))
    assert await world.starter.tick(world.clock.now()) == []
    world.clock.set(datetime(2027, 3, 1, 14, 5, tzinfo=UTC))
    [started] = await world.starter.tick(world.clock.now())
    [(card, message, mentions, nonce)] = world.channel.starts
    assert card == Posted("c1", "card1") and mentions == ("u1", "u2") and nonce == f"gb{gid}"
    assert message.buttons[0].action == actions.GROUP_DONE.build(gid)
    assert world.channel.edits[-1][1].title.endswith("started")
    assert await world.starter.tick(world.clock.now()) == []  # never twice
    assert len(world.channel.starts) == 1
    row = await GroupBreakStore(world.store).get(gid)
    assert row is not None and row.status is GroupStatus.STARTED
    assert (row.start_channel_id, row.start_message_id) == ("card1", "start1")
    assert not (await world.facade.group_join(ZED, gid)).buttons  # no more joining


async def test_a_restart_before_the_start_still_starts_it_once(
    world: World, tmp_path: Path
) -> None:
    """The break is stored: a new process (new store, new starter) starts it at its time,
    and the old one ticking too does not start it again."""
    await world.facade.groupbreak(ADA, HERE, 5)
    restarted = create_store(f"sqlite+aiosqlite:///{tmp_path / 'db.sqlite3'}",
                             clock=world.clock)
    try:
        starter = world.process(restarted, "p2")
        world.clock.advance(timedelta(minutes=5, seconds=30))
        claimed = await asyncio.gather(starter.tick(world.clock.now()),
                                       world.starter.tick(world.clock.now()))
        assert sorted(len(c) for c in claimed) == [0, 1]
        assert len(world.channel.starts) == 1
    finally:
        await restarted.close()


async def test_after_the_grace_period_it_is_not_started_late_and_the_card_says_missed(
    world: World,
) -> None:
    """A process that comes back 11 minutes after the start does not start it; the card
    says it was missed, and Done counts nothing."""
    await world.facade.groupbreak(ADA, HERE, 5)
    gid = group_of(world.channel.cards[0])
    world.clock.set(datetime(2027, 3, 1, 14, 5, tzinfo=UTC) + GRACE + timedelta(seconds=1))
    [claimed] = await world.starter.tick(world.clock.now())
    assert world.channel.starts == []
    assert world.channel.edits[-1][1].title == "Group break at 15:05 — a desk stretch: missed"
    row = await GroupBreakStore(world.store).get(gid)
    assert row is not None and row.status is GroupStatus.MISSED
    assert (await world.facade.group_done(ADA, gid)).title == "Not yet"
    assert world.events.seen == []


async def test_within_the_grace_period_it_still_starts(world: World) -> None:
    """Back 9 minutes late: still started (the group can still do it)."""
    await world.facade.groupbreak(ADA, HERE, 5)
    world.clock.set(datetime(2027, 3, 1, 14, 14, tzinfo=UTC))
    await world.starter.tick(world.clock.now())
    assert len(world.channel.starts) == 1


async def test_a_start_lost_with_its_process_is_taken_over_after_the_lease(
    world: World, tmp_path: Path
) -> None:
    """A process that claimed and died before announcing: after its lease another one
    starts the break (with the same nonce, so Discord would drop a repeat)."""
    await world.facade.groupbreak(ADA, HERE, 5)
    due = datetime(2027, 3, 1, 14, 5, tzinfo=UTC)
    dead = await GroupBreakStore(world.store).claim_due(due, "dead", LEASE, ["discord"])
    assert len(dead) == 1
    world.clock.set(due + timedelta(seconds=30))
    assert await world.starter.tick(world.clock.now()) == []
    world.clock.set(due + LEASE + timedelta(seconds=1))
    assert len(await world.starter.tick(world.clock.now())) == 1
    assert [s[3] for s in world.channel.starts] == [f"gb{dead[0].id}"]


async def test_done_counts_a_group_break_once_for_each_person_who_joined(world: World) -> None:
    """Done records one DONE event (source "group") per person who joined, however often
    they press it; someone who did not join is told so and counts nothing."""
    await world.facade.groupbreak(ADA, HERE, 5)
    gid = group_of(world.channel.cards[0])
    await world.facade.group_join(SAM, gid)
    assert (await world.facade.group_done(SAM, gid)).title == "Not yet"
    world.clock.set(datetime(2027, 3, 1, 14, 5, tzinfo=UTC))
    await world.starter.tick(world.clock.now())
    answers = await asyncio.gather(*(world.facade.group_done(SAM, gid) for _ in range(5)))
    assert sorted(a.title for a in answers) == ["Already counted"] * 4 + ["Nice one!"]
    assert (await world.facade.group_done(ADA, gid)).title == "Nice one!"
    assert (await world.facade.group_done(ZED, gid)).title == "Not counted here"
    assert [(e.kind, e.user_id, e.source, e.workspace_id) for e in world.events.seen] == [
        (EventKind.DONE, "u2", "group", "g1"), (EventKind.DONE, "u1", "group", "g1")]


async def test_the_scheduler_tick_starts_group_breaks(world: World) -> None:
    """Hooked into SchedulerService.tick (its one job): a tick at the time starts it."""
    service = SchedulerService(world.store, {}, _NoNudges(), world.clock, instance_id="p9")
    service.tick_work.append(world.starter.tick)
    await world.facade.groupbreak(ADA, HERE, 1)
    world.clock.set(datetime(2027, 3, 1, 14, 1, tzinfo=UTC))
    await service.tick()
    assert len(world.channel.starts) == 1


class _NoNudges:
    async def nudges(self, wanted: Sequence[tuple[str, str]]) -> list[Message]:
        raise AssertionError("no schedules here")


async def test_a_button_naming_another_workspaces_break_changes_nothing(world: World) -> None:
    """Count me in, Leave and Done for a break of another workspace are refused."""
    await world.facade.groupbreak(ADA, HERE, 5)
    gid = group_of(world.channel.cards[0])
    stranger = Actor(Platform.DISCORD, "g2", "u9", display_name="eve")
    for press in (world.facade.group_join, world.facade.group_leave, world.facade.group_done):
        answer = await press(stranger, gid)
        assert answer.kind is MessageKind.ERROR and "another workspace" in answer.body
    row = await GroupBreakStore(world.store).get(gid)
    assert row is not None and row.user_ids == ("u1",)
