"""The dashboard in a real headless Chromium (Debian's), end to end.

- The console: `deskbreak run` as a child process prints its one-time link; the browser adds a
  schedule watching the live preview, pauses it, and the console's own `/schedule list` (typed
  on the child's stdin) says it is paused.
- Discord: sign in through the fake Discord's OAuth pages; a member sees no workspace.
- A form whose CSRF token was tampered with is refused and changes nothing.
"""

from __future__ import annotations

import asyncio
import re
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from playwright.async_api import Browser, Page, async_playwright, expect

from tests.childenv import child_env
from tests.web.browser import chromium_or_skip, launch
from tests.web.world import DiscordWorld, discord_world, free_port

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
