"""Headless Chromium for the browser tests: Debian's package, never Playwright's download.

``chromium_or_skip`` skips with the reason only when no Chromium can be found or started;
.ci/run installs the ``chromium`` package first, so in CI these tests run.
"""

from __future__ import annotations

import os
import shutil

import pytest
from playwright.async_api import Browser, Playwright

CHROMIUM = os.environ.get("DESKBREAK_TEST_CHROMIUM", "/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--no-first-run", "--disable-sync",
        "--disable-dev-shm-usage"]


def chromium_path() -> str | None:
    return CHROMIUM if os.path.exists(CHROMIUM) else shutil.which("chromium")


async def launch(playwright: Playwright) -> Browser:
    path = chromium_path()
    if path is None:
        raise FileNotFoundError(f"no Chromium at {CHROMIUM} (apt-get install -y chromium)")
    return await playwright.chromium.launch(executable_path=path, args=ARGS, headless=True)


def chromium_or_skip() -> str:
    path = chromium_path()
    if path is None:
        pytest.skip(f"Chromium is not installed at {CHROMIUM} and `apt-get install -y "
                    "chromium` could not install it here; the browser tests need it")
    return path
