"""The Slack adapter: one Bolt ``AsyncApp`` on the process's event loop, in HTTP or Socket Mode.

Everything is built once here from a :class:`SlackConfig` and the shared services; the runner
(``runner.py``) attaches scheduling (built around :attr:`SlackAdapter.notifier`) and calls
``start()`` and ``stop()``. Socket Mode is chosen when an app-level token is given, because
it needs no public URL; otherwise HTTP mode serves signed requests on
SLACK_HTTP_HOST:SLACK_HTTP_PORT.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field

from aiohttp import web
from pydantic import SecretStr
from slack_bolt.adapter.socket_mode.aiohttp import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncApp

from bot.adapters.slack import commands
from bot.adapters.slack import cooldown as cooldown_middleware
from bot.adapters.slack.admins import AdminResolver
from bot.adapters.slack.client import (
    DEFAULT_BASE_URL,
    Sleep,
    build_web_client,
    close_session,
    open_session,
)
from bot.adapters.slack.guided import SlackGuided, UpdatePacer
from bot.adapters.slack.notifier import SlackNotifier
from bot.adapters.slack.pacer import ChannelPacer
from bot.adapters.slack.server import ReplayGuard, build_web_app
from bot.adapters.slack.services import Services
from bot.commands.call import Facades
from bot.commands.help import command_names
from bot.commands.table import TABLE
from bot.core.clock import Clock, SystemClock
from bot.core.commands import ContentCommands
from bot.core.cooldown import Cooldown
from bot.core.guided.commands import GuidedCommands
from bot.core.ports import KeyValue, Platform
from bot.observability.listening import cannot_listen
from bot.scheduling.commands import CommandNames, SchedulingCommands
from bot.settings import SlackSettings

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SlackConfig:
    bot_token: SecretStr
    signing_secret: SecretStr | None = None
    app_token: SecretStr | None = None
    http_host: str = "127.0.0.1"
    http_port: int = 3000
    admin_ids: tuple[str, ...] = field(default_factory=tuple)
    base_url: str = DEFAULT_BASE_URL
    # Where Slack fetches stretch pictures for image blocks (the dashboard's web server,
    # DESKBREAK_PUBLIC_URL); None: pictures are uploaded into DMs and left out of channels.
    public_url: str | None = None

    @classmethod
    def from_settings(
        cls, settings: SlackSettings, *, base_url: str = DEFAULT_BASE_URL,
        public_url: str | None = None,
    ) -> SlackConfig:
        """Build from ``settings.slack`` (SLACK_* variables); needs SLACK_BOT_TOKEN."""
        if settings.bot_token is None:
            raise ValueError("SLACK_BOT_TOKEN is not set")
        return cls(
            bot_token=settings.bot_token,
            signing_secret=settings.signing_secret,
            app_token=settings.app_token,
            http_host=settings.http_host,
            http_port=settings.http_port,
            admin_ids=tuple(settings.admin_ids),
            base_url=settings.api_base or base_url,
            public_url=public_url,
        )

    @property
    def socket_mode(self) -> bool:
        return self.app_token is not None and bool(self.app_token.get_secret_value())

    def __post_init__(self) -> None:
        if not self.socket_mode and not (
            self.signing_secret and self.signing_secret.get_secret_value()
        ):
            raise ValueError(
                "Slack needs SLACK_APP_TOKEN (Socket Mode) or SLACK_SIGNING_SECRET (HTTP mode) "
                "next to SLACK_BOT_TOKEN"
            )


class SlackAdapter:
    # What scheduling replies call the commands on Slack (/reminders, not /remind).
    command_names: CommandNames = command_names(TABLE, Platform.SLACK)

    def __init__(
        self,
        config: SlackConfig,
        content: ContentCommands,
        scheduling: SchedulingCommands | None = None,
        *,
        kv: KeyValue | None = None,
        clock: Clock | None = None,
        sleep: Sleep = asyncio.sleep,
        cooldown: Cooldown | None = None,
        guided: GuidedCommands | None = None,
        request_clock: Clock | None = None,
    ) -> None:
        self._config = config
        self._clock = clock or SystemClock()
        self.client = build_web_client(
            config.bot_token.get_secret_value(), base_url=config.base_url, sleep=sleep
        )
        self.admins = AdminResolver(self.client, self._clock, config.admin_ids)
        self.notifier = SlackNotifier(self.client, ChannelPacer(self._clock, sleep), kv=kv,
                                      public_url=config.public_url)
        signing_secret = config.signing_secret.get_secret_value() if config.signing_secret else ""
        self.bolt = AsyncApp(
            client=self.client,
            signing_secret=signing_secret,
            name="deskbreak",
            # Socket Mode envelopes are authenticated by the websocket; HTTP requests are
            # verified on their raw bytes by server.py before Bolt sees them.
            request_verification_enabled=False,
        )
        self.services = Services(
            Facades(content, scheduling, guided), self.admins, cooldown,
            files=self.notifier.files,
            live=SlackGuided(self.client, self.notifier.dm_channel,
                             UpdatePacer(self._clock, sleep)))
        cooldown_middleware.register(self.bolt, self.services)  # first: refused, nothing runs
        # The slash commands registered, which tests compare with deploy/slack-manifest.yaml.
        self.commands = commands.register(self.bolt, self.services)
        # Slack's request timestamps are real time, whatever clock the scheduler runs on.
        self._guard = ReplayGuard(request_clock or SystemClock())
        self._runner: web.AppRunner | None = None
        self._socket: AsyncSocketModeHandler | None = None
        self.http_port: int | None = None

    def use_scheduling(self, scheduling: SchedulingCommands) -> None:
        """Attach the scheduling facade, typically built around :attr:`notifier`."""
        self.services.facades.scheduling = scheduling

    async def start(self) -> None:
        open_session(self.client)  # Bolt's per-request clients share it
        if self._config.socket_mode:
            assert self._config.app_token is not None
            self._socket = AsyncSocketModeHandler(
                self.bolt, self._config.app_token.get_secret_value(), web_client=self.client
            )
            await self._socket.connect_async()
            log.info("Slack adapter connected in Socket Mode")
            return
        signing_secret = self._config.signing_secret
        assert signing_secret is not None
        web_app = build_web_app(self.bolt, signing_secret.get_secret_value(), self._guard)
        self._runner = web.AppRunner(web_app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self._config.http_host, self._config.http_port)
        try:
            await site.start()
        except OSError as exc:  # port taken, host unknown: one line (the runner logs it)
            await self._runner.cleanup()
            self._runner = None
            raise cannot_listen(
                "Slack's HTTP requests", self._config.http_host, self._config.http_port, exc,
                "Set SLACK_HTTP_PORT to a free port and SLACK_HTTP_HOST to an address of"
                " this machine, or use Socket Mode (SLACK_APP_TOKEN).") from None
        # With port 0 the OS picks a free port; report the one actually bound.
        self.http_port = int(self._runner.addresses[0][1])
        log.info("Slack adapter serving HTTP on %s:%s", self._config.http_host, self.http_port)

    async def health(self) -> str | None:
        """For /healthz: None while Slack can reach us (socket open or HTTP server up)."""
        if self._socket is not None:
            if await self._socket.client.is_connected():
                return None
            return "the Slack Socket Mode connection is down"
        if self._runner is not None:
            return None
        return "the Slack adapter is not running"

    async def stop(self) -> None:
        if self._socket is not None:
            await self._socket.close_async()
            self._socket = None
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        await close_session(self.client)
