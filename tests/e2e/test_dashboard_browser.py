"""The dashboard in a real headless Chromium (Debian's), end to end.

- The console: `deskbreak run` as a child process prints its one-time link; the browser adds a
  schedule watching the live preview, pauses it, and the console's own `/schedule list` (typed
  on the child's stdin) says it is paused.
- Discord: sign in through the fake Discord's OAuth pages; a member sees no workspace.
- A form whose CSRF token was tampered with is refused and changes nothing.
- Team stats: the figures and the chart (a PNG that really loads) for each period, hidden
  figures where fewer than 3 people took part, and nothing at all for an anonymous visitor.
"""

from __future__ import annotations

import asyncio
import base64
import re
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from playwright.async_api import Browser, Page, async_playwright, expect

from tests.childenv import child_env
from tests.web.browser import chromium_or_skip, launch
from tests.web.world import DiscordWorld, discord_world, free_port, seed_stats

ROOT = Path(__file__).resolve().parents[2]
WAIT = 30.0


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    chromium_or_skip()
    async with async_playwright() as pw:
        chromium = await launch(pw)
        yield chromium
        await chromium.close()


async def read_until(stream: asyncio.StreamReader, pattern: str) -> str:
    """Lines from a child's pipe until one matches ``pattern`` (all of them, joined)."""
    seen: list[str] = []

    async def scan() -> str:
        while True:
            line = (await stream.readline()).decode()
            if not line:
                raise EOFError("the process closed the pipe; it printed:\n" + "".join(seen))
            seen.append(line)
            if re.search(pattern, line):
                return "".join(seen)

    return await asyncio.wait_for(scan(), WAIT)


async def test_console_link_add_with_live_preview_pause_then_console_lists_it_paused(
        browser: Browser, tmp_path: Path) -> None:
    """The first minute of a newcomer: the printed link, a schedule, a pause, seen in the REPL."""
    port = free_port()
    env = child_env()
    # The console follows the machine's zone; pin it so the listing below reads the same anywhere.
    env.update({"TZ": "UTC", "PYTHONPATH": str(ROOT), "DESKBREAK_WEB_PORT": str(port),
                "DESKBREAK_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'db.sqlite3'}"})
    child = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run", "--platform", "console", cwd=tmp_path, env=env,
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE)
    assert child.stdin and child.stdout and child.stderr
    try:
        printed = await read_until(child.stderr, r"^Dashboard: ")
        link = re.search(r"Dashboard: (http://127\.0\.0\.1:\d+/login/\S+)", printed)
        assert link, printed
        page = await browser.new_page(viewport={"width": 1280, "height": 900})
        await page.goto(link.group(1))
        await expect(page.get_by_role("heading", name="Schedules", exact=True)).to_be_visible()
        await page.get_by_role("link", name="Add a schedule").first.click()
        await page.get_by_label("Every", exact=True).fill("20")
        await page.get_by_label("Until", exact=True).fill("10:00")
        preview = page.locator("#preview")
        await expect(preview).to_contain_text("every 20 min, 09:00–10:00")  # live, no submit
        await expect(preview.locator("li")).to_have_count(5)
        await page.get_by_role("button", name="Add schedule").click()
        await expect(page.get_by_role("status")).to_contain_text("Schedule #1 added")
        await page.get_by_role("button", name=re.compile(r"^Pause")).click()
        await expect(page.get_by_role("status")).to_contain_text("Schedule #1 paused")
        await expect(page.locator(".paused-reason")).to_contain_text("paused by you")
        child.stdin.write(b"/schedule list\n")
        await child.stdin.drain()
        listed = await read_until(child.stdout, r"#1 break in console")
        assert re.search(r"#1 break in console: every 20 min, 09:00–10:00, Mon–Fri \(UTC\) — "
                         r"paused \(paused by you\)", listed), listed
    finally:
        child.stdin.close()
        status = await asyncio.wait_for(child.wait(), WAIT)
    assert status == 0


async def sign_in_with_discord(page: Page, world: DiscordWorld, who: str) -> None:
    world.fake.oauth.signed_in = who
    await page.goto(f"{world.url}/")
    await expect(page).to_have_url(f"{world.url}/signin")
    await page.get_by_role("link", name="Sign in with Discord").click()
    await expect(page).to_have_url(re.compile(r"/oauth2/authorize\?"))
    await page.get_by_role("button", name="Authorize").click()
    await expect(page).to_have_url(f"{world.url}/")


async def test_discord_admin_signs_in_and_a_member_sees_no_workspace(
        browser: Browser, tmp_path: Path) -> None:
    """Through the fake Discord's consent page: the admin gets the server, the member none."""
    async with discord_world(tmp_path) as world:
        admin = await browser.new_page()
        await sign_in_with_discord(admin, world, world.admin.user_id)
        await admin.get_by_role("link", name="Desk Club").click()
        await expect(admin.get_by_role("heading", name="Schedules", exact=True)).to_be_visible()
        await expect(admin.get_by_text("No schedules yet")).to_be_visible()
        member = await (await browser.new_context()).new_page()
        await sign_in_with_discord(member, world, world.member.user_id)
        await expect(member.get_by_role("heading", name="No workspaces to show")).to_be_visible()
        await member.goto(f"{world.url}/w/discord/{world.guild.guild_id}/schedules")
        await expect(member.get_by_role("heading", name="Nothing here")).to_be_visible()


async def test_a_tampered_csrf_token_is_refused_and_nothing_changes(
        browser: Browser, tmp_path: Path) -> None:
    """The browser submits a settings form whose token was changed: 403, zone unchanged."""
    async with discord_world(tmp_path) as world:
        page = await browser.new_page()
        await sign_in_with_discord(page, world, world.admin.user_id)
        await page.goto(f"{world.url}/w/discord/{world.guild.guild_id}/settings")
        await page.get_by_label("Workspace time zone").fill("Asia/Tokyo")
        await page.locator("form[action$='/settings/timezone'] input[name=csrf]").evaluate(
            "input => { input.value = 'forged' }")
        await page.get_by_role("button", name="Save time zone").click()
        await expect(page.get_by_role("heading", name="Not allowed")).to_be_visible()
        await expect(page.get_by_text("This form had expired")).to_be_visible()
        ws = await world.app.store.get_workspace("discord", world.guild.guild_id)
        assert ws.timezone == "UTC"
        await page.goto(f"{world.url}/w/discord/{world.guild.guild_id}/settings")
        await page.get_by_label("Workspace time zone").fill("Asia/Tokyo")
        await page.get_by_role("button", name="Save time zone").click()
        await expect(page.get_by_role("status")).to_contain_text("Workspace time zone set")


async def chart_of(page: Page) -> bytes:
    """The chart <img>'s bytes, once Chromium has decoded it (naturalWidth > 0: it loaded)."""
    chart = page.locator("img.chart")
    await expect(chart).to_be_visible()
    await expect(chart).to_have_attribute("alt", re.compile(r"^Bar chart of breaks taken"))
    await page.wait_for_function(
        "() => { const i = document.querySelector('img.chart');"
        " return i.complete && i.naturalWidth > 0 && i.naturalHeight > 0; }", timeout=WAIT * 1000)
    src = await chart.get_attribute("src")
    assert src and src.startswith("data:image/png;base64,"), (src or "")[:40]
    return base64.b64decode(src.split(",", 1)[1])


async def test_team_stats_shows_figures_and_a_loaded_chart_per_period_to_the_admin_only(
        browser: Browser, tmp_path: Path) -> None:
    """Breaks recorded through the real App.events: the week's and month's /teamstats figures
    with a PNG chart that loads in Chromium and fits a phone; an anonymous visitor gets the
    sign-in page, never a figure or a PNG."""
    async with discord_world(tmp_path) as world:
        guild = world.guild.guild_id
        week = await seed_stats(world.app, guild, people=4, days=5)
        older = await seed_stats(world.app, guild, people=6, days=4, back=12)
        page = await browser.new_page(viewport={"width": 1440, "height": 900})
        await sign_in_with_discord(page, world, world.admin.user_id)
        await page.get_by_role("link", name="Desk Club").click()
        await page.get_by_role("link", name="Team stats").click()
        await expect(page.get_by_role("heading", name="Team stats", exact=True)).to_be_visible()
        stats = page.locator("section.stats")
        await expect(stats.get_by_role("heading", level=2)).to_have_text("Team stats: last week")
        await expect(stats).to_contain_text(f"Done clicks: {week}")
        await expect(stats).to_contain_text("People taking part: 4")
        await expect(stats).to_contain_text("Nudges posted: 5")
        png = await chart_of(page)
        drawn, natural = await page.locator("img.chart").evaluate(
            "i => [i.getBoundingClientRect().width, i.naturalWidth]")
        assert 0 < drawn <= natural, (drawn, natural)  # never blown up past its pixels
        assert png.startswith(b"\x89PNG\r\n\x1a\n") and len(png) > 5_000
        assert "person0" not in await page.content()

        await page.get_by_role("link", name="Month", exact=True).click()
        await expect(page).to_have_url(re.compile(r"/stats\?period=month$"))
        await expect(page.get_by_role("link", name="Month", exact=True)).to_have_attribute(
            "aria-current", "page")
        await expect(stats.get_by_role("heading", level=2)).to_have_text("Team stats: last month")
        await expect(stats).to_contain_text(f"Done clicks: {week + older}")
        await expect(stats).to_contain_text("People taking part: 6")
        await chart_of(page)
        await page.get_by_role("link", name="Year", exact=True).click()
        await expect(stats.get_by_role("heading", level=2)).to_have_text("Team stats: last year")
        await chart_of(page)

        await page.set_viewport_size({"width": 375, "height": 900})
        await page.reload()
        await chart_of(page)
        widths = await page.evaluate(
            "() => [document.documentElement.scrollWidth,"
            " document.querySelector('img.chart').getBoundingClientRect().right]")
        assert widths[0] <= 375 and widths[1] <= 375, widths

        anonymous = await browser.new_context()
        for url in (f"{world.url}/w/discord/{guild}/stats",
                    f"{world.url}/w/discord/{guild}/stats?period=month"):
            answer = await anonymous.request.get(url, max_redirects=0)
            body = await answer.body()
            assert answer.status in (302, 303) and answer.headers["location"].endswith("/signin")
            assert not answer.headers.get("content-type", "").startswith("image/")
            assert b"PNG" not in body and b"iVBORw0KGgo" not in body and b"Done clicks" not in body
        visitor = await anonymous.new_page()
        await visitor.goto(f"{world.url}/w/discord/{guild}/stats")
        await expect(visitor).to_have_url(f"{world.url}/signin")
        assert await visitor.locator("img").count() == 0


async def test_team_stats_of_fewer_than_three_people_hides_the_figures_and_names_nobody(
        browser: Browser, tmp_path: Path) -> None:
    """The same admin's second server, where only 2 people took breaks: posts are counted,
    breaks and people read "fewer than 3 people", and no one's id or name is on the page."""
    async with discord_world(tmp_path, more_servers=("Quiet Corner",)) as world:
        [quiet] = world.others
        await seed_stats(world.app, world.guild.guild_id, people=4, days=3)
        await seed_stats(world.app, quiet.guild_id, people=2, days=3)
        page = await browser.new_page()
        await sign_in_with_discord(page, world, world.admin.user_id)
        await page.get_by_role("link", name="Quiet Corner").click()
        await page.get_by_role("link", name="Team stats").click()
        stats = page.locator("section.stats")
        await expect(stats).to_contain_text("Nudges posted: 3")
        await expect(stats).to_contain_text("Done clicks: fewer than 3 people")
        await expect(stats).to_contain_text("People taking part: fewer than 3 people")
        html = await page.content()
        assert "person0" not in html and "person1" not in html
