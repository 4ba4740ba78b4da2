"""Screenshots of the dashboard's main pages for the README, at 375 px and 1440 px wide.

    python -m tests.web.screenshots [OUT_DIR [PAGE ...]]   (default: docs/dashboard, all)

PAGE is one of the names below (signin, workspaces, schedules, schedule-form, settings,
stats, audit): ``python -m tests.web.screenshots docs/dashboard stats`` remakes only
stats-desktop.png and stats-phone.png and leaves the others as they are.

Runs a seeded bot against the fake Discord, signs in through the fake OAuth in headless
Chromium (Debian's /usr/bin/chromium) and saves one PNG per page and width.
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
from pathlib import Path

from playwright.async_api import Page, async_playwright, expect

from tests.web.browser import launch
from tests.web.world import DiscordWorld, discord_world

ROOT = Path(__file__).resolve().parents[2]
WIDTHS = {"phone": 375, "desktop": 1440}


async def sign_in(page: Page, world: DiscordWorld) -> None:
    world.fake.oauth.signed_in = world.admin.user_id
    await page.goto(f"{world.url}/signin")
    await page.get_by_role("link", name="Sign in with Discord").click()
    await page.get_by_role("button", name="Authorize").click()
    await page.wait_for_url(f"{world.url}/")


async def shoot(out: Path, only: set[str] | None = None) -> list[Path]:
    saved: list[Path] = []
    with tempfile.TemporaryDirectory() as tmp:
        async with discord_world(Path(tmp), seed=True) as world, async_playwright() as pw:
            browser = await launch(pw)
            ws = f"{world.url}/w/discord/{world.guild.guild_id}"
            pages = {"signin": "/signin", "workspaces": "/", "schedules": f"{ws}/schedules",
                     "schedule-form": f"{ws}/schedules/new", "settings": f"{ws}/settings",
                     "stats": f"{ws}/stats", "audit": f"{ws}/audit"}
            for label, width in WIDTHS.items():
                context = await browser.new_context(viewport={"width": width, "height": 900},
                                                    device_scale_factor=1)
                page = await context.new_page()
                await page.goto(f"{world.url}/signin")
                if only is None or "signin" in only:
                    await page.screenshot(path=out / f"signin-{label}.png", full_page=True)
                    saved.append(out / f"signin-{label}.png")
                await sign_in(page, world)
                for name, path in pages.items():
                    if name == "signin" or (only is not None and name not in only):
                        continue
                    await page.goto(world.url + path if path.startswith("/") else path)
                    if name == "schedule-form":
                        await page.get_by_label("Every", exact=True).fill("45")
                        await expect(page.locator(".preview-body")).to_contain_text(
                            "every 45 min")
                    if name == "stats":  # the chart decoded, so it is in the picture
                        await page.wait_for_function(
                            "() => document.querySelector('img.chart').naturalWidth > 0")
                    target = out / f"{name}-{label}.png"
                    await page.screenshot(path=target, full_page=True)
                    saved.append(target)
                await context.close()
            await browser.close()
    return saved


def main() -> None:
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docs" / "dashboard"
    out.mkdir(parents=True, exist_ok=True)
    only = set(sys.argv[2:]) or None
    for path in asyncio.run(shoot(out, only)):
        print(path.relative_to(ROOT) if path.is_relative_to(ROOT) else path)


if __name__ == "__main__":
    main()
