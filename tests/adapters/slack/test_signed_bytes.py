"""HTTP mode's gate (issue 11, item 15), through the real Bolt app and the fake Slack: the
signature is checked on the raw bytes before anything decodes them, and a signature is
remembered until the verifier would refuse it anyway (its timestamp + 5 minutes)."""

from __future__ import annotations

import hashlib
import hmac
import logging
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp
import pytest
from pydantic import SecretStr

from bot.adapters.slack import SlackAdapter, SlackConfig
from bot.core.clock import FakeClock
from bot.core.commands import ContentCommands
from tests.adapters.slack.conftest import command_body, post_signed, sign
from tests.fakes.slack import BOT_TOKEN, SIGNING_SECRET, FakeSlack

# Our clock for Slack's timestamps; any instant works because the adapter is given it.
OURS = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)


@pytest.fixture
def request_clock() -> FakeClock:
    return FakeClock(OURS)


@pytest.fixture
async def gated(fake: FakeSlack, content: ContentCommands, scheduling: Any,
                request_clock: FakeClock) -> AsyncIterator[SlackAdapter]:
    """The real adapter in HTTP mode, checking Slack's timestamps against ``request_clock``."""
    fake.users["U0MEMBER"] = {"name": "sam", "is_admin": False, "is_owner": False}
    config = SlackConfig(bot_token=SecretStr(BOT_TOKEN), signing_secret=SecretStr(SIGNING_SECRET),
                         http_port=0, base_url=fake.base_url)
    adapter = SlackAdapter(config, content, scheduling, request_clock=request_clock)
    await adapter.start()
    yield adapter
    await adapter.stop()


async def post_bytes(adapter: SlackAdapter, body: bytes, headers: dict[str, str]) -> int:
    url = f"http://127.0.0.1:{adapter.http_port}/slack/events"
    async with aiohttp.ClientSession() as session, session.post(
            url, data=body, headers=headers) as response:
        return response.status


def sign_bytes(body: bytes, timestamp: int) -> dict[str, str]:
    digest = hmac.new(SIGNING_SECRET.encode(), b"v0:%d:" % timestamp + body,
                      hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": str(timestamp), "X-Slack-Signature": f"v0={digest}"}


@pytest.mark.parametrize(("body", "content_type"), [
    (b"command=%2Fredflags&text=\xff\xfe\x80", "application/x-www-form-urlencoded"),
    (b"command=%2Fredflags&text=x", "application/x-www-form-urlencoded; charset=no-such-set"),
    (b"\xc3\x28" * 100, "application/json; charset=utf-8"),
], ids=["invalid-utf8", "unknown-charset", "invalid-utf8-json"])
async def test_an_unsigned_body_that_cannot_be_decoded_is_a_401(
    gated: SlackAdapter, fake: FakeSlack, caplog: pytest.LogCaptureFixture,
    body: bytes, content_type: str,
) -> None:
    """Invalid UTF-8 or an unknown charset, unsigned or forged: 401, no traceback, nothing run."""
    now = int(OURS.timestamp())
    forged = {"X-Slack-Request-Timestamp": str(now), "X-Slack-Signature": "v0=" + "0" * 64}
    with caplog.at_level(logging.DEBUG):
        assert await post_bytes(gated, body, {"Content-Type": content_type}) == 401
        assert await post_bytes(gated, body, {"Content-Type": content_type, **forged}) == 401
    assert fake.responses == [] and fake.calls == []
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]


async def test_a_signed_body_in_another_charset_header_is_read_as_utf8(
    gated: SlackAdapter, fake: FakeSlack
) -> None:
    """A genuine request is verified on its bytes and answered whatever charset it names."""
    body = command_body("/redflags", "", fake.response_url("ok")).encode()
    headers = {**sign_bytes(body, int(OURS.timestamp())),
               "Content-Type": "application/x-www-form-urlencoded; charset=no-such-set"}
    assert await post_bytes(gated, body, headers) == 200
    await fake.wait_responses(1)


async def test_signed_bytes_that_are_not_utf8_are_refused_without_a_traceback(
    gated: SlackAdapter, fake: FakeSlack, caplog: pytest.LogCaptureFixture
) -> None:
    """Even correctly signed, a body that is not UTF-8 is refused (400) with one warning."""
    body = b"command=%2Fredflags&text=\xff"
    with caplog.at_level(logging.WARNING):
        assert await post_bytes(gated, body, sign_bytes(body, int(OURS.timestamp()))) == 400
    assert [r.getMessage() for r in caplog.records] == [
        "Rejected a signed Slack request whose body is not UTF-8"]
    assert fake.responses == []


async def test_a_replay_is_refused_until_the_timestamp_is_stale(
    gated: SlackAdapter, fake: FakeSlack, request_clock: FakeClock
) -> None:
    """Slack's clock 200 s ahead of ours: the request is fresh until our +500 s. A replay at
    +301 s (past "first sight + 5 min") is refused, as is one at +501 s (stale): the command
    ran once."""
    body = command_body("/redflags", "", fake.response_url("once"))
    headers = sign(body, timestamp=int(OURS.timestamp()) + 200)
    assert (await post_signed(gated, body, headers))[0] == 200
    await fake.wait_responses(1)
    request_clock.advance(timedelta(seconds=301))
    assert (await post_signed(gated, body, headers))[0] == 401
    request_clock.advance(timedelta(seconds=200))  # +501 s: the verifier refuses it anyway
    assert (await post_signed(gated, body, headers))[0] == 401
    later = command_body("/tip", "", fake.response_url("later"))
    assert (await post_signed(gated, later, sign(later, int(request_clock.now().timestamp()))))[
        0] == 200
    await fake.wait_for(lambda: any(r["_url"] == "later" for r in fake.responses))
    assert [r["_url"] for r in fake.responses].count("once") == 1
