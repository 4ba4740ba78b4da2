"""Starting Slack from the built App."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
from pathlib import Path

import pytest
from pydantic import SecretStr

from bot.adapters.slack import SlackConfig
from bot.adapters.slack.runner import EXIT_BAD_CONFIG
from bot.app import build_app
from bot.core.clock import FakeClock
from bot.core.ports import Platform
from bot.serve import run_platforms
from bot.settings import DatabaseSettings, Settings, SlackSettings
from bot.shutdown import run_until_signalled
from bot.storage import LedgerStatus, Spec
from tests.fakes.slack import APP_TOKEN, BOT_TOKEN, SIGNING_SECRET, FakeSlack
from tests.fakes.slack.server import GUARD_SECONDS, TEAM_ID


def _settings(tmp_path: Path, slack: SlackSettings | None = None) -> Settings:
    return Settings(
        database=DatabaseSettings(url=f"sqlite+aiosqlite:///{tmp_path / 'deskbreak.sqlite3'}"),
        slack=slack or SlackSettings(),
    )


def _socket_mode(fake: FakeSlack) -> SlackSettings:
    return SlackSettings(bot_token=SecretStr(BOT_TOKEN), app_token=SecretStr(APP_TOKEN),
                         api_base=fake.base_url)


async def test_revoked_token_stops_start_up_with_one_clear_line(
    fake: FakeSlack, clock: FakeClock, caplog: pytest.LogCaptureFixture, tmp_path: Path
) -> None:
    """A revoked bot token exits with status 2 after one auth.test, naming the cause."""
    fake.revoked = "token_revoked"
    slack = SlackSettings(bot_token=SecretStr(BOT_TOKEN),
                          signing_secret=SecretStr(SIGNING_SECRET), http_port=1,
                          api_base=fake.base_url)
    app = build_app(_settings(tmp_path, slack), clock=clock)
    with caplog.at_level(logging.INFO):
        assert await run_platforms(app, Platform.SLACK) == EXIT_BAD_CONFIG
    assert [c.method for c in fake.calls] == ["auth.test"]
    assert "token_revoked" in caplog.text and BOT_TOKEN not in caplog.text


async def test_missing_credentials_exit_with_status_2(clock: FakeClock, tmp_path: Path) -> None:
    """Without SLACK_BOT_TOKEN, Slack refuses to start, alone or next to another platform."""
    app = build_app(_settings(tmp_path), clock=clock)
    assert await run_platforms(app, Platform.SLACK) == EXIT_BAD_CONFIG
    assert await run_platforms(app, Platform.CONSOLE, Platform.SLACK) == EXIT_BAD_CONFIG


def test_config_needs_an_app_token_or_a_signing_secret() -> None:
    """A bot token alone is not enough to receive commands."""
    with pytest.raises(ValueError, match="SLACK_APP_TOKEN"):
        SlackConfig(bot_token=SecretStr(BOT_TOKEN))


async def test_runner_serves_commands_with_scheduling_until_cancelled(
    fake: FakeSlack, clock: FakeClock, tmp_path: Path
) -> None:
    """Served, Slack gets the scheduling facade, answers /schedule, and shuts down cleanly."""
    fake.users["U0ADMIN"] = {"is_admin": True}
    fake.add_channel("C0WELL")
    app = build_app(_settings(tmp_path, _socket_mode(fake)), clock=clock)
    await app.store.migrate()
    task = asyncio.create_task(run_platforms(app, Platform.SLACK))
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


class LogWatch(logging.Handler):
    """Lets a test wait for a log line (an event, not a timer) from bot/shutdown.py."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.lines: list[str] = []
        self._seen: dict[str, asyncio.Event] = {}

    def emit(self, record: logging.LogRecord) -> None:
        line = record.getMessage()
        self.lines.append(line)
        for text, seen in self._seen.items():
            if text in line:
                seen.set()

    async def until(self, text: str) -> None:
        seen = self._seen.setdefault(text, asyncio.Event())
        if any(text in line for line in self.lines):
            seen.set()
        async with asyncio.timeout(GUARD_SECONDS):  # a guard against hanging, not a wait
            await seen.wait()


async def test_sigterm_stops_slack_through_the_shared_handler_even_when_sent_twice(
    fake: FakeSlack, clock: FakeClock, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """SIGTERM (twice) while a scheduled post is in flight: it finishes, then a clean exit 0.

    The runner installs no handler of its own, so both signals reach run_until_signalled: the
    first stops, the second is only logged (with a handler swap it would kill the process).
    """
    fake.add_channel("C0WELL")
    app = build_app(_settings(tmp_path, _socket_mode(fake)), clock=clock)
    await app.store.migrate()
    await app.store.add_schedule(
        platform="slack", workspace_id=TEAM_ID, channel_id="C0WELL", kind="tip",
        spec=Spec(cron="0 9 * * *"), timezone="UTC", next_due=clock.now(), created_by="U0ADMIN",
    )
    post = fake.hold("chat.postMessage")  # the first tick's post stays in flight until set
    assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL
    watch = LogWatch()
    shutdown_log = logging.getLogger("bot.shutdown")
    shutdown_log.addHandler(watch)
    run = asyncio.ensure_future(run_until_signalled(run_platforms(app, Platform.SLACK)))
    try:
        with caplog.at_level(logging.INFO):
            await fake.wait_for(lambda: bool(fake.calls_to("chat.postMessage")))
            assert (await app.health.run()).checks["slack"] is None  # up and serving
            os.kill(os.getpid(), signal.SIGTERM)
            await watch.until("SIGTERM received")
            os.kill(os.getpid(), signal.SIGTERM)  # while the scheduler waits for the post
            await watch.until("SIGTERM again")
            assert not run.done()
            post.set()
            assert await run == 0
    finally:
        shutdown_log.removeHandler(watch)
        post.set()
        if not run.done():
            run.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await run
        rows = await app.store.list_deliveries()
        await app.store.close()
    assert "scheduler stopped" in caplog.text
    assert (await app.health.run()).checks["slack"] == "the Slack adapter is not running"
    assert [row.status for row in rows] == [LedgerStatus.SENT]  # the in-flight post finished
    assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL
