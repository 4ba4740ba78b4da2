"""The fake Slack's presence methods keep Slack's limits: rate tiers per method per minute
(429 with Retry-After past them) and dnd.teamInfo's 50 users."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import aiohttp
import pytest

from bot.core.clock import FakeClock
from tests.fakes.slack import BOT_TOKEN, FakeSlack


@pytest.fixture
async def fake() -> AsyncIterator[FakeSlack]:
    clock = FakeClock(datetime(2027, 3, 29, 10, tzinfo=UTC))
    server = await FakeSlack(clock=clock, tier_limits={"users.getPresence": 50}).start()
    server.users["U1"] = {"name": "one"}
    yield server
    await server.stop()


async def _get(fake: FakeSlack, method: str, **params: str) -> tuple[int, dict[str, object],
                                                                       str | None]:
    async with aiohttp.ClientSession() as session, session.get(
        fake.base_url + method, params=params,
        headers={"Authorization": f"Bearer {BOT_TOKEN}"},
    ) as response:
        return response.status, await response.json(), response.headers.get("Retry-After")


async def test_a_tier_allows_its_calls_per_minute_and_refuses_the_next(fake: FakeSlack) -> None:
    """The 50th users.getPresence in a minute is answered; the 51st is 429 with Retry-After;
    a minute later calls are answered again."""
    for _ in range(50):
        status, body, _ = await _get(fake, "users.getPresence", user="U1")
        assert (status, body["ok"]) == (200, True)
    status, body, retry = await _get(fake, "users.getPresence", user="U1")
    assert (status, body["error"], retry) == (429, "ratelimited", "60")
    assert isinstance(fake.clock, FakeClock)
    fake.clock.advance(timedelta(minutes=1))
    status, _, _ = await _get(fake, "users.getPresence", user="U1")
    assert status == 200


async def test_dnd_team_info_takes_at_most_fifty_users(fake: FakeSlack) -> None:
    """Fifty users are answered; fifty-one are refused."""
    _, ok, _ = await _get(fake, "dnd.teamInfo", users=",".join(["U1"] * 50))
    _, refused, _ = await _get(fake, "dnd.teamInfo", users=",".join(["U1"] * 51))
    assert ok["ok"] is True and refused["ok"] is False
