"""HTTP mode accepts only fresh, correctly signed requests, each once."""

from __future__ import annotations

import logging
import time

import pytest

from bot.adapters.slack import SlackAdapter
from tests.adapters.slack.conftest import command_body, post_signed, sign
from tests.fakes.slack import BOT_TOKEN, SIGNING_SECRET, FakeSlack


async def test_wrong_signature_is_rejected(slack: SlackAdapter, fake: FakeSlack) -> None:
    """A request signed with another secret gets 401 and runs nothing."""
    body = command_body("/redflags", "", fake.response_url())
    status, _ = await post_signed(slack, body, sign(body, secret="not-the-secret"))
    assert status == 401
    assert fake.calls == [] and fake.responses == []


async def test_tampered_body_is_rejected(slack: SlackAdapter, fake: FakeSlack) -> None:
    """Changing the body after signing invalidates the signature."""
    body = command_body("/stretch", "pigeon", fake.response_url())
    headers = sign(body)
    status, _ = await post_signed(slack, body.replace("pigeon", "camel"), headers)
    assert status == 401
    assert fake.responses == []


async def test_stale_timestamp_is_rejected(slack: SlackAdapter, fake: FakeSlack) -> None:
    """A correctly signed request from more than five minutes ago gets 401."""
    body = command_body("/redflags", "", fake.response_url())
    status, _ = await post_signed(slack, body, sign(body, timestamp=int(time.time()) - 6 * 60))
    assert status == 401
    assert fake.responses == []


async def test_garbage_timestamp_is_rejected(slack: SlackAdapter, fake: FakeSlack) -> None:
    """A non-numeric timestamp header is a 401, not a server error."""
    body = command_body("/redflags", "", fake.response_url())
    headers = {**sign(body), "X-Slack-Request-Timestamp": "soon"}
    status, _ = await post_signed(slack, body, headers)
    assert status == 401


async def test_replayed_request_is_rejected(slack: SlackAdapter, fake: FakeSlack) -> None:
    """The same signed request sent twice runs once; the replay gets 401."""
    body = command_body("/redflags", "", fake.response_url("once"))
    headers = sign(body)
    first, _ = await post_signed(slack, body, headers)
    await fake.wait_responses(1)
    replay, _ = await post_signed(slack, body, headers)
    # A later genuine command is answered; by then a processed replay would have answered too.
    later = command_body("/tip", "", fake.response_url("later"))
    assert (await post_signed(slack, later, sign(later)))[0] == 200
    await fake.wait_for(lambda: any(r["_url"] == "later" for r in fake.responses))
    assert (first, replay) == (200, 401)
    assert [r["_url"] for r in fake.responses].count("once") == 1


async def test_secrets_never_reach_the_logs_in_http_mode(
    slack: SlackAdapter, fake: FakeSlack, caplog: pytest.LogCaptureFixture
) -> None:
    """At DEBUG, a good and a forged request log neither the bot token nor the signing secret."""
    with caplog.at_level(logging.DEBUG):
        good = command_body("/schedule", "list", fake.response_url("good"), user_id="U0ADMIN")
        assert (await post_signed(slack, good, sign(good)))[0] == 200
        await fake.wait_responses(1)
        forged = command_body("/redflags", "", fake.response_url("forged"))
        assert (await post_signed(slack, forged, sign(forged, secret="guess")))[0] == 401
    assert any("users.info" in r.getMessage() for r in caplog.records), "Web API calls were logged"
    assert BOT_TOKEN not in caplog.text and SIGNING_SECRET not in caplog.text
