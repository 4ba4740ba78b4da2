"""The dashboard wired as `deskbreak run` wires it (build_app, build_scheduling, the runner's
notifiers), served by aiohttp's test server; a cookie-keeping client plays the browser."""

from __future__ import annotations

import io
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from bot.adapters.console import ConsoleAdapter
from bot.app import App, Scheduling, build_app, build_scheduling
from bot.core.clock import FakeClock
from bot.core.ports import Notifier, Platform
from bot.settings import DatabaseSettings, Settings
from bot.web import Dashboard
from bot.web.dashboard import RUNNER_OPTIONS

START = datetime(2027, 3, 1, 8, 0, tzinfo=UTC)  # a Monday
CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def csrf_of(html: str) -> str:
    match = CSRF.search(html)
    assert match, "no CSRF field on the page"
    return match.group(1)


@dataclass
class Site:
    """One dashboard and the process parts around it."""

    app: App
    dashboard: Dashboard
    server: TestServer
    out: io.StringIO  # what the console printed (nudges, test posts)
    scheduling: Scheduling | None = None
    terminal: io.StringIO | None = None  # the dashboard's own lines (console links)

    @property
    def url(self) -> str:
        return str(self.server.make_url("")).rstrip("/")

    def client(self) -> TestClient[Any, Any]:
        return TestClient(self.server)

    async def console_client(self) -> TestClient[Any, Any]:
        """A browser signed in through the console's one-time link."""
        client = self.client()
        await client.start_server()
        link = self.dashboard.print_console_link()
        response = await client.get(link.removeprefix(self.dashboard.ctx.base_url),
                                    allow_redirects=False)
        assert response.status == 303, await response.text()
        return client


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(START)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(database=DatabaseSettings(url=f"sqlite+aiosqlite:///{tmp_path / 'db.sqlite3'}"))


MakeSite = Callable[..., Awaitable[Site]]


@pytest.fixture
async def make_site(clock: FakeClock) -> AsyncIterator[MakeSite]:
    """Build a dashboard for ``notifiers`` (default: the console) as serve() would."""
    made: list[tuple[Site, list[TestClient[Any, Any]]]] = []

    async def make(settings: Settings, notifiers: dict[Platform, Notifier] | None = None,
                   *, platforms: tuple[Platform, ...] | None = None,
                   app: App | None = None) -> Site:
        app = app or build_app(settings, clock=clock)
        await app.store.migrate()
        out = io.StringIO()
        if notifiers is None:
            console = ConsoleAdapter(app.content, stdin=io.StringIO(), stdout=out,
                                     interactive=False)
            notifiers = {Platform.CONSOLE: console.notifier}
        terminal = io.StringIO()
        dashboard = Dashboard(app.settings, app.store, app.clock,
                              platforms=platforms or tuple(notifiers), out=terminal,
                              pictures=app.pictures)
        app.on_scheduling.append(dashboard.attach)
        scheduling = build_scheduling(app, notifiers)
        server = TestServer(await dashboard.application())
        await server.start_server(**RUNNER_OPTIONS)  # as Dashboard.start runs it
        dashboard.ctx.base_url = str(server.make_url("")).rstrip("/")
        site = Site(app, dashboard, server, out, scheduling, terminal)
        made.append((site, []))
        return site

    yield make
    for site, _ in made:
        await site.server.close()
        await site.dashboard.stop()
        await site.app.store.close()


@pytest.fixture
async def site(make_site: MakeSite, settings: Settings) -> Site:
    return await make_site(settings)


@pytest.fixture
async def browser(site: Site) -> AsyncIterator[TestClient[Any, Any]]:
    client = await site.console_client()
    yield client
    await client.close()


async def post_form(client: TestClient[Any, Any], page: str, action: str,
                    data: dict[str, Any] | list[tuple[str, str]]) -> web.Response:
    """Submit a form the way a browser does: the CSRF token from ``page``, then POST."""
    html = await (await client.get(page)).text()
    fields = list(data.items()) if isinstance(data, dict) else list(data)
    fields.append(("csrf", csrf_of(html)))
    return await client.post(action, data=fields, allow_redirects=False)  # type: ignore[return-value]
