"""Hostile input through the real Bolt app in HTTP mode: no pings, and a per-person cooldown."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest
from pydantic import SecretStr

from bot.adapters.slack import SlackAdapter, SlackConfig
from bot.core.clock import FakeClock
from bot.core.commands import ContentCommands
from bot.core.cooldown import Cooldown
from bot.scheduling.commands import SchedulingCommands
from bot.storage import Store
from tests.adapters.slack.conftest import Slash, command_body, post_signed, sign
from tests.adapters.slack.test_render_limits import mrkdwn_texts
from tests.fakes.slack import BOT_TOKEN, SIGNING_SECRET, FakeSlack

# What Slack sends for a person typing "@everyone @here @channel @ada" with escaping on.
TYPED_PINGS = "<!everyone> <!here> <!channel|channel> <@U0ADMIN|ada> & <#C0WELL|wellness>"
SLOW_DOWN = "One moment, please"


def assert_inert(response: dict[str, Any]) -> None:
    """No mrkdwn text and not the fallback holds an angle bracket: nothing can ping."""
    for text in [*mrkdwn_texts(response["blocks"]), response["text"]]:
        assert "<" not in text and ">" not in text, text


async def test_unknown_stretch_named_like_mentions_pings_nobody(slash: Slash) -> None:
    """/stretch with Slack's mention syntax echoes it escaped, in blocks and fallback alike."""
    response = await slash("/stretch", TYPED_PINGS)
    assert_inert(response)
    assert "&lt;!everyone&gt;" in response["text"], "the text is still shown, just escaped"


async def test_bad_schedule_text_with_mentions_pings_nobody(slash: Slash) -> None:
    """An error echoing a malformed option value escapes it too."""
    response = await slash("/schedule", f"add break every={TYPED_PINGS!r}", user_id="U0ADMIN")
    assert response["response_type"] == "ephemeral"
    assert_inert(response)


@pytest.fixture
async def limited(
    fake: FakeSlack, content: ContentCommands, scheduling: SchedulingCommands, clock: FakeClock,
    slack: SlackAdapter,
) -> AsyncIterator[Slash]:
    """A second adapter like ``slack`` but with a 2-command burst refilled at 6 a minute."""
    config = SlackConfig(
        bot_token=SecretStr(BOT_TOKEN), signing_secret=SecretStr(SIGNING_SECRET), http_port=0,
        base_url=fake.base_url, admin_ids=("U0LISTED",),
    )
    adapter = SlackAdapter(config, content, scheduling, clock=clock,
                           cooldown=Cooldown(clock, burst=2, per_minute=6))
    await adapter.start()
    yield Slash(adapter, fake)
    await adapter.stop()


async def test_cooldown_refuses_a_burst_privately_and_changes_nothing(
    limited: Slash, store: Store, clock: FakeClock
) -> None:
    """The third quick command is refused privately, runs nothing, and works after the refill."""
    first = await limited("/reminders", "on", user_id="U0MEMBER")
    assert first["blocks"][0]["text"]["text"] == "Break reminders on"
    await limited("/reminders", "status", user_id="U0MEMBER")
    before = await store.snapshot()
    refused = await limited("/reminders", "off", user_id="U0MEMBER")
    assert refused["response_type"] == "ephemeral"
    assert refused["blocks"][0]["text"]["text"] == SLOW_DOWN
    assert "10 seconds" in refused["text"]
    assert await store.snapshot() == before
    other = await limited("/redflags", "", user_id="U0ADMIN")
    assert other["blocks"][0]["text"]["text"] != SLOW_DOWN, "buckets are per person"
    clock.advance(timedelta(seconds=10))
    again = await limited("/reminders", "off", user_id="U0MEMBER")
    assert again["blocks"][0]["text"]["text"] != SLOW_DOWN


async def test_cooldown_covers_button_clicks(limited: Slash) -> None:
    """Clicks spend the same per-person bucket as slash commands."""
    await limited("/redflags", "", user_id="U0MEMBER")
    await limited("/redflags", "", user_id="U0MEMBER")
    click = await limited.click("show_stretch:seated-pigeon", user_id="U0MEMBER")
    assert click["blocks"][0]["text"]["text"] == SLOW_DOWN
    assert click["response_type"] == "ephemeral"


async def test_future_timestamp_is_rejected(slack: SlackAdapter, fake: FakeSlack) -> None:
    """A correctly signed request dated more than five minutes ahead gets 401 and runs nothing."""
    body = command_body("/redflags", "", fake.response_url())
    status, _ = await post_signed(slack, body, sign(body, timestamp=int(time.time()) + 6 * 60))
    assert status == 401
    assert fake.responses == []


async def test_unsigned_request_is_rejected(slack: SlackAdapter, fake: FakeSlack) -> None:
    """A request without Slack's signature headers gets 401 and runs nothing."""
    body = command_body("/redflags", "", fake.response_url())
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    status, _ = await post_signed(slack, body, form)
    assert status == 401
    assert fake.responses == []


async def test_replay_with_a_new_timestamp_but_the_old_signature_is_rejected(
    slack: SlackAdapter, fake: FakeSlack
) -> None:
    """Re-dating a captured request without the secret breaks its signature: 401."""
    body = command_body("/redflags", "", fake.response_url())
    headers = sign(body, timestamp=int(time.time()) - 60)
    headers["X-Slack-Request-Timestamp"] = str(int(time.time()))
    status, _ = await post_signed(slack, body, headers)
    assert status == 401
    assert fake.responses == []
