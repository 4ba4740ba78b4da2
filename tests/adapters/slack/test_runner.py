"""Starting Slack from the built App."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from pathlib import Path

import pytest
from pydantic import SecretStr

from bot.adapters.slack import SlackConfig
from bot.adapters.slack.runner import EXIT_BAD_CONFIG, run_slack, serve_slack, slack_alongside
from bot.app import build_app
from bot.core.clock import FakeClock
from bot.settings import Settings
from tests.fakes.slack import APP_TOKEN, BOT_TOKEN, SIGNING_SECRET, FakeSlack


def _settings(tmp_path: Path) -> Settings:
    return Settings(database_url=f"sqlite+aiosqlite:///{tmp_path / 'deskbreak.sqlite3'}")


async def test_revoked_token_stops_start_up_with_one_clear_line(
    fake: FakeSlack, clock: FakeClock, caplog: pytest.LogCaptureFixture, tmp_path: Path
) -> None:
    """A revoked bot token exits with status 2 after one auth.test, naming the cause."""
    fake.revoked = "token_revoked"
    app = build_app(_settings(tmp_path), clock=clock)
    config = SlackConfig(
        bot_token=SecretStr(BOT_TOKEN),
        signing_secret=SecretStr(SIGNING_SECRET),
        http_port=0,
        base_url=fake.base_url,
    )
    with caplog.at_level(logging.INFO):
        assert await run_slack(app, config) == EXIT_BAD_CONFIG
    assert [c.method for c in fake.calls] == ["auth.test"]
    assert "token_revoked" in caplog.text and BOT_TOKEN not in caplog.text


async def test_missing_credentials_exit_with_status_2(clock: FakeClock, tmp_path: Path) -> None:
    """Without SLACK_BOT_TOKEN the Slack runner refuses to start."""
    assert await serve_slack(build_app(_settings(tmp_path), clock=clock)) == EXIT_BAD_CONFIG


def test_config_needs_an_app_token_or_a_signing_secret() -> None:
    """A bot token alone is not enough to receive commands."""
    with pytest.raises(ValueError, match="SLACK_APP_TOKEN"):
        SlackConfig(bot_token=SecretStr(BOT_TOKEN))


async def test_runner_serves_commands_with_scheduling_until_cancelled(
    fake: FakeSlack, clock: FakeClock, tmp_path: Path
) -> None:
    """run_slack wires scheduling to the adapter, answers /schedule, and shuts down cleanly."""
    fake.users["U0ADMIN"] = {"is_admin": True}
    fake.add_channel("C0WELL")
    app = build_app(_settings(tmp_path), clock=clock)
    await app.store.migrate()
    config = SlackConfig(
        bot_token=SecretStr(BOT_TOKEN), app_token=SecretStr(APP_TOKEN), base_url=fake.base_url
    )
    task = asyncio.create_task(run_slack(app, config))
    try:
        await fake.socket.wait_connected()
        payload = {
            "team_id": "T0FAKE",
            "channel_id": "C0WELL",
            "user_id": "U0ADMIN",
            "user_name": "ada",
            "command": "/schedule",
            "text": "add <#C0WELL|wellness> tip every=30",
            "api_app_id": "A0FAKE",
            "response_url": fake.response_url("run"),
            "trigger_id": "1.2.3",
        }
        await fake.socket.send_envelope("slash_commands", payload)
        [answer] = await fake.wait_responses(1)
        assert answer["blocks"][0]["text"]["text"] == "Schedule #1 added"
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        await app.store.close()
    assert task.cancelled()


async def test_slack_alongside_is_none_without_credentials(
    clock: FakeClock, tmp_path: Path
) -> None:
    """Next to another platform, Slack stays off (None) when SLACK_BOT_TOKEN is not set."""
    async with slack_alongside(build_app(_settings(tmp_path), clock=clock)) as adapter:
        assert adapter is None
