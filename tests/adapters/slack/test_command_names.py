"""Replies on Slack name Slack's commands: `/reminders`, since Slack's own `/remind` wins."""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path

from pydantic import SecretStr

from bot.app import build_app
from bot.core.clock import FakeClock
from bot.core.ports import Platform
from bot.serve import run_platforms
from bot.settings import DatabaseSettings, Settings, SlackSettings
from tests.adapters.slack.conftest import Slash
from tests.fakes.slack import APP_TOKEN, BOT_TOKEN, FakeSlack


def text_of(response: dict[str, object]) -> str:
    return str(response["blocks"])


async def test_status_without_reminders_points_at_slash_reminders(slash: Slash) -> None:
    """/reminders status with none set up says to run `/reminders on`, never `/remind on`."""
    text = text_of(await slash("/reminders", "status"))
    assert "`/reminders on`" in text and "`/remind on`" not in text


async def test_turning_off_points_back_at_slash_reminders(slash: Slash) -> None:
    """/reminders off explains how to turn them back on with Slack's command name."""
    await slash("/reminders", "on")
    assert "`/reminders on`" in text_of(await slash("/reminders", "off"))


async def test_runner_wires_slack_command_names(
    fake: FakeSlack, clock: FakeClock, tmp_path: Path
) -> None:
    """Served, Slack's scheduling facade answers with /reminders too, not the core default."""
    fake.users["U0MEMBER"] = {"name": "sam", "is_admin": False, "is_owner": False}
    settings = Settings(
        database=DatabaseSettings(url=f"sqlite+aiosqlite:///{tmp_path / 'db.sqlite3'}"),
        slack=SlackSettings(bot_token=SecretStr(BOT_TOKEN), app_token=SecretStr(APP_TOKEN),
                            api_base=fake.base_url),
    )
    app = build_app(settings, clock=clock)
    await app.store.migrate()
    task = asyncio.create_task(run_platforms(app, Platform.SLACK))
    try:
        await fake.socket.wait_connected()
        await fake.socket.send_envelope(
            "slash_commands",
            {
                "team_id": "T0FAKE",
                "channel_id": "C0WELL",
                "user_id": "U0MEMBER",
                "command": "/reminders",
                "text": "status",
                "response_url": fake.response_url("status"),
                "trigger_id": "1.2.3",
            },
        )
        [answer] = await fake.wait_responses(1)
        assert "`/reminders on`" in text_of(answer)
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        await app.store.close()

