"""/groupbreak end to end on Slack: the real Bolt app with signed requests, its Web API client
on the fake Slack, an injected clock for the start and a fake timer for the routine."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest

from bot.adapters.slack import SlackAdapter
from bot.adapters.slack.groups import SlackGroupChannel, mentioning
from bot.adapters.slack.pacer import ChannelPacer
from bot.core import actions
from bot.core.clock import FakeClock
from bot.core.content.library import Library
from bot.core.groupguide import GuidedGroup, LibraryRoutines
from bot.core.guided.session import GuidedRuns
from bot.core.guided.timer import FakeTimer
from bot.core.ports import Platform
from bot.scheduling.commands import GroupBreakDeps, SchedulingCommands
from bot.scheduling.groupbreaks import GroupBreakStarter
from bot.storage import Store
from bot.storage.groupbreaks import GroupBreakStore
from tests.adapters.slack.conftest import Slash, Sleeps
from tests.fakes.slack import FakeSlack
from tests.recorded import Events


@pytest.fixture
def events() -> Events:
    return Events()


@pytest.fixture
def timer(clock: FakeClock) -> FakeTimer:
    return FakeTimer(clock)


@pytest.fixture
def starter(slack: SlackAdapter, store: Store, scheduling: SchedulingCommands, clock: FakeClock,
            sleeps: Sleeps, library: Library, events: Events, timer: FakeTimer
            ) -> GroupBreakStarter:
    """Group breaks wired as the Slack runner and build_scheduling wire them."""
    channels = {Platform.SLACK: SlackGroupChannel(slack.client, ChannelPacer(clock, sleeps))}
    groups = GroupBreakStore(store)
    slack.use_scheduling(scheduling.with_groups(
        GroupBreakDeps(groups, channels, LibraryRoutines(library), events)))
    return GroupBreakStarter(groups, store, channels, owner="p1", lease=timedelta(seconds=60),
                             grace=timedelta(minutes=10),
                             guide=GuidedGroup(GuidedRuns(timer, events), library))


def posts(fake: FakeSlack) -> list[dict[str, Any]]:
    return [c.params for c in fake.calls_to("chat.postMessage")]


def blocks_of(params: dict[str, Any]) -> list[dict[str, Any]]:
    blocks = params.get("blocks") or []
    return json.loads(blocks) if isinstance(blocks, str) else list(blocks)


def action_ids(params: dict[str, Any]) -> list[str]:
    return [e["action_id"] for b in blocks_of(params) if b["type"] == "actions"
            for e in b["elements"]]


async def test_the_start_is_a_thread_reply_mentioning_only_who_joined(
    slash: Slash, fake: FakeSlack, starter: GroupBreakStarter, clock: FakeClock,
    timer: FakeTimer, events: Events,
) -> None:
    """The card goes in the channel; Count me in redraws it; at the start a reply in the
    card's thread names <@U…> for exactly the people in; the routine runs in one shared
    message (chat.update) whose Done counts once per person who joined."""
    answer = await slash("/groupbreak", "5 wrists")
    assert answer["response_type"] == "ephemeral" and "Group break posted" in answer["text"]
    [card] = posts(fake)
    assert card["text"].startswith("Group break at 09:05 — 2 min for wrists and forearms")
    join, leave = action_ids(card)
    clicked = await slash.click(join, user_id="U0ADMIN")
    assert clicked["replace_original"] is True and "Count me in (2)" in json.dumps(clicked)
    await slash.click(join, user_id="U0OWNER")
    await slash.click(leave, user_id="U0OWNER")  # changed their mind
    clock.set(clock.now() + timedelta(minutes=5))
    await starter.tick(clock.now())
    card_ts = "1700000000.000001"
    start = posts(fake)[1]
    assert start["thread_ts"] == card_ts and start["channel"] == "C0WELL"
    people = start["text"].split(" Group break:")[0]
    assert _mentions(people) == {"U0MEMBER", "U0ADMIN"} and len(people.split()) == 2
    assert _mentions(json.dumps(start)) == {"U0MEMBER", "U0ADMIN"}
    assert "<!channel>" not in json.dumps(start) and "<!here>" not in json.dumps(start)
    await timer.run_until_idle()
    await starter.running()
    guided = posts(fake)[2]
    assert guided["thread_ts"] == card_ts
    updates = [c.params for c in fake.calls_to("chat.update")]
    shared = [u for u in updates if u["ts"] == "1700000000.000003"]
    assert len(shared) >= 3 and "s left" in json.dumps(shared[0])
    done = action_ids(shared[-1])
    assert done == [actions.GROUP_DONE.build(1)]
    assert [u for u in updates if u["ts"] == card_ts][-1]["text"].startswith(
        "Group break at 09:05 — 2 min for wrists and forearms: started")
    first = await slash.click(done[0], user_id="U0ADMIN")
    again = await slash.click(done[0], user_id="U0ADMIN")
    stranger = await slash.click(done[0], user_id="U0OWNER")
    assert ["Nice one!" in first["text"], "Already counted" in again["text"],
            "Not counted here" in stranger["text"]] == [True, True, True]
    assert [(e.user_id, e.source) for e in events.seen] == [("U0ADMIN", "group")]


def _mentions(text: str) -> set[str]:
    import re

    return set(re.findall(r"<@([A-Z0-9]+)>", text))


def test_only_slack_user_ids_become_mentions() -> None:
    """Anything not shaped like a user id (a channel, a broadcast) is never written as one."""
    assert mentioning(["U0ADA", "W123", "!channel", "C0WELL", "U0X|x>"]) == "<@U0ADA> <@W123>"


async def test_a_channel_the_bot_is_not_in_gets_one_line(
    slash: Slash, fake: FakeSlack, starter: GroupBreakStarter, store: Store, clock: FakeClock
) -> None:
    """Slack refuses the card: the person is told what to do, and no break is kept."""
    fake.add_channel("C0WELL", member=False)
    answer = await slash("/groupbreak", "")
    assert answer["response_type"] == "ephemeral" and "invite me" in answer["text"]
    assert await GroupBreakStore(store).claim_due(
        clock.now() + timedelta(hours=1), "p", timedelta(seconds=60), ["slack"]) == []
