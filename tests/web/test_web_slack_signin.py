"""Sign in with Slack (OpenID Connect) against the fake Slack: the bot token's workspace,
admins as the slash commands decide them (admins/owners or SLACK_ADMIN_IDS)."""

from __future__ import annotations

import re
from dataclasses import replace
from html import unescape
from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestClient
from pydantic import SecretStr

from bot.adapters.slack.client import build_web_client
from bot.adapters.slack.notifier import SlackNotifier
from bot.adapters.slack.pacer import ChannelPacer
from bot.core.clock import FakeClock
from bot.core.ports import Platform
from bot.settings import Settings
from tests.fakes.slack import BOT_TOKEN, FakeSlack
from tests.fakes.slack.server import TEAM_ID
from tests.web.conftest import MakeSite, Site

FIELD = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)">')
CLIENT_ID = "1111.2222"
CLIENT_SECRET = "slack-oidc-secret-7e9a"  # noqa: S105 - the fake's


@pytest.fixture
async def fake() -> Any:
    server = await FakeSlack().start()
    server.users.update({"U0ADMIN": {"name": "ada", "real_name": "Ada", "is_admin": True},
                         "U0MEMBER": {"name": "sam", "real_name": "Sam"},
                         "U0LISTED": {"name": "lee", "real_name": "Lee"}})
    server.add_channel("C0WELL")
    yield server
    await server.stop()


@pytest.fixture
async def slack_site(make_site: MakeSite, settings: Settings, fake: FakeSlack,
                     clock: FakeClock) -> Site:
    settings = settings.model_copy(update={
        "slack_client_id": CLIENT_ID, "slack_client_secret": SecretStr(CLIENT_SECRET),
        "slack_api_base": fake.base_url.rstrip("/"), "slack_admin_ids": ["U0LISTED"]})
    notifier = SlackNotifier(build_web_client(BOT_TOKEN, base_url=fake.base_url),
                             ChannelPacer(clock))
    site = await make_site(settings, {Platform.SLACK: notifier})
    fake.oauth.register_client(CLIENT_ID, CLIENT_SECRET, {f"{site.url}/auth/slack/callback"})
    return site


async def sign_in(client: TestClient[Any, Any], fake: FakeSlack,
                  user: str) -> aiohttp.ClientResponse:
    fake.oauth.signed_in = user
    start = await client.get("/auth/slack", allow_redirects=False)
    authorize = start.headers["Location"]
    assert f"team={TEAM_ID}" in authorize and "nonce=" in authorize
    async with aiohttp.ClientSession() as platform:
        async with platform.get(authorize) as page:
            fields = {k: unescape(v) for k, v in FIELD.findall(await page.text())}
        async with platform.post(authorize, data={**fields, "decision": "allow"},
                                 allow_redirects=False) as decided:
            callback = decided.headers["Location"]
    return await client.get(callback.removeprefix(str(client.make_url(""))))  # type: ignore[return-value]


@pytest.mark.parametrize("user", ["U0ADMIN", "U0LISTED"])
async def test_a_slack_admin_signs_in_and_sees_the_workspace(
        slack_site: Site, fake: FakeSlack, user: str) -> None:
    """A workspace admin, or someone in SLACK_ADMIN_IDS, sees the bot's workspace."""
    async with slack_site.client() as client:
        home = await sign_in(client, fake, user)
        assert home.status == 200 and "Fake" in await home.text()
        page = await client.get(f"/w/slack/{TEAM_ID}/schedules/new")
        assert page.status == 200 and "#c0well" in await page.text()


async def test_a_slack_member_sees_no_workspace(slack_site: Site, fake: FakeSlack) -> None:
    """Someone who is neither admin nor listed signs in but administers nothing."""
    async with slack_site.client() as client:
        home = await sign_in(client, fake, "U0MEMBER")
        assert "No workspaces to show" in await home.text()
        assert (await client.get(f"/w/slack/{TEAM_ID}/schedules")).status == 404


async def test_slack_sign_in_checks_the_nonce(slack_site: Site, fake: FakeSlack,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """An ID token minted for another sign-in (wrong nonce) is refused."""
    original = fake.oauth.exchange

    def other_nonce(*args: Any) -> Any:
        result = original(*args)
        if not isinstance(result, str):
            token, grant = result
            result = token, replace(grant, nonce="someone-elses")
        return result

    monkeypatch.setattr(fake.oauth, "exchange", other_nonce)
    async with slack_site.client() as client:
        response = await sign_in(client, fake, "U0ADMIN")
        assert response.status == 502 and "not for this sign-in" in await response.text()
        assert (await client.get("/", allow_redirects=False)).status == 303
