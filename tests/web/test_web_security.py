"""The dashboard's guards, each proven: anonymous visitors, CSRF, headers, one-time links,
the sign-in rate limit, cookies, and no secret in any page or log."""

from __future__ import annotations

import logging
import re
from datetime import timedelta
from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from pydantic import SecretStr

from bot.core.clock import FakeClock
from bot.core.ports import Actor, Platform
from bot.settings import Settings
from tests.web.conftest import MakeSite, Site, csrf_of, post_form

WS = "/w/console/console"
PAGES = ["/", f"{WS}/schedules", f"{WS}/schedules/new", f"{WS}/settings", f"{WS}/audit",
         f"{WS}/stats", f"{WS}/schedules/1/edit", f"{WS}/schedules/1/remove",
         f"{WS}/schedules/preview.json"]
POSTS = [f"{WS}/schedules", f"{WS}/schedules/1/pause", f"{WS}/schedules/1/remove",
         f"{WS}/settings/timezone", f"{WS}/settings/quiet", f"{WS}/settings/skip", "/signout"]
ADD = {"kind": "break", "channel": "console", "mode": "every", "every": "30", "days": "mon"}


async def test_anonymous_visitors_see_only_the_sign_in_page(site: Site) -> None:
    """Every page redirects an anonymous visitor to /signin; every POST is refused and changes
    nothing; the sign-in page itself shows no workspace data."""
    assert site.scheduling is not None
    admin = Actor(Platform.CONSOLE, "console", "console-user", is_admin=True)
    await site.scheduling.commands.schedule_add(admin, "console", "tip", cron="0 9 * * *")
    before = await site.app.store.snapshot()
    async with site.client() as client:
        for path in PAGES:
            response = await client.get(path, allow_redirects=False)
            assert (response.status, response.headers.get("Location")) == (303, "/signin"), path
        for path in POSTS:
            response = await client.post(path, data={"timezone": "Asia/Tokyo"},
                                         allow_redirects=False)
            assert response.status == 403, path
        page = await (await client.get("/signin")).text()
    assert "Sign in to the dashboard" in page and "This computer" not in page
    assert "0 9 * * *" not in page and "console-user" not in page
    assert await site.app.store.snapshot() == before


@pytest.mark.parametrize("token", [None, "", "forged-token-value"])
async def test_a_post_without_the_csrf_token_is_403_and_changes_nothing(
        site: Site, browser: TestClient[Any, Any], token: str | None) -> None:
    """Adding a schedule, pausing it and changing a setting all need the session's token."""
    await post_form(browser, f"{WS}/schedules/new", f"{WS}/schedules", ADD)
    before = await site.app.store.snapshot()
    for path, data in ((f"{WS}/schedules", ADD), (f"{WS}/schedules/1/pause", {}),
                       (f"{WS}/settings/timezone", {"timezone": "Asia/Tokyo"})):
        fields = dict(data) if token is None else {**data, "csrf": token}
        response = await browser.post(path, data=fields, allow_redirects=False)
        assert response.status == 403, path
        assert "This form had expired" in await response.text()
    assert await site.app.store.snapshot() == before


async def test_a_post_from_another_origin_is_refused_even_with_the_token(
        site: Site, browser: TestClient[Any, Any]) -> None:
    """A cross-site form that somehow carried the token still fails the Origin check."""
    html = await (await browser.get(f"{WS}/settings")).text()
    response = await browser.post(f"{WS}/settings/timezone",
                                  data={"timezone": "Asia/Tokyo", "csrf": csrf_of(html)},
                                  headers={"Origin": "https://evil.example"},
                                  allow_redirects=False)
    assert response.status == 403
    assert (await site.app.store.get_workspace("console", "console")).timezone == "UTC"


async def test_security_headers_on_pages_errors_and_static_files(
        site: Site, browser: TestClient[Any, Any]) -> None:
    """CSP, X-Frame-Options DENY and Referrer-Policy come with every response."""
    css = re.search(r'href="(/static/app\.css[^"]*)"',
                    await (await browser.get("/")).text())
    assert css
    for path in ("/", f"{WS}/schedules", "/signin", "/nope", css.group(1).replace("&amp;", "&")):
        response = await browser.get(path, allow_redirects=False)
        headers = response.headers
        assert "default-src 'none'" in headers["Content-Security-Policy"], path
        assert "frame-ancestors 'none'" in headers["Content-Security-Policy"], path
        assert headers["X-Frame-Options"] == "DENY", path
        assert headers["Referrer-Policy"] == "same-origin", path
    assert (await browser.get(f"{WS}/schedules")).headers["Cache-Control"] == "no-store"


async def test_the_console_link_works_once_and_expires_after_ten_minutes(
        site: Site, clock: FakeClock) -> None:
    """A used link is refused; an unused one is refused after 10 minutes."""
    link = site.dashboard.print_console_link().removeprefix(site.dashboard.ctx.base_url)
    late = site.dashboard.print_console_link().removeprefix(site.dashboard.ctx.base_url)
    async with site.client() as first, site.client() as second:
        assert (await first.get(link, allow_redirects=False)).status == 303
        again = await second.get(link, allow_redirects=False)
        assert again.status == 403 and "expired or was already used" in await again.text()
        clock.advance(timedelta(minutes=10, seconds=1))
        assert (await second.get(late, allow_redirects=False)).status == 403
        assert (await second.get("/", allow_redirects=False)).status == 303  # still anonymous


async def test_sign_in_is_rate_limited_per_address(site: Site, clock: FakeClock) -> None:
    """Guessing one-time links is cut off after a burst of 10; it recovers with time."""
    async with site.client() as client:
        statuses = [(await client.get(f"/login/guess{i}", allow_redirects=False)).status
                    for i in range(11)]
        assert statuses == [403] * 10 + [429]
        link = site.dashboard.print_console_link().removeprefix(site.dashboard.ctx.base_url)
        assert (await client.get(link, allow_redirects=False)).status == 429
        clock.advance(timedelta(seconds=7))
        assert (await client.get(link, allow_redirects=False)).status == 303


async def test_session_cookie_is_httponly_lax_and_secure_behind_https(
        make_site: MakeSite, settings: Settings) -> None:
    """The cookie is never readable by scripts, and Secure when the public URL is https."""
    for public, secure in ((None, False), ("https://deskbreak.example.org", True)):
        site = await make_site(settings.model_copy(update={"public_url": public}))
        if public:
            site.dashboard.ctx.base_url = public
        async with site.client() as client:
            link = site.dashboard.print_console_link().removeprefix(site.dashboard.ctx.base_url)
            response = await client.get(link, allow_redirects=False)
        cookie = response.headers["Set-Cookie"]
        assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
        assert ("Secure" in cookie) is secure


async def test_sign_out_ends_the_session(site: Site, browser: TestClient[Any, Any]) -> None:
    """After signing out the same browser is anonymous again."""
    response = await post_form(browser, f"{WS}/schedules", "/signout", {})
    assert (response.status, response.headers["Location"]) == (303, "/signin")
    assert (await browser.get(f"{WS}/schedules", allow_redirects=False)).status == 303


async def test_no_secret_or_token_reaches_a_page_or_the_log(
        make_site: MakeSite, settings: Settings, caplog: pytest.LogCaptureFixture) -> None:
    """Walk every page and action with secrets configured: none appears in any answer or log
    line, nor does the one-time link's token once used."""
    caplog.set_level(logging.DEBUG)
    secrets = {"web": "web-secret-f00d-4242", "discord": "discord-client-secret-beef",
               "slack": "slack-client-secret-cafe", "token": "bot-token-abcdef.123"}
    site = await make_site(settings.model_copy(update={
        "web_secret": SecretStr(secrets["web"]), "discord_client_id": "12345",
        "discord_client_secret": SecretStr(secrets["discord"]), "slack_client_id": "1.2",
        "slack_client_secret": SecretStr(secrets["slack"]),
        "discord_token": SecretStr(secrets["token"])}))
    seen: list[str] = []
    async with site.client() as client:
        link = site.dashboard.print_console_link().removeprefix(site.dashboard.ctx.base_url)
        secrets["link"] = link.rsplit("/", 1)[1]
        await client.get(link)
        cookie = next(iter(client.session.cookie_jar)).value
        for path in [*PAGES, "/signin", "/nope"]:
            response = await client.get(path)
            seen.append(await response.text())
        response = await post_form(client, f"{WS}/schedules/new", f"{WS}/schedules", ADD)
        seen.append(await (await client.get(f"{WS}/schedules")).text())
        seen.append(await (await client.get(f"{WS}/audit")).text())
    seen.append(caplog.text)
    for text in seen:
        for name, secret in secrets.items():
            assert secret not in text, name
        assert cookie not in text


async def test_a_new_console_link_goes_to_the_terminal_not_the_browser(site: Site) -> None:
    """"Print a new link" prints one in the terminal; the page that asked never sees it."""
    out = site.terminal
    assert out is not None
    before = out.getvalue()
    async with site.client() as client:
        response = await client.post("/login/new", allow_redirects=False)
        page = await response.text()
        printed = out.getvalue()[len(before):]
        link = re.search(r"Dashboard: \S+/login/(\S+)", printed)
        assert response.status == 200 and link and "A new link is in the terminal" in page
        assert link.group(1) not in page
        assert (await client.get(f"/login/{link.group(1)}", allow_redirects=False)).status == 303
        refused = await client.post("/login/new", headers={"Origin": "https://evil.example"})
        assert refused.status == 403
