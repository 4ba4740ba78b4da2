"""Build everything once, from settings, and run one platform.

The order is the dependency order: settings -> content -> store -> services -> scheduler ->
adapters. Each step is one line here so the whole wiring reads top to bottom; anything more
belongs in the part being built.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field

from bot.core.clock import Clock, SystemClock
from bot.core.commands import ContentCommands
from bot.core.content.loader import load_library
from bot.core.ports import Notifier, Platform
from bot.observability import HealthChecks, Metrics, ObservabilityServer
from bot.observability.store_probe import store_counts, store_health
from bot.scheduling.commands import CommandNames, SchedulingCommands, notifier_channel_checker
from bot.scheduling.config_apply import applies_here, apply_workspaces
from bot.scheduling.config_file import DeploymentConfig, load_workspaces_config
from bot.scheduling.service import SchedulerService
from bot.settings import Settings
from bot.shutdown import run_until_signalled
from bot.storage import Store, create_store
from bot.storage.audit import AuditLog
from bot.storage.rotation import SqlRotationStore
from bot.web import serve_dashboard


@dataclass
class App:
    settings: Settings
    clock: Clock
    content: ContentCommands
    store: Store
    metrics: Metrics
    health: HealthChecks
    # The config file's workspaces and schedules, applied to the store when serving starts.
    workspaces: DeploymentConfig | None = None
    # Told about each Scheduling a runner builds, with its notifiers (the web dashboard).
    on_scheduling: list[Callable[[Scheduling, Mapping[Platform, Notifier]], None]] = field(
        default_factory=list)


@dataclass
class Scheduling:
    """The scheduler and the /schedule, /config, /remind facade, built for given notifiers."""

    service: SchedulerService
    commands: SchedulingCommands

    def commands_for(self, names: CommandNames) -> SchedulingCommands:
        """The facade for a second adapter in this process: same scheduler, its own names."""
        return self.commands.with_names(names)


def build_scheduling(
    app: App, notifiers: Mapping[Platform, Notifier], names: CommandNames | None = None
) -> Scheduling:
    """Build ONE scheduler for every platform this process serves, once their clients exist.

    ``names`` are the command names of the adapter that gets ``commands``; another adapter
    asks ``commands_for`` with its own.
    """
    service = SchedulerService(
        app.store, notifiers, app.content, app.clock, app.settings, metrics=app.metrics
    )
    app.health.add("scheduler", lambda: None if service.jobs else "scheduler is not running")
    commands = SchedulingCommands(
        app.store,
        app.content,
        app.clock,
        app.settings,
        notifier_channel_checker(notifiers),
        service=service,
        names=names,
        audit=AuditLog(app.store),  # admin changes from chat commands reach the audit log
    )
    scheduling = Scheduling(service=service, commands=commands)
    for hook in app.on_scheduling:
        hook(scheduling, notifiers)
    return scheduling


def build_app(settings: Settings, *, clock: Clock | None = None) -> App:
    """Load and check content (and the config file's workspaces) and build the services;
    raises ContentError on bad content and ConfigError on a bad config file."""
    clock = clock or SystemClock()
    library = load_library(settings.content_dirs())
    workspaces = load_workspaces_config(settings.config_path) if settings.config_path else None
    store = create_store(settings.database_url, clock=clock)  # connects lazily; see serve()
    metrics = Metrics(clock)
    metrics.watch_store(store_counts(store))
    health = HealthChecks()
    health.add("store", store_health(store))
    content = ContentCommands(library, SqlRotationStore(store), clock)
    return App(
        settings=settings,
        clock=clock,
        content=content,
        store=store,
        metrics=metrics,
        health=health,
        workspaces=workspaces,
    )


class PlatformUnavailable(RuntimeError):
    """``deskbreak run --platform X`` for a platform this build cannot run."""


async def serve_console(app: App) -> int:
    from bot.adapters.console import ConsoleAdapter
    from bot.adapters.console.adapter import CONSOLE_WORKSPACE
    from bot.adapters.console.localzone import adopt_local_zone
    from bot.adapters.console.scheduling import register as register_scheduling
    from bot.adapters.console.terminal import history_path

    console = ConsoleAdapter(app.content, history=history_path(app.settings.database_url))
    scheduling = build_scheduling(app, {Platform.CONSOLE: console.notifier})
    register_scheduling(console.table, scheduling.commands)
    # The person at this computer: their 09:00, not UTC's (before the scheduler times anything).
    zone = await adopt_local_zone(app.store, app.clock, CONSOLE_WORKSPACE)
    console.notes.append(zone.describe())
    await scheduling.service.start()
    try:
        return await console.run()
    finally:
        await scheduling.service.stop()


async def serve_discord(app: App) -> int:
    from bot.adapters.discord.runner import serve_discord as run_discord

    return await run_discord(app)


async def serve_slack(app: App) -> int:
    from bot.adapters.slack.runner import serve_slack as run_slack

    return await run_slack(app)


async def serve_discord_and_slack(app: App) -> int:
    """Both chat platforms on one event loop: Slack starts first, then Discord runs with it."""
    from bot.adapters.discord.runner import serve_discord as run_discord
    from bot.adapters.slack.runner import EXIT_BAD_CONFIG, slack_alongside

    async with slack_alongside(app) as slack:
        if slack is None:  # configured but refused: say so at start-up, not half-running
            return EXIT_BAD_CONFIG
        return await run_discord(app, slack=slack)


Runner = Callable[[App], Awaitable[int]]

# One runner per platform; each returns the process exit status.
RUNNERS: dict[Platform, Runner] = {
    Platform.CONSOLE: serve_console,
    Platform.DISCORD: serve_discord,
    Platform.SLACK: serve_slack,
}
# Platforms that can share one process, and the runner that starts them together.
COMBINED: dict[frozenset[Platform], Runner] = {
    frozenset({Platform.DISCORD, Platform.SLACK}): serve_discord_and_slack,
}


async def serve(app: App, platform: Platform, *also: Platform) -> int:
    """Run ``platform`` (and ``also``, in the same process) until it stops."""
    wanted = frozenset((platform, *also))
    runner = RUNNERS.get(platform) if len(wanted) == 1 else COMBINED.get(wanted)
    if runner is None and len(wanted) == 1:
        raise PlatformUnavailable(f"the {platform} adapter is not wired into `deskbreak run` yet")
    if runner is None:
        names = " and ".join(sorted(wanted))
        raise PlatformUnavailable(f"{names} cannot run together in one `deskbreak run`")
    await app.store.migrate()  # before any runner touches the database
    if app.workspaces is not None and applies_here(app.settings):  # before the scheduler runs
        await apply_workspaces(app.store, app.workspaces, app.clock.now())
    observability: ObservabilityServer | None = None
    try:
        if app.settings.metrics_port is not None:  # /healthz and /metrics only when asked for
            observability = ObservabilityServer(
                app.metrics, app.health, app.settings.metrics_host, app.settings.metrics_port
            )
            await observability.start()
        # The admin web dashboard (bot/web), unless DESKBREAK_WEB_PORT=0.
        async with serve_dashboard(app, wanted):
            # SIGTERM/SIGINT cancel the runner so its clean-up runs, then exit 0 (bot/shutdown.py).
            return await run_until_signalled(runner(app))
    finally:
        if observability is not None:
            await observability.stop()
        await app.store.close()
