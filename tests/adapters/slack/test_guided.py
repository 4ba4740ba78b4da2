"""Guided stretches on Slack, end to end: the real Bolt app against the fake Slack. The run
is posted in the person's DM and moved on with chat.update, >= 2 s apart by the fake's clock;
a response_url is used once at most (it takes 5 posts in 30 minutes)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

import pytest
from pydantic import SecretStr

from bot.adapters.slack import SlackAdapter, SlackConfig
from bot.core.clock import FakeClock
from bot.core.commands import ContentCommands
from bot.core.events import EventKind
from bot.core.guided.commands import GuidedCommands
from bot.core.guided.timer import FakeTimer
from tests.adapters.slack.conftest import Slash, block_actions, post_signed, sign
from tests.fakes.slack import BOT_TOKEN, SIGNING_SECRET, FakeSlack
from tests.recorded import Events


@pytest.fixture
async def fake(clock: FakeClock) -> AsyncIterator[FakeSlack]:
    server = await FakeSlack(clock=clock).start()
    yield server
    await server.stop()



@pytest.fixture
async def slack(fake: FakeSlack, clock: FakeClock, content: ContentCommands,
                guided: GuidedCommands) -> AsyncIterator[SlackAdapter]:
    fake.users.update({"U0MEMBER": {"name": "sam", "is_admin": False, "is_owner": False}})
    fake.add_channel("C0WELL")
    config = SlackConfig(bot_token=SecretStr(BOT_TOKEN), signing_secret=SecretStr(SIGNING_SECRET),
                         http_port=0, base_url=fake.base_url)
    adapter = SlackAdapter(config, content, clock=clock, guided=guided)
    await adapter.start()
    yield adapter
    await adapter.stop()


@pytest.fixture
def slash(slack: SlackAdapter, fake: FakeSlack) -> Slash:
    return Slash(slack, fake)


def updates(fake: FakeSlack) -> list[Any]:
    return fake.calls_to("chat.update")


async def walk(fake: FakeSlack, timer: FakeTimer, guided: GuidedCommands, run_id: str,
               before: int = 0) -> None:
    """Advance a second at a time until the run ends, letting each drawn frame arrive."""
    run = guided.runs.get(run_id)
    assert run is not None
    for _ in range(400):
        await timer.advance(1)
        await fake.wait_for(lambda: len(updates(fake)) - before >= run.edits)
        if run.done:
            return
    raise AssertionError("the run did not finish")


async def test_routine_runs_in_the_dm_with_paced_chat_updates(
    slash: Slash, fake: FakeSlack, timer: FakeTimer, guided: GuidedCommands, events: Events,
) -> None:
    """/routine eyes in a channel: a private pointer via response_url, the run posted in the
    DM, then chat.update on that message at each change (and every 10 s of a hold), >= 2 s
    apart, ending "Done — nice work"; the finish is a DONE with source routine."""
    answer = await slash("/routine", "eyes")
    assert answer["response_type"] == "ephemeral"
    assert answer["blocks"][0]["text"]["text"].startswith("Started in your DM with me")
    (post,) = fake.calls_to("chat.postMessage")
    assert post.params["channel"] == "D0MEMBER"
    stop = post.params["blocks"][-1]["elements"][0]["action_id"]
    assert stop.startswith("stop:")
    await walk(fake, timer, guided, stop.removeprefix("stop:"))
    calls = updates(fake)
    assert len(calls) >= 3
    assert {c.params["channel"] for c in calls} == {"D0MEMBER"}
    assert {c.params["ts"] for c in calls} == {"1700000000.000001"}
    texts = [c.params["text"] for c in calls]
    assert any("Hold — 20 s left" in t for t in texts)
    assert any("Hold — 10 s left" in t for t in texts)  # a running hold is redrawn
    assert "Done — nice work" in texts[-1]
    stamps = [c.at for c in calls]
    assert all((b - a) >= timedelta(seconds=2) for a, b in zip(stamps, stamps[1:], strict=False))
    assert len(fake.responses) == 1  # response_url once: the pointer
    assert [(e.kind, e.source, e.user_id) for e in events.seen] == [
        (EventKind.DONE, "routine", "U0MEMBER")]


async def test_start_on_a_dm_nudge_updates_that_message_in_place(
    slack: SlackAdapter, fake: FakeSlack, timer: FakeTimer, guided: GuidedCommands,
) -> None:
    """Start on a nudge in the DM: the nudge itself becomes the run (chat.update on its
    ts), nothing is posted anew and no response_url is used."""
    payload = block_actions("guided:chin-tuck", fake.response_url("r1"), "U0MEMBER", "D0MEMBER")
    payload["container"]["message_ts"] = "1700000000.123456"
    body = urlencode({"payload": json.dumps(payload)})
    status, _ = await post_signed(slack, body, sign(body))
    assert status == 200
    await fake.wait_for(lambda: len(updates(fake)) == 1)
    (first,) = updates(fake)
    assert first.params["ts"] == "1700000000.123456"
    assert first.params["text"].startswith("Chin tuck")
    stop = first.params["blocks"][-1]["elements"][0]["action_id"]
    await walk(fake, timer, guided, stop.removeprefix("stop:"), before=1)
    assert fake.calls_to("chat.postMessage") == [] and fake.responses == []
    assert any("Rep 10 of 10" in c.params["text"] for c in updates(fake))


async def test_stop_replaces_the_run(
    slash: Slash, fake: FakeSlack, timer: FakeTimer, guided: GuidedCommands, events: Events,
) -> None:
    """Stop on the DM message replaces it with "Stopped"; no chat.update follows."""
    await slash("/routine", "wrists")
    (post,) = fake.calls_to("chat.postMessage")
    stop = post.params["blocks"][-1]["elements"][0]["action_id"]
    await timer.advance(8)
    await fake.wait_for(lambda: len(updates(fake)) == 1)
    answer = await slash.click(stop, channel="D0MEMBER")
    assert answer["replace_original"] is True
    assert answer["blocks"][0]["text"]["text"] == "Stopped"
    count = len(updates(fake))
    await timer.advance(300)
    assert len(updates(fake)) == count and events.seen == []


async def test_update_pacer_keeps_each_workspace_to_its_tier(clock: FakeClock) -> None:
    """chat.update is Tier 3: the 51st update in a minute waits for the oldest to age out;
    another workspace does not wait."""
    from bot.adapters.slack.guided import UpdatePacer

    waits: list[float] = []

    async def sleep(seconds: float) -> None:
        waits.append(seconds)
        clock.advance(timedelta(seconds=seconds))

    pacer = UpdatePacer(clock, sleep, per_minute=50)
    for _ in range(50):
        await pacer.wait_turn("T1")
        clock.advance(timedelta(milliseconds=100))
    assert waits == []
    await pacer.wait_turn("T2")
    assert waits == []
    await pacer.wait_turn("T1")
    assert waits == [pytest.approx(55.0)]
