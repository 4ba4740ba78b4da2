"""The dashboard's life in a `deskbreak run` process: built before the runner, attached to the
scheduling facade and platform clients as the runner creates them, stopped with the process.

It shares the bot's event loop (aiohttp, no thread), like the health server: every handler
awaits the database and the platforms, so a page load interleaves with the scheduler's tick
and the chat adapters rather than holding them up (bench/bench_dashboard.py measures it).
A dashboard that cannot listen (port taken) says so in one line and the bot runs without it.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import logging
import secrets
import sys
from collections.abc import AsyncIterator, Iterable, Mapping
from typing import TYPE_CHECKING, Any, TextIO

import aiohttp
from aiohttp import web

from bot.core.clock import Clock
from bot.core.ports import Notifier, Platform
from bot.core.redact import redact_url
from bot.observability.listening import why_not
from bot.settings import Settings
from bot.storage.audit import DASHBOARD, AuditLog
from bot.storage.store import Store
from bot.storage.websecret import stored_secret
from bot.web.application import build_web_app
from bot.web.context import PictureFiles, TeamStats, WebContext
from bot.web.directory import Access
from bot.web.oauth import DISCORD_API, SLACK_API, DiscordOAuth, SlackOIDC
from bot.web.platforms import directories_for

if TYPE_CHECKING:
    from bot.app import App, Scheduling

log = logging.getLogger(__name__)

KV_NAMESPACE = "web"
KV_SESSION_KEY = "session_key"
# No access log: its lines would carry one-time sign-in links and OAuth codes.
RUNNER_OPTIONS: dict[str, Any] = {"access_log": None}


class Dashboard:
    def __init__(self, settings: Settings, store: Store, clock: Clock, *,
                 platforms: Iterable[Platform] = (), out: TextIO | None = None,
                 pictures: PictureFiles | None = None) -> None:
        self._settings = settings
        self._platforms = frozenset(platforms)
        self._out = out or sys.stderr
        self.ctx = WebContext(settings=settings, clock=clock, store=store,
                              audit=AuditLog(store, DASHBOARD), access=Access(clock),
                              discord=_discord(settings), slack=_slack(settings),
                              pictures=pictures)
        if Platform.CONSOLE in self._platforms:
            self.ctx.print_console_link = self.print_console_link
        self._runner: web.AppRunner | None = None
        self.port: int | None = None

    def attach(self, scheduling: Scheduling, notifiers: Mapping[Platform, Notifier]) -> None:
        """Use the runner's facade (its changes logged as the dashboard's) and platforms."""
        self.ctx.commands = scheduling.commands.with_audit(self.ctx.audit)
        self.ctx.directories.update(directories_for(notifiers, self.ctx.clock, self._settings))
        if scheduling.commands.stats is not None:
            self.use_stats(scheduling.commands.stats)

    def use_stats(self, stats: TeamStats) -> None:
        """Give the team stats page its data (the stats feature's ``/teamstats``)."""
        self.ctx.stats = stats

    async def start(self) -> bool:
        """Listen on DESKBREAK_WEB_HOST:DESKBREAK_WEB_PORT; False (one line said) if it can't."""
        settings = self._settings.web
        runner = web.AppRunner(await self.application(), **RUNNER_OPTIONS)
        await runner.setup()
        try:
            await web.TCPSite(runner, settings.host, settings.port).start()
        except OSError as exc:
            await runner.cleanup()
            print(f"Dashboard not started: cannot listen on {settings.host}:"
                  f"{settings.port} ({why_not(settings.host, settings.port, exc)}). Set"
                  " DESKBREAK_WEB_PORT to a free port, or 0 to turn the dashboard off.",
                  file=self._out, flush=True)
            return False
        self._runner = runner
        self.port = int(runner.addresses[0][1])
        self.ctx.base_url = settings.public_url or _local_url(settings.host, self.port)
        if Platform.CONSOLE in self._platforms:
            self.print_console_link()
        else:
            log.info("dashboard on %s", redact_url(self.ctx.base_url))
        return True

    async def application(self) -> web.Application:
        """The aiohttp application (what ``start`` serves; tests drive it directly), with the
        HTTP session its sign-in flows call Discord and Slack through."""
        if self.ctx.http is None:
            self.ctx.http = aiohttp.ClientSession()
        return build_web_app(self.ctx, await self._session_key())

    def print_console_link(self) -> str:
        """One line a newcomer can click: signs the console person in, once, within 10 min."""
        assert self.ctx.console_links is not None
        link = f"{self.ctx.base_url}/login/{self.ctx.console_links.issue()}"
        print(f"Dashboard: {link}", file=self._out, flush=True)
        return link

    async def stop(self) -> None:
        runner, self._runner = self._runner, None
        if runner is not None:
            await runner.cleanup()
        if self.ctx.http is not None:
            await self.ctx.http.close()
            self.ctx.http = None
        self.ctx.cpu.shutdown(wait=False, cancel_futures=True)

    async def _session_key(self) -> bytes:
        """32 bytes for the cookie: from DESKBREAK_WEB_SECRET(_FILE), else kept in the database."""
        secret = self._settings.web.secret
        if secret is not None:
            return hashlib.sha256(secret.get_secret_value().encode()).digest()
        stored = await stored_secret(
            self.ctx.store, KV_NAMESPACE, KV_SESSION_KEY,
            lambda: base64.urlsafe_b64encode(secrets.token_bytes(32)).decode())
        return base64.urlsafe_b64decode(stored)


def _local_url(host: str, port: int) -> str:
    if host in ("0.0.0.0", "::", ""):  # noqa: S104 - naming the wildcard, not binding it
        host = "127.0.0.1"
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def _discord(settings: Settings) -> DiscordOAuth | None:
    web = settings.web
    if not (web.discord_client_id and web.discord_client_secret):
        return None
    return DiscordOAuth(web.discord_client_id, web.discord_client_secret,
                        settings.discord.api_base or DISCORD_API)


def _slack(settings: Settings) -> SlackOIDC | None:
    web = settings.web
    if not (web.slack_client_id and web.slack_client_secret):
        return None
    return SlackOIDC(web.slack_client_id, web.slack_client_secret,
                     settings.slack.api_base or SLACK_API)


@contextlib.asynccontextmanager
async def serve_dashboard(app: App, platforms: Iterable[Platform]) -> AsyncIterator[
        Dashboard | None]:
    """The dashboard for the length of a `deskbreak run` (nothing when DESKBREAK_WEB_PORT=0)."""
    if not app.settings.web.port:
        yield None
        return
    dashboard = Dashboard(app.settings, app.store, app.clock, platforms=platforms,
                          pictures=app.pictures)
    app.on_scheduling.append(dashboard.attach)
    try:
        yield dashboard if await dashboard.start() else None
    finally:
        app.on_scheduling.remove(dashboard.attach)
        await dashboard.stop()
