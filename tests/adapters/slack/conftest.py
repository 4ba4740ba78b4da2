"""Fixtures for the Slack adapter tests: the fake Slack and helpers to sign requests."""

from __future__ import annotations

import hashlib
import hmac
import json
import random
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import aiohttp
import pytest
from pydantic import SecretStr

from bot.adapters.slack import SlackAdapter, SlackConfig, SlackNotifier
from bot.adapters.slack.client import build_web_client
from bot.adapters.slack.pacer import ChannelPacer
from bot.core.clock import FakeClock
from bot.core.commands import ContentCommands
from bot.core.content.library import Library
from bot.core.content.loader import load_library
from bot.core.ports import Platform
from bot.core.rotation import MemoryRotationStore
from bot.scheduling.commands import SchedulingCommands, notifier_channel_checker
from bot.settings import LimitSettings, Settings
from bot.storage import Store, create_store
from bot.storage.stats import StatsEvents
from tests.fakes.slack import BOT_TOKEN, SIGNING_SECRET, FakeSlack


@pytest.fixture
async def fake() -> AsyncIterator[FakeSlack]:
    server = await FakeSlack().start()
    yield server
    await server.stop()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(datetime(2026, 11, 23, 9, 0, tzinfo=UTC))


class Sleeps:
    """An injected ``sleep``: records each wait and moves the fake clock instead of waiting."""

    def __init__(self, clock: FakeClock) -> None:
        self.clock = clock
        self.waits: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)
        self.clock.advance(timedelta(seconds=seconds))


@pytest.fixture
def sleeps(clock: FakeClock) -> Sleeps:
    return Sleeps(clock)


def sign(body: str, timestamp: int | None = None, secret: str = SIGNING_SECRET) -> dict[str, str]:
    """Slack's v0 request signature headers; Bolt checks them against the real time."""
    ts = str(int(time.time()) if timestamp is None else timestamp)
    digest = hmac.new(secret.encode(), f"v0:{ts}:{body}".encode(), hashlib.sha256).hexdigest()
    return {
        "X-Slack-Request-Timestamp": ts,
        "X-Slack-Signature": f"v0={digest}",
        "Content-Type": "application/x-www-form-urlencoded",
    }


def command_body(
    command: str,
    text: str,
    response_url: str,
    *,
    user_id: str = "U0MEMBER",
    channel_id: str = "C0WELL",
    team_id: str = "T0FAKE",
) -> str:
    return urlencode(
        {
            "token": "legacy-verification-token",
            "team_id": team_id,
            "team_domain": "fake",
            "channel_id": channel_id,
            "channel_name": "wellness",
            "user_id": user_id,
            "user_name": "sam",
            "command": command,
            "text": text,
            "api_app_id": "A0FAKE",
            "response_url": response_url,
            "trigger_id": "1.2.3",
        }
    )


@pytest.fixture
async def store(tmp_path: Path, clock: FakeClock) -> AsyncIterator[Store]:
    """A migrated SQLite Store: where the notifier keeps DM channel ids."""
    db = create_store(f"sqlite+aiosqlite:///{tmp_path / 'deskbreak.sqlite3'}", clock=clock)
    await db.migrate()
    yield db
    await db.close()


@pytest.fixture(scope="session")
def library() -> Library:
    """The shipped content, loaded once: it is read-only."""
    return load_library(Settings().content.dirs())


@pytest.fixture
def content(library: Library, clock: FakeClock) -> ContentCommands:
    return ContentCommands(library, MemoryRotationStore(), clock, random.Random(7))


@pytest.fixture
def scheduling(
    store: Store, clock: FakeClock, fake: FakeSlack
) -> SchedulingCommands:
    """The real scheduling facade; it checks channels through a SlackNotifier on the fake."""
    checker = SlackNotifier(
        build_web_client(BOT_TOKEN, base_url=fake.base_url), ChannelPacer(clock)
    )
    return SchedulingCommands(
        store,
        clock,
        LimitSettings(),
        notifier_channel_checker({Platform.SLACK: checker}),
        names=SlackAdapter.command_names,  # as serve wires it: replies name Slack's commands
        events=StatsEvents(store),  # as build_app wires it: presses are recorded
    )


@pytest.fixture
async def slack(
    fake: FakeSlack, clock: FakeClock, sleeps: Sleeps, content: ContentCommands, scheduling: Any
) -> AsyncIterator[SlackAdapter]:
    """The real adapter in HTTP mode on 127.0.0.1, talking to the fake Web API."""
    fake.users.update(
        {
            "U0MEMBER": {"name": "sam", "is_admin": False, "is_owner": False},
            "U0ADMIN": {"name": "ada", "is_admin": True, "is_owner": False},
            "U0OWNER": {"name": "oli", "is_admin": False, "is_owner": True},
            "U0LISTED": {"name": "lee", "is_admin": False, "is_owner": False},
            "U0GROUPIE": {"name": "gus", "is_admin": False, "is_owner": False},
        }
    )
    fake.groups["S0ADMINS"] = ["U0GROUPIE"]
    fake.add_channel("C0WELL")
    config = SlackConfig(
        bot_token=SecretStr(BOT_TOKEN),
        signing_secret=SecretStr(SIGNING_SECRET),
        http_port=0,
        base_url=fake.base_url,
        admin_ids=("U0LISTED", "S0ADMINS"),
    )
    adapter = SlackAdapter(config, content, scheduling, clock=clock, sleep=sleeps)
    await adapter.start()
    yield adapter
    await adapter.stop()


async def post_signed(adapter: SlackAdapter, body: str, headers: dict[str, str]) -> tuple[int, str]:
    url = f"http://127.0.0.1:{adapter.http_port}/slack/events"
    async with (
        aiohttp.ClientSession() as session,
        session.post(url, data=body, headers=headers) as r,
    ):
        return r.status, await r.text()


class Slash:
    """Send slash commands the way Slack does and collect what the app answers."""

    def __init__(self, adapter: SlackAdapter, fake: FakeSlack) -> None:
        self.adapter = adapter
        self.fake = fake
        self.sent = 0

    async def __call__(
        self, command: str, text: str = "", user_id: str = "U0MEMBER"
    ) -> dict[str, Any]:
        self.sent += 1
        body = command_body(command, text, self.fake.response_url(f"r{self.sent}"), user_id=user_id)
        status, ack_body = await post_signed(self.adapter, body, sign(body))
        assert (status, ack_body) == (200, ""), "slash commands are acked empty, then answered"
        await self.fake.wait_for(
            lambda: any(r["_url"] == f"r{self.sent}" for r in self.fake.responses)
        )
        return next(r for r in self.fake.responses if r["_url"] == f"r{self.sent}")

    async def click(
        self, action_id: str, user_id: str = "U0MEMBER", channel: str = "C0WELL"
    ) -> dict[str, Any]:
        """Click a button on a message, as a block_actions payload."""
        self.sent += 1
        payload = block_actions(
            action_id, self.fake.response_url(f"r{self.sent}"), user_id, channel
        )
        body = urlencode({"payload": json.dumps(payload)})
        status, _ = await post_signed(self.adapter, body, sign(body))
        assert status == 200
        await self.fake.wait_for(
            lambda: any(r["_url"] == f"r{self.sent}" for r in self.fake.responses)
        )
        return next(r for r in self.fake.responses if r["_url"] == f"r{self.sent}")


def block_actions(action_id: str, response_url: str, user_id: str, channel: str) -> dict[str, Any]:
    return {
        "type": "block_actions",
        "team": {"id": "T0FAKE", "domain": "fake"},
        "user": {"id": user_id, "username": "sam", "name": "sam", "team_id": "T0FAKE"},
        "api_app_id": "A0FAKE",
        "token": "legacy-verification-token",
        "container": {"type": "message", "message_ts": "1700000000.000001", "channel_id": channel},
        "trigger_id": "1.2.3",
        "channel": {"id": channel, "name": "wellness"},
        "message": {"type": "message", "ts": "1700000000.000001", "text": "x"},
        "response_url": response_url,
        "actions": [
            {
                "type": "button",
                "action_id": action_id,
                "block_id": "b1",
                "value": action_id,
                "text": {"type": "plain_text", "text": "x"},
                "action_ts": "1700000001.000000",
            }
        ],
    }


@pytest.fixture
def slash(slack: SlackAdapter, fake: FakeSlack) -> Slash:
    return Slash(slack, fake)
