"""Settings, the audit log (changes from chat commands too), team stats, and the dashboard's
place in the process (its port, its session key)."""

from __future__ import annotations

import io
import socket
from datetime import timedelta
from typing import Any

from aiohttp.test_utils import TestClient

from bot.adapters.console.table import CommandTable, ConsoleContext
from bot.commands.call import Facades
from bot.core.events import BreakEvent, EventKind
from bot.core.messages import MessageKind
from bot.core.ports import Actor, Platform, Target, TargetKind
from bot.settings import Settings, WebSettings
from bot.storage.audit import CHAT
from bot.web import Dashboard
from tests.web.conftest import MakeSite, Site, post_form

WS = "/w/console/console"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


async def test_settings_change_through_config(site: Site, browser: TestClient[Any, Any]) -> None:
    """Time zone, quiet hours and days off are /config calls; refusals keep the old value."""
    await post_form(browser, f"{WS}/settings", f"{WS}/settings/timezone",
                    {"timezone": "europe/paris"})
    await post_form(browser, f"{WS}/settings", f"{WS}/settings/quiet",
                    {"start": "12:00", "end": "13:00"})
    await post_form(browser, f"{WS}/settings", f"{WS}/settings/skip", {"date": "2027-12-24"})
    page = await (await browser.get(f"{WS}/settings")).text()
    assert "Skip date 2027-12-24 added" in page and "Fri 24 Dec 2027" in page
    ws = await site.app.store.get_workspace("console", "console")
    assert (ws.timezone, ws.quiet_start, ws.quiet_end) == ("Europe/Paris", "12:00", "13:00")
    await post_form(browser, f"{WS}/settings", f"{WS}/settings/timezone",
                    {"timezone": "Mars/Olympus"})
    page = await (await browser.get(f"{WS}/settings")).text()
    assert "is not an IANA zone name" in page
    assert (await site.app.store.get_workspace("console", "console")).timezone == "Europe/Paris"
    await post_form(browser, f"{WS}/settings", f"{WS}/settings/quiet", {"off": "1"})
    await post_form(browser, f"{WS}/settings", f"{WS}/settings/skip/remove",
                    {"date": "2027-12-24"})
    ws = await site.app.store.get_workspace("console", "console")
    assert ws.quiet_start is None and ws.skip_dates == ()


async def test_the_audit_log_shows_chat_commands_and_dashboard_changes(
        site: Site, browser: TestClient[Any, Any]) -> None:
    """A /schedule typed in the console and a change in the dashboard both appear: who, what,
    when and from where, newest first."""
    assert site.scheduling is not None
    # The console's own wiring of the same facade.
    table = CommandTable(Facades(site.app.content, site.scheduling.commands))
    console = ConsoleContext(
        Actor(Platform.CONSOLE, "console", "console-user", is_admin=True, display_name="you"),
        Target(Platform.CONSOLE, "console", TargetKind.CHANNEL, "console"))
    answer = await table.dispatch(console, '/schedule add tip cron="0 10 * * *"')
    assert answer is not None and answer.title == "Schedule #1 added"
    await post_form(browser, f"{WS}/schedules", f"{WS}/schedules/1/pause", {})
    page = await (await browser.get(f"{WS}/audit")).text()
    assert page.index("Paused schedule #1.") < page.index("Added schedule #1: A tip in #console")
    assert "Chat command" in page and "Dashboard" in page
    rows = await site.dashboard.ctx.audit.page("console", "console")
    assert [(r.action, r.origin) for r in rows] == [("schedule.pause", "dashboard"),
                                                   ("schedule.add", CHAT)]
    refused = await table.dispatch(console, '/schedule add tip cron="99 * * * *"')
    assert refused is not None and refused.kind is MessageKind.ERROR
    assert len(await site.dashboard.ctx.audit.page("console", "console")) == 2


async def test_team_stats_page_shows_the_teamstats_answer_and_chart(
        site: Site, browser: TestClient[Any, Any]) -> None:
    """The page is the real /teamstats answer (build_scheduling attaches the stats facade):
    "nothing yet" before any break, then the numbers and the chart inline, nobody named."""
    page = await (await browser.get(f"{WS}/stats")).text()
    assert "No team stats yet" in page
    now = site.app.clock.now()
    await site.app.events.record_many([  # type: ignore[attr-defined]
        BreakEvent(EventKind.DONE, Platform.CONSOLE, "console", f"person{i}",
                   now - timedelta(days=day), schedule_id=1)
        for i in range(4) for day in range(3)])
    page = await (await browser.get(f"{WS}/stats?period=month")).text()
    assert "Team stats: last month" in page and "Done clicks: 12" in page
    assert "People taking part: 4" in page and "person1" not in page
    assert 'src="data:image/png;base64,iVBORw0KGgo' in page
    assert 'alt="Bar chart of breaks taken per day' in page


async def test_team_stats_page_without_the_stats_feature_says_so(
        site: Site, browser: TestClient[Any, Any]) -> None:
    """A dashboard with no stats facade (a build without stats) explains, not errors."""
    site.dashboard.ctx.stats = None
    page = await (await browser.get(f"{WS}/stats")).text()
    assert "aren't in this version yet" in page


async def test_a_busy_port_is_one_line_and_the_bot_carries_on(settings: Settings) -> None:
    """If the port is taken the dashboard says so once and start() reports False."""
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        from bot.app import build_app

        app = build_app(settings.model_copy(update={"web": WebSettings(port=port)}))
        await app.store.migrate()
        out = io.StringIO()
        dashboard = Dashboard(app.settings, app.store, app.clock, out=out)
        try:
            assert await dashboard.start() is False
        finally:
            await dashboard.stop()
            await app.store.close()
    assert out.getvalue().count("\n") == 1
    assert f"Dashboard not started: cannot listen on 127.0.0.1:{port}" in out.getvalue()


async def test_a_restart_keeps_people_signed_in(make_site: MakeSite, settings: Settings) -> None:
    """Without DESKBREAK_WEB_SECRET the cookie key is kept in the database: a second
    dashboard on the same database accepts the first one's session."""
    first = await make_site(settings)
    async with first.client() as client:
        link = first.dashboard.print_console_link().removeprefix(first.dashboard.ctx.base_url)
        await client.get(link, allow_redirects=False)
        cookie = next(iter(client.session.cookie_jar))
    second = await make_site(settings)
    async with second.client() as client:
        client.session.cookie_jar.update_cookies({cookie.key: cookie.value})
        response = await client.get(f"{WS}/schedules", allow_redirects=False)
        assert response.status == 200
    assert await first.app.store.kv_get("web", "session_key")


async def test_port_zero_turns_the_dashboard_off(settings: Settings) -> None:
    """DESKBREAK_WEB_PORT=0: serve() runs no dashboard and nothing hooks into scheduling."""
    from bot.app import build_app
    from bot.web import serve_dashboard

    app = build_app(settings.model_copy(update={"web": WebSettings(port=0)}))
    async with serve_dashboard(app, [Platform.CONSOLE]) as dashboard:
        assert dashboard is None and app.on_scheduling == []


def test_the_console_person_is_the_console_adapters_actor() -> None:
    """The web names no adapter, so its console sign-in spells the console's workspace and
    person itself: they must be the console adapter's, or the link signs in a stranger."""
    from bot.adapters.console import adapter
    from bot.web.views import signin

    assert (signin.CONSOLE_WORKSPACE, signin.CONSOLE_USER) == (
        adapter.CONSOLE_WORKSPACE, adapter.CONSOLE_USER)
