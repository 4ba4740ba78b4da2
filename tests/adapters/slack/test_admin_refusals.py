"""Every admin command, tried by a plain member through the real Bolt app: a private refusal,
and the database exactly as it was."""

from __future__ import annotations

import pytest

from bot.core.ports import Actor, Platform
from bot.scheduling.commands import SchedulingCommands
from bot.storage import Store
from tests.adapters.slack.conftest import Slash
from tests.fakes.slack import FakeSlack

ADMIN_COMMANDS = [
    ("/schedule", "add <#C0WELL|wellness> tip cron=\"0 10 * * 1-5\""),
    ("/schedule", "add break every=30"),
    ("/schedule", "list"),
    ("/schedule", "preview 1"),
    ("/schedule", "pause 1"),
    ("/schedule", "resume 1"),
    ("/schedule", "remove 1"),
    ("/schedule", "test 1"),
    ("/config", "timezone Asia/Tokyo"),
    ("/config", "quiet off"),
    ("/config", "quiet 12:00 13:00"),
    ("/config", "skip 2027-12-25"),
    ("/config", "skip 2027-12-24 remove"),
]


@pytest.fixture
async def seeded(scheduling: SchedulingCommands) -> None:
    """A schedule #1, quiet hours and a skip date, for the member's commands to try to change."""
    admin = Actor(Platform.SLACK, "T0FAKE", "U0ADMIN", is_admin=True)
    await scheduling.schedule_add(admin, "C0WELL", "break", cron="0 9 * * 1-5")
    await scheduling.config_quiet(admin, "22:00", "07:00")
    await scheduling.config_skip(admin, "2027-12-24")


@pytest.mark.parametrize(("command", "text"), ADMIN_COMMANDS,
                         ids=[f"{c} {t.split()[0]}" for c, t in ADMIN_COMMANDS])
async def test_member_is_refused_every_admin_command(
    seeded: None, slash: Slash, store: Store, fake: FakeSlack, command: str, text: str
) -> None:
    """A member gets the private "Only workspace admins" answer and nothing changes or posts."""
    before = await store.snapshot()
    response = await slash(command, text, user_id="U0MEMBER")
    assert response["response_type"] == "ephemeral"
    assert "Only workspace admins" in response["text"]
    assert await store.snapshot() == before
    assert fake.calls_to("chat.postMessage") == []


async def test_a_failed_admin_lookup_refuses(
    seeded: None, slash: Slash, store: Store, fake: FakeSlack
) -> None:
    """When Slack cannot say who is an admin (users.info fails), the answer is no."""
    fake.users.pop("U0ADMIN")
    before = await store.snapshot()
    response = await slash("/schedule", "remove 1", user_id="U0ADMIN")
    assert "Only workspace admins" in response["text"]
    assert await store.snapshot() == before
