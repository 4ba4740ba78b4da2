"""The small HTTP server behind ``/healthz`` and ``/metrics``.

It shares the bot's event loop (aiohttp, no thread): if the loop is wedged, the probe gets no
answer and the orchestrator restarts us, which is the right outcome. It only runs when
DESKBREAK_METRICS_PORT is set; it binds DESKBREAK_METRICS_HOST, 127.0.0.1 unless told otherwise,
because metrics and health are for the operator's scraper, not for the internet.

- ``GET /healthz``: 200 with ``{"status": "ok", "checks": {...}}`` when every registered check
  passes, 503 with the same shape (``"status": "unhealthy"``) and each failing check's reason.
- ``GET /metrics``: the registry in Prometheus text format (or OpenMetrics when the scraper
  asks for it), after refreshing the stored-object gauges.
"""

from __future__ import annotations

import asyncio
import logging
from types import TracebackType

from aiohttp import web
from prometheus_client.exposition import choose_encoder

from bot.observability.health import HealthChecks
from bot.observability.listening import cannot_listen
from bot.observability.metrics import Metrics

log = logging.getLogger(__name__)


class ObservabilityServer:
    def __init__(
        self,
        metrics: Metrics,
        health: HealthChecks,
        host: str = "127.0.0.1",
        port: int = 0,
        refresh_timeout: float = 5.0,
    ) -> None:
        self._metrics = metrics
        self._health = health
        self._host = host
        self._port = port
        self._refresh_timeout = refresh_timeout
        self._runner: web.AppRunner | None = None
        self._bound_port: int | None = None

    @property
    def port(self) -> int:
        """The port actually bound (useful when 0 asked the OS for a free one)."""
        if self._bound_port is None:
            raise RuntimeError("the observability server is not running")
        return self._bound_port

    async def start(self) -> None:
        """Listen; :class:`CannotListen` (one line) when the host or port cannot be used."""
        if self._runner is not None:
            raise RuntimeError("the observability server is already running")
        app = web.Application()
        app.router.add_get("/healthz", self._healthz)
        app.router.add_get("/metrics", self._metrics_page)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        try:
            await web.TCPSite(runner, self._host, self._port).start()
        except OSError as exc:  # port taken, host unknown: one line, not a traceback
            await runner.cleanup()
            raise cannot_listen(
                "/healthz and /metrics", self._host, self._port, exc,
                "Set DESKBREAK_METRICS_PORT to a free port and DESKBREAK_METRICS_HOST to an"
                " address of this machine (0.0.0.0 for all), or unset DESKBREAK_METRICS_PORT.",
            ) from None
        except BaseException:
            await runner.cleanup()
            raise
        self._runner = runner
        self._bound_port = int(runner.addresses[0][1])
        log.info("health and metrics on http://%s:%d", self._host, self._bound_port)

    async def stop(self) -> None:
        runner, self._runner, self._bound_port = self._runner, None, None
        if runner is not None:
            await runner.cleanup()

    async def __aenter__(self) -> ObservabilityServer:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    async def _healthz(self, request: web.Request) -> web.Response:
        report = await self._health.run()
        return web.json_response(report.as_json(), status=200 if report.healthy else 503)

    async def _metrics_page(self, request: web.Request) -> web.Response:
        try:
            async with asyncio.timeout(self._refresh_timeout):
                await self._metrics.refresh()
        except TimeoutError:
            log.warning("counting stored objects took over %s s; serving old values",
                        self._refresh_timeout)
        encoder, content_type = choose_encoder(request.headers.get("Accept", ""))
        body = encoder(self._metrics.registry)
        return web.Response(body=body, headers={"Content-Type": content_type})
