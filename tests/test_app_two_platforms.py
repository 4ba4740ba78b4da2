"""`deskbreak run` with Discord and Slack in one process, against both fakes.

One event loop, ONE scheduler holding both notifiers, each adapter with its own command names;
the config file's schedules are applied at start and delivered by that one scheduler.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import discord
import pytest
import yarl
from pydantic import SecretStr

from bot.app import build_app
from bot.core.clock import FakeClock
from bot.core.ports import Platform
from bot.serve import serve
from bot.settings import (
    DatabaseSettings,
    DiscordSettings,
    SchedulerSettings,
    Settings,
    SlackSettings,
)
from tests.fakes.discord import FakeDiscord
from tests.fakes.discord import payloads as p
from tests.fakes.slack import APP_TOKEN, BOT_TOKEN, FakeSlack

START = datetime(2027, 3, 1, 8, 0, tzinfo=UTC)  # a Monday
GUARD = 10.0  # only a guard against a hung test; every wait ends on its event


@pytest.fixture
async def discord_fake(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[FakeDiscord]:
    server = FakeDiscord()
    await server.start()
    monkeypatch.setattr(discord.http.Route, "BASE", server.api_base)
    monkeypatch.setattr(
        discord.gateway.DiscordWebSocket, "DEFAULT_GATEWAY", yarl.URL(server.gateway_url)
    )
    yield server
    await server.close()


@pytest.fixture
async def slack_fake() -> AsyncIterator[FakeSlack]:
    server = await FakeSlack().start()
    server.users["U0MEMBER"] = {"name": "sam", "is_admin": False, "is_owner": False}
    server.add_channel("C0WELL")
    yield server
    await server.stop()


def config_file(tmp_path: Path, guild_id: str, channel_id: str) -> Path:
    path = tmp_path / "deskbreak.yaml"
    path.write_text(
        "version: 1\n"
        "workspaces:\n"
        "  - platform: discord\n"
        f"    id: '{guild_id}'\n"
        "    schedules:\n"
        f"      - {{channel: '{channel_id}', kind: break, cron: '0 9 * * *'}}\n"
        "  - platform: slack\n"
        "    id: T0FAKE\n"
        "    schedules:\n"
        "      - {channel: C0WELL, kind: tip, cron: '0 9 * * *'}\n",
        encoding="utf-8",
    )
    return path


def sent(app: Any, platform: str, kind: str) -> float | None:
    return app.metrics.registry.get_sample_value(
        "deskbreak_deliveries_sent_total", {"platform": platform, "kind": kind}
    )


async def test_one_process_serves_discord_and_slack_with_one_scheduler(
    discord_fake: FakeDiscord, slack_fake: FakeSlack, tmp_path: Path
) -> None:
    """Both platforms answer with their own command names; one scheduler posts to both."""
    guild = discord_fake.add_guild("Desk Club")
    general = discord_fake.add_channel(guild, "general")
    member = discord_fake.add_member(guild, "sam")
    posted = asyncio.Event()
    discord_fake.on_message = lambda *_: posted.set()
    settings = Settings(
        database=DatabaseSettings(url=f"sqlite+aiosqlite:///{tmp_path / 'db.sqlite3'}"),
        config_path=config_file(tmp_path, guild.guild_id, general.channel_id),
        # The real interval job, fast: the test waits on events, not time.
        scheduler=SchedulerSettings(tick_seconds=0.05),
        discord=DiscordSettings(token=SecretStr(discord_fake.token)),
        slack=SlackSettings(
            bot_token=SecretStr(BOT_TOKEN),
            app_token=SecretStr(APP_TOKEN),
            api_base=slack_fake.base_url,
        ),
    )
    assert settings.auto_platforms() == (Platform.DISCORD, Platform.SLACK)
    clock = FakeClock(START)
    app = build_app(settings, clock=clock)
    running = asyncio.create_task(serve(app, *settings.auto_platforms()))
    try:
        await asyncio.wait_for(discord_fake.identified.wait(), GUARD)
        await slack_fake.socket.wait_connected()

        cb = await discord_fake.interact(
            discord_fake.slash(member, general, "remind", [p.subcommand("status", [])])
        )
        assert "`/remind on`" in str(cb.data)
        await slack_fake.socket.send_envelope(
            "slash_commands",
            {
                "team_id": "T0FAKE",
                "channel_id": "C0WELL",
                "user_id": "U0MEMBER",
                "user_name": "sam",
                "command": "/reminders",
                "text": "status",
                "api_app_id": "A0FAKE",
                "response_url": slack_fake.response_url("status"),
                "trigger_id": "1.2.3",
            },
        )
        [answer] = await slack_fake.wait_responses(1)
        assert "`/reminders on`" in str(answer) and "`/remind on`" not in str(answer)

        clock.set(START + timedelta(hours=1, seconds=30))  # both schedules are due at 09:00
        await asyncio.wait_for(posted.wait(), GUARD)
        await slack_fake.wait_for(
            lambda: any(c.params.get("channel") == "C0WELL"
                        for c in slack_fake.calls_to("chat.postMessage"))
        )
        health = await app.health.run()
        parts = ("store", "scheduler", "discord", "slack")
        assert {name: health.checks[name] for name in parts} == dict.fromkeys(parts)
    finally:
        running.cancel()
        await asyncio.gather(running, return_exceptions=True)
    # Stopping waited for in-flight sends, so each one has been counted by now.
    assert len(discord_fake.messages[general.channel_id]) == 1
    assert len(slack_fake.calls_to("chat.postMessage")) == 1
    assert sent(app, "discord", "break") == 1.0
    assert sent(app, "slack", "tip") == 1.0
