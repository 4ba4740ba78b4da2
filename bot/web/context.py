"""Everything the dashboard's handlers share, built once by :class:`bot.web.dashboard.Dashboard`.

Handlers read it from ``request.app[CONTEXT]``; nothing here is module-level state, so tests can
run several dashboards (say, before and after a "restart") in one process.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, Protocol, TypeVar

import aiohttp
from aiohttp import web

from bot.core.clock import Clock
from bot.core.messages import Message
from bot.core.ports import Actor, Platform
from bot.scheduling.commands import SchedulingCommands
from bot.settings import Settings
from bot.storage.audit import AuditLog
from bot.storage.store import Store
from bot.web.directory import Access, Directory
from bot.web.oauth import DiscordOAuth, SlackOIDC
from bot.web.security import OneTimeTokens, SignInLimit

T = TypeVar("T")
CONSOLE_LINK_TTL = timedelta(minutes=10)
OAUTH_STATE_TTL = timedelta(minutes=10)


class TeamStats(Protocol):
    """What the team stats page needs from the stats feature (issue 13's ``/teamstats``): the
    same admin-checked answer the chat command gives, a Message with its chart attached."""

    async def teamstats(self, actor: Actor, period: str | None = None) -> Message: ...


class PictureFiles(Protocol):
    """Stretch pictures by content hash (``bot.pictures.cache.StretchPictures``)."""

    def by_key(self, key: str) -> bytes | None: ...


@dataclass
class WebContext:
    settings: Settings
    clock: Clock
    store: Store
    audit: AuditLog
    access: Access
    # Where people reach the dashboard (DESKBREAK_PUBLIC_URL, else the bound address).
    base_url: str = "http://127.0.0.1:8080"
    commands: SchedulingCommands | None = None
    directories: dict[Platform, Directory] = field(default_factory=dict)
    discord: DiscordOAuth | None = None
    slack: SlackOIDC | None = None
    stats: TeamStats | None = None
    # Served at /pictures/<key>.png without sign-in (Slack image blocks); None: 404.
    pictures: PictureFiles | None = None
    http: aiohttp.ClientSession | None = None
    console_links: OneTimeTokens | None = None
    oauth_states: OneTimeTokens | None = None
    signin_limit: SignInLimit | None = None
    # Prints a fresh one-time link in the terminal (console mode only).
    print_console_link: Callable[[], str] | None = None
    # ONE worker thread renders pages and works out next times: CPU work kept off the event
    # loop, and one thread only, so page loads never outnumber the loop for the GIL.
    cpu: ThreadPoolExecutor = field(default_factory=lambda: ThreadPoolExecutor(
        1, thread_name_prefix="dashboard-render"))

    async def off_loop(self, fn: Callable[..., T], *args: Any) -> T:
        return await asyncio.get_running_loop().run_in_executor(self.cpu, fn, *args)

    def __post_init__(self) -> None:
        self.console_links = self.console_links or OneTimeTokens(self.clock, CONSOLE_LINK_TTL)
        self.oauth_states = self.oauth_states or OneTimeTokens(self.clock, OAUTH_STATE_TTL)
        self.signin_limit = self.signin_limit or SignInLimit(self.clock)

    @property
    def secure_cookies(self) -> bool:
        """Secure cookies when people reach us over https (DESKBREAK_PUBLIC_URL says so)."""
        return (self.settings.web.public_url or "").startswith("https://")


CONTEXT: web.AppKey[WebContext] = web.AppKey("deskbreak_web", WebContext)


def context_of(request: web.Request) -> WebContext:
    return request.app[CONTEXT]
