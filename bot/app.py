"""Build everything once, from settings: the App every platform is served from.

The order is the dependency order: settings -> content -> store -> services -> scheduler ->
adapters (``bot/serve.py``). Each step is one line here so the whole wiring reads top to
bottom; anything more belongs in the part being built. Nothing here imports an adapter.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from bot.core.clock import Clock, SystemClock
from bot.core.commands import ContentCommands
from bot.core.content.loader import load_library
from bot.core.cooldown import Cooldown
from bot.core.events import EventLog, NoEventLog
from bot.core.ports import Notifier, Platform
from bot.observability import HealthChecks, Metrics
from bot.observability.store_probe import store_counts, store_health
from bot.pictures.cache import StretchPictures, process_executor
from bot.scheduling.commands import CommandNames, SchedulingCommands, notifier_channel_checker
from bot.scheduling.config_file import DeploymentConfig, load_workspaces_config
from bot.scheduling.service import SchedulerService
from bot.settings import Settings
from bot.storage import Store, create_store
from bot.storage.audit import AuditLog
from bot.storage.paths import data_folder
from bot.storage.rotation import SqlRotationStore


@dataclass
class App:
    settings: Settings
    clock: Clock
    content: ContentCommands
    store: Store
    metrics: Metrics
    health: HealthChecks
    # The per-person command cooldown every adapter in this process spends from.
    cooldown: Cooldown
    # The config file's workspaces and schedules, applied to the store when serving starts.
    workspaces: DeploymentConfig | None = None
    # Stretch pictures, drawn once and cached in memory and in the data folder: cards carry
    # them, and the dashboard serves them at /pictures/<key>.png for Slack's image blocks.
    pictures: StretchPictures | None = None
    # Where every part records what happened to a break (bot/core/events.py): stats read it.
    events: EventLog = field(default_factory=NoEventLog)
    # Told about each Scheduling build_scheduling makes, with its notifiers (the dashboard).
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
    settings = app.settings
    service = SchedulerService(
        app.store,
        notifiers,
        app.content,
        app.clock,
        settings.scheduler,
        shards=settings.shards,
        metrics=app.metrics,
    )
    app.health.add("scheduler", lambda: None if service.jobs else "scheduler is not running")
    commands = SchedulingCommands(
        app.store,
        app.clock,
        settings.limits,
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
    library = load_library(settings.content.dirs())
    workspaces = load_workspaces_config(settings.config_path) if settings.config_path else None
    store = create_store(settings.database.url, clock=clock)  # connects lazily; see serve()
    metrics = Metrics(clock)
    metrics.watch_store(store_counts(store))
    health = HealthChecks()
    health.add("store", store_health(store))
    # Renders in one spawned worker process (started at the first picture not yet on disk):
    # off the loop and off its GIL (bench/README.md, "Pictures"). serve() shuts it down.
    pictures = StretchPictures(data_folder(settings.database.url) / "pictures",
                               executor=process_executor(), owns_executor=True)
    content = ContentCommands(library, SqlRotationStore(store), clock, pictures=pictures)
    limits = settings.limits
    return App(
        cooldown=Cooldown(clock, limits.cooldown_burst, limits.cooldown_per_minute),
        settings=settings,
        clock=clock,
        content=content,
        store=store,
        metrics=metrics,
        health=health,
        workspaces=workspaces,
        pictures=pictures,
    )
