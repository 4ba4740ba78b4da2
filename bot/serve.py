"""``deskbreak run``: serve one or several platforms from the built App, with ONE scheduler.

``serve`` prepares the process (database migrated, the config file's workspaces applied,
/healthz and /metrics when asked for, the admin dashboard unless DESKBREAK_WEB_PORT=0,
SIGTERM/SIGINT handled); ``run_platforms`` runs any set
of platforms through the same steps (bot/platforms.py), so no platform starts another and
there is one way to attach scheduling.
"""

from __future__ import annotations

import asyncio
import logging

from bot import heap
from bot.app import App, build_scheduling
from bot.core.ports import Platform
from bot.observability import ObservabilityServer
from bot.platforms import PlatformAdapter, PlatformRefused, builder
from bot.scheduling.config_apply import applies_here, apply_workspaces
from bot.shutdown import run_until_signalled
from bot.web import serve_dashboard

log = logging.getLogger(__name__)


async def serve(app: App, *platforms: Platform) -> int:
    """Run ``platforms`` in this process until they stop or a stop signal arrives; the exit
    status. Raises ``PlatformUnavailable`` for a platform this build cannot run."""
    for platform in platforms:
        builder(platform)  # an unknown platform is refused before anything starts
    try:
        # SIGTERM/SIGINT cancel the run so its clean-up runs, then exit 0 (bot/shutdown.py);
        # from the very start: a stop while waiting for the migration lock, or migrating,
        # rolls the migration back and exits 0 too.
        return await run_until_signalled(_prepare_and_run(app, platforms))
    finally:
        if app.pictures is not None:  # the picture worker, if one was started
            await asyncio.to_thread(app.pictures.close)
        await app.store.close()


async def _prepare_and_run(app: App, platforms: tuple[Platform, ...]) -> int:
    await app.store.migrate()  # before any platform touches the database
    # The config file's workspaces, before the scheduler runs.
    if app.workspaces is not None and applies_here(app.settings.shards):
        await apply_workspaces(app.store, app.workspaces, app.clock.now())
    observability: ObservabilityServer | None = None
    settings = app.settings.observability
    try:
        if settings.metrics_port is not None:  # /healthz and /metrics only when asked for
            observability = ObservabilityServer(
                app.metrics, app.health, settings.metrics_host, settings.metrics_port
            )
            await observability.start()
        # The admin dashboard (bot/web) attaches to the scheduling run_platforms builds.
        async with serve_dashboard(app, platforms):
            return await run_platforms(app, *platforms)
    finally:
        if observability is not None:
            await observability.stop()


async def run_platforms(app: App, *platforms: Platform) -> int:
    """Build, start and run ``platforms`` with one scheduler until one of them ends (its
    status) or this is cancelled; a platform that refuses to start gives its status."""
    try:
        adapters: list[PlatformAdapter] = [builder(p)(app) for p in dict.fromkeys(platforms)]
    except PlatformRefused as exc:
        return exc.status
    # A platform adapter with a ``presence`` source (Slack; Discord when switched on) lets
    # the scheduler hold personal nudges while its people are busy (bot/scheduling/meetings.py).
    presence = {a.platform: p for a in adapters if (p := getattr(a, "presence", None))}
    scheduling = build_scheduling(app, {a.platform: a.notifier for a in adapters},
                                  presence=presence)
    for adapter in adapters:
        adapter.attach(scheduling.commands.with_names(adapter.names))
    started: list[PlatformAdapter] = []
    waits: list[asyncio.Future[int]] = []
    try:
        for adapter in adapters:
            # Counted before it has finished starting: a stop that arrives while it connects
            # (a sharded client still waiting for its guilds) must still close it.
            started.append(adapter)
            await adapter.start()
            check = adapter.health()
            if check is not None and str(adapter.platform) not in app.health.names():
                app.health.add(str(adapter.platform), check)
        # Inside the try: a stop during start-up's resends still stops the scheduler, which
        # lets those resends finish.
        await scheduling.service.start()
        heap.settle()  # everything above lives as long as the process
        waits = [asyncio.ensure_future(a.wait()) for a in started]
        waits.append(asyncio.ensure_future(scheduling.service.wait_lost()))
        done, _ = await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
        return next(iter(done)).result()
    except PlatformRefused as exc:
        return exc.status
    finally:
        for waiting in waits:
            waiting.cancel()
        await asyncio.gather(*waits, return_exceptions=True)
        # The scheduler first: its in-flight sends finish while the platforms are connected.
        await scheduling.service.stop()
        for adapter in reversed(started):
            await adapter.stop()
