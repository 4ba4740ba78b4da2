"""Socket Mode: connect through apps.connections.open, ack an envelope, answer it."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from typing import Any

import pytest
from pydantic import SecretStr

from bot.adapters.slack import SlackAdapter, SlackConfig
from bot.core.clock import FakeClock
from bot.core.commands import ContentCommands
from tests.fakes.slack import APP_TOKEN, BOT_TOKEN, SIGNING_SECRET, FakeSlack


@pytest.fixture
async def socket_app(
    fake: FakeSlack, clock: FakeClock, content: ContentCommands, scheduling: Any
) -> AsyncIterator[SlackAdapter]:
    config = SlackConfig(
        bot_token=SecretStr(BOT_TOKEN), app_token=SecretStr(APP_TOKEN), base_url=fake.base_url
    )
    adapter = SlackAdapter(config, content, scheduling, clock=clock)
    await adapter.start()
    yield adapter
    await adapter.stop()


def _slash_payload(response_url: str) -> dict[str, str]:
    return {
        "token": "legacy-verification-token",
        "team_id": "T0FAKE",
        "team_domain": "fake",
        "channel_id": "C0WELL",
        "channel_name": "wellness",
        "user_id": "U0MEMBER",
        "user_name": "sam",
        "command": "/stretch",
        "text": "pigeon",
        "api_app_id": "A0FAKE",
        "is_enterprise_install": "false",
        "response_url": response_url,
        "trigger_id": "1.2.3",
    }


async def test_socket_mode_connects_acks_and_answers(
    socket_app: SlackAdapter, fake: FakeSlack
) -> None:
    """The app opens the socket with the app token, acks the envelope, then answers."""
    await fake.socket.wait_connected()
    [opened] = fake.calls_to("apps.connections.open")
    assert opened.token == APP_TOKEN
    ack = await fake.socket.send_envelope("slash_commands", _slash_payload(fake.response_url("s1")))
    assert set(ack) == {"envelope_id"}
    [answer] = await fake.wait_responses(1)
    assert answer["_url"] == "s1"
    assert answer["response_type"] == "in_channel"
    assert answer["blocks"][0]["text"]["text"] == "Pigeon pose"


async def test_tokens_never_reach_the_logs(
    fake: FakeSlack,
    clock: FakeClock,
    content: ContentCommands,
    scheduling: Any,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Even at DEBUG, neither the bot token, the app token nor the signing secret is logged."""
    config = SlackConfig(
        bot_token=SecretStr(BOT_TOKEN),
        app_token=SecretStr(APP_TOKEN),
        signing_secret=SecretStr(SIGNING_SECRET),
        base_url=fake.base_url,
    )
    with caplog.at_level(logging.DEBUG):
        adapter = SlackAdapter(config, content, scheduling, clock=clock)
        await adapter.start()
        try:
            await fake.socket.wait_connected()
            await fake.socket.send_envelope("slash_commands", _slash_payload(fake.response_url()))
            await fake.wait_responses(1)
        finally:
            await adapter.stop()
    assert caplog.records, "the DEBUG capture saw nothing, so it proves nothing"
    for secret in (BOT_TOKEN, APP_TOKEN, SIGNING_SECRET):
        assert secret not in caplog.text
    assert BOT_TOKEN not in repr(config) and APP_TOKEN not in str(config)
