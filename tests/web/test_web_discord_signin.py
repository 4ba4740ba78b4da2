"""Sign in with Discord, end to end: the real bot (serve() with discord.py) on the fake
Discord, its OAuth2 pages, and the dashboard deciding access from the bot's own guild data."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from html import unescape
from pathlib import Path

import aiohttp
import pytest

from bot.core.clock import FakeClock
from tests.fakes.discord import payloads as p
from tests.web.world import DiscordWorld, discord_world

FIELD = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)">')


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(datetime(2027, 3, 1, 8, 0, tzinfo=UTC))


@pytest.fixture
async def world(tmp_path: Path, clock: FakeClock) -> AsyncIterator[DiscordWorld]:
    async with discord_world(tmp_path, clock) as running:
        yield running


def browser() -> aiohttp.ClientSession:
    # unsafe=True: keep cookies set by an IP address (127.0.0.1), as a browser does.
    return aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))


async def start(http: aiohttp.ClientSession, world: DiscordWorld) -> str:
    """Click "Sign in with Discord", then Authorize on the fake's page: the callback URL."""
    async with http.get(f"{world.url}/auth/discord", allow_redirects=False) as response:
        authorize = response.headers["Location"]
    assert authorize.startswith(f"http://127.0.0.1:{world.fake.port}/oauth2/authorize?")
    async with http.get(authorize) as response:
        fields = {k: unescape(v) for k, v in FIELD.findall(await response.text())}
    async with http.post(authorize, data={**fields, "decision": "allow"},
                         allow_redirects=False) as response:
        callback = response.headers["Location"]
    assert callback.startswith(f"{world.url}/auth/discord/callback?")
    return callback


async def sign_in(http: aiohttp.ClientSession, world: DiscordWorld, who: p.Invoker) -> str:
    world.fake.oauth.signed_in = who.user_id
    async with http.get(await start(http, world)) as response:
        assert response.status == 200, await response.text()
        return await response.text()


async def test_an_admin_signs_in_and_sees_the_server(world: DiscordWorld) -> None:
    """Manage Server + the bot in the server: the server is listed and its pages open."""
    async with browser() as http:
        home = await sign_in(http, world, world.admin)
        assert "Desk Club" in home and "Ada" in home
        async with http.get(f"{world.url}/w/discord/{world.guild.guild_id}/schedules") as page:
            assert page.status == 200 and "#general" not in await page.text()
        async with http.get(f"{world.url}/w/discord/{world.guild.guild_id}/schedules/new") as f:
            form = await f.text()
        assert "#general" in form and "#wellness" in form  # the bot's channels, by name


async def test_a_member_without_manage_server_sees_no_workspace(world: DiscordWorld) -> None:
    """A plain member signs in fine but sees no server, and the server's pages are 404."""
    async with browser() as http:
        home = await sign_in(http, world, world.member)
        assert "No workspaces to show" in home and "Desk Club" not in home
        async with http.get(f"{world.url}/w/discord/{world.guild.guild_id}/schedules") as page:
            assert page.status == 404


async def test_a_server_without_the_bot_is_not_listed(world: DiscordWorld) -> None:
    """Owning a server the bot is not in (per the bot's own cache) shows nothing for it."""
    other = world.fake.add_guild("Elsewhere", owner_id=world.admin.user_id)
    other.members = [m for m in other.members if m.user_id != world.fake.bot_user["id"]]
    async with browser() as http:
        home = await sign_in(http, world, world.admin)
        assert "Desk Club" in home and "Elsewhere" not in home
        async with http.get(f"{world.url}/w/discord/{other.guild_id}/schedules") as page:
            assert page.status == 404


async def test_oauth_state_works_once_and_only_in_its_own_browser(world: DiscordWorld) -> None:
    """A replayed callback, or one finished in another browser, is refused."""
    world.fake.oauth.signed_in = world.admin.user_id
    async with browser() as first, browser() as second:
        callback = await start(first, world)
        async with second.get(callback) as stolen:
            assert stolen.status == 403 and "expired or was already used" in await stolen.text()
        async with first.get(callback) as replayed:  # the state was spent by the attempt above
            assert replayed.status == 403
        good = await start(first, world)
        async with first.get(good) as response:
            assert response.status == 200
        async with first.get(good) as again:
            assert again.status == 403
    assert world.fake.oauth.exchanges == 1  # refused callbacks never reach the token endpoint


async def test_losing_manage_server_loses_access_within_the_ttl(
        world: DiscordWorld, clock: FakeClock) -> None:
    """Access is re-checked with the bot's member lookup; a removed role ends it within 60 s."""
    schedules = f"{world.url}/w/discord/{world.guild.guild_id}/schedules"
    async with browser() as http:
        await sign_in(http, world, world.admin)
        member = next(m for m in world.guild.members if m.user_id == world.admin.user_id)
        member.role_ids.remove(world.admin_role)
        async with http.get(schedules) as cached:
            assert cached.status == 200  # inside the TTL the last answer holds
        clock.advance(timedelta(seconds=61))
        async with http.get(schedules) as page:
            assert page.status == 404
        async with http.get(f"{world.url}/") as home:
            assert "Desk Club" not in await home.text()


async def test_a_refused_code_exchange_is_a_calm_page_without_secrets(
        world: DiscordWorld) -> None:
    """If Discord refuses the exchange (say, a rotated client secret) the person gets one clear
    sentence, and neither the secret nor the code appears."""
    secret, uris = world.fake.oauth.clients["1234567890123"]
    world.fake.oauth.clients["1234567890123"] = ("rotated-secret", uris)
    world.fake.oauth.signed_in = world.admin.user_id
    async with browser() as http:
        callback = await start(http, world)
        async with http.get(callback) as response:
            text = await response.text()
    assert response.status == 502 and "Discord refused the sign-in" in text
    code = re.search(r"code=([^&]+)", callback)
    assert code and code.group(1) not in text and secret not in text


async def test_with_shards_a_server_on_another_processes_shard_is_served_too(
        tmp_path: Path, clock: FakeClock) -> None:
    """This process runs shard 0 of 2; a server on shard 1 (another process's gateway) is
    still listed, its channels offered and its access checked, over REST with the bot token."""
    async with discord_world(tmp_path, clock, shards=(2, [0])) as world:
        other = world.fake.add_guild("Night Shift", shard=1)
        world.fake.add_channel(other, "breakroom")
        role = world.fake.add_role(other, "leads", p.MANAGE_GUILD)
        other.members.append(p.FakeMember(world.admin.user_id, "Ada", [role]))
        elsewhere = world.fake.add_guild("Not Ours", owner_id=world.admin.user_id, shard=1)
        elsewhere.members = [m for m in elsewhere.members if m.user_id != world.fake.bot_user["id"]]
        async with browser() as http:
            home = await sign_in(http, world, world.admin)
            assert "Desk Club" in home and "Night Shift" in home and "Not Ours" not in home
            async with http.get(f"{world.url}/w/discord/{other.guild_id}/schedules/new") as f:
                assert f.status == 200 and "#breakroom" in await f.text()
            member = next(m for m in other.members if m.user_id == world.admin.user_id)
            member.role_ids.clear()
            clock.advance(timedelta(seconds=61))
            async with http.get(f"{world.url}/w/discord/{other.guild_id}/schedules") as page:
                assert page.status == 404
