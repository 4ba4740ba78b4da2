"""Build everything once, from settings: the App every platform is served from.

The order is the dependency order: settings -> content -> store -> services -> scheduler ->
adapters (``bot/serve.py``). Each step is one line here so the whole wiring reads top to
bottom; anything more belongs in the part being built. Nothing here imports an adapter.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

from bot.commands.help import command_names
from bot.commands.table import TABLE
from bot.core.clock import Clock, SystemClock
from bot.core.commands import ContentCommands
from bot.core.content.loader import load_library
from bot.core.cooldown import Cooldown
from bot.core.events import BreakEvent, EventLog, NoEventLog
from bot.core.groupbreak import GroupChannel, GroupGuide, OneStretch, RoutineCatalog
from bot.core.groupguide import GuidedGroup, LibraryRoutines
from bot.core.guided.commands import GuidedCommands
from bot.core.guided.session import GuidedRuns
from bot.core.guided.timer import SystemTimer
from bot.core.ports import Notifier, Platform
from bot.meetings.feeds import CalendarFeeds
from bot.meetings.fetch import FeedFetcher
from bot.meetings.presence import CachedPresence, PresenceSource
from bot.meetings.secrets import MIN_SECRET_LENGTH, UrlCipher
from bot.observability import HealthChecks, Metrics
from bot.observability.store_probe import store_counts, store_health
from bot.pictures.cache import StretchPictures, process_executor
from bot.scheduling.commands import (
    CommandNames,
    GroupBreakDeps,
    SchedulingCommands,
    notifier_channel_checker,
)
from bot.scheduling.config_file import DeploymentConfig, load_workspaces_config
from bot.scheduling.groupbreaks import GroupBreakStarter
from bot.scheduling.meetings import MeetingGate, Meetings
from bot.scheduling.retention import StatsRetention
from bot.scheduling.service import SchedulerService
from bot.scheduling.stats import StatsCommands
from bot.settings import Settings
from bot.storage import Store, create_store
from bot.storage.audit import AuditLog
from bot.storage.groupbreaks import GroupBreakStore
from bot.storage.holds import Holds
from bot.storage.meetings import CalendarStore
from bot.storage.paths import data_folder
from bot.storage.rotation import SqlRotationStore
from bot.storage.stats import StatsEvents


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
    # Guided stretches and routines: every adapter's Start / /routine / Stop (one registry of
    # runs per process, so one person has one run whichever platform started it).
    guided: GuidedCommands | None = None
    # Each platform's way to post group breaks (bot/core/groupbreak.py), put here by its
    # runner's build(app); the routines /groupbreak offers, and who guides them.
    group_channels: dict[Platform, GroupChannel] = field(default_factory=dict)
    routines: RoutineCatalog = field(default_factory=OneStretch)
    group_guide: GroupGuide | None = None
    # Told about each Scheduling build_scheduling makes, with its notifiers (the dashboard).
    on_scheduling: list[Callable[[Scheduling, Mapping[Platform, Notifier]], None]] = field(
        default_factory=list)


@dataclass
class Scheduling:
    """The scheduler and the /schedule, /config, /remind facade, built for given notifiers."""

    service: SchedulerService
    commands: SchedulingCommands
    groups: GroupBreakStarter | None = None

    def commands_for(self, names: CommandNames) -> SchedulingCommands:
        """The facade for a second adapter in this process: same scheduler, its own names."""
        return self.commands.with_names(names)


def build_meetings(app: App, presence: Mapping[Platform, PresenceSource]) -> Meetings:
    """Calendar links, the guarded fetcher, and the gate every personal nudge passes
    (bot/scheduling/meetings.py); ``presence`` holds each platform adapter's source."""
    return meetings_for(app.store, app.clock, app.settings, presence)


def meetings_for(store: Store, clock: Clock, settings: Settings,
                 presence: Mapping[Platform, PresenceSource] | None = None, *,
                 fetcher: FeedFetcher | None = None) -> Meetings:
    """:func:`build_meetings` from its parts (tests wire a facade without an App, and may
    hand in a fetcher with their own name resolver)."""
    secret = settings.web.secret
    raw = secret.get_secret_value() if secret is not None else ""
    # Sealed with the operator's web secret; without one (or a too short one), with a key
    # generated once and kept in the database (bot/storage/meetings.py).
    cipher = UrlCipher(raw) if len(raw.encode()) >= MIN_SECRET_LENGTH else None
    calendars = CalendarStore(store, cipher)
    fetcher = fetcher or FeedFetcher(allow_loopback=settings.meetings.calendar_allow_loopback)
    holds = Holds(store)
    gate = MeetingGate(
        store, holds, clock, settings.scheduler.grace,
        presence={p: CachedPresence(source, clock) for p, source in (presence or {}).items()},
        calendars=calendars,
        feeds=CalendarFeeds(fetcher, clock, health=calendars),
        remind_commands={p: command_names(TABLE, p).remind for p in Platform},
        fetcher=fetcher,
    )
    return Meetings(calendars, fetcher, gate, holds)


def build_scheduling(
    app: App, notifiers: Mapping[Platform, Notifier], names: CommandNames | None = None,
    *, presence: Mapping[Platform, PresenceSource] | None = None,
) -> Scheduling:
    """Build ONE scheduler for every platform this process serves, once their clients exist.

    ``names`` are the command names of the adapter that gets ``commands``; another adapter
    asks ``commands_for`` with its own. ``presence``: the platforms' presence sources (Slack
    DND and status, Discord presences when switched on) consulted before personal nudges.
    """
    settings = app.settings
    meetings = build_meetings(app, presence or {})
    service = SchedulerService(
        app.store,
        notifiers,
        app.content,
        app.clock,
        settings.scheduler,
        shards=settings.shards,
        metrics=app.metrics,
        gate=meetings.gate,
        events=app.events,
        retention=(StatsRetention(app.events, app.clock, settings.stats.retention_days)
                   if isinstance(app.events, StatsEvents) else None),
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
        meetings=meetings,
        events=app.events,
        routines=[r.id for r in app.content.library.routines],  # kind routine:<id>
    )
    if isinstance(app.events, StatsEvents):  # stats read what the store-backed log keeps
        commands.stats = StatsCommands(app.store, app.events, app.clock, names=names)
        service.stop_work.append(app.events.rollup.stop)  # a rollup build in progress
    groups = build_group_breaks(app, service, notifiers)
    if groups is not None:
        commands = commands.with_groups(GroupBreakDeps(
            groups.groups, groups.channels, app.routines, AppEvents(app)))
    scheduling = Scheduling(service=service, commands=commands, groups=groups)
    for hook in app.on_scheduling:
        hook(scheduling, notifiers)
    return scheduling


def build_group_breaks(app: App, service: SchedulerService,
                       notifiers: Mapping[Platform, Notifier]) -> GroupBreakStarter | None:
    """Group breaks on the platforms this process serves, started by the scheduler's tick."""
    channels = {p: c for p, c in app.group_channels.items() if p in notifiers}
    if not channels:
        return None
    starter = GroupBreakStarter(
        GroupBreakStore(app.store), app.store, channels, owner=service.instance_id,
        lease=service.claim_lease, grace=service.grace, guide=app.group_guide)
    service.tick_work.append(starter.tick)
    service.stop_work.append(starter.stop)
    return starter


class AppEvents:
    """The EventLog that is ``app.events`` at the moment of recording: parts built here keep
    this, so a log set on the App later (the stats part) still receives their events."""

    def __init__(self, app: App) -> None:
        self._app = app

    async def record(self, event: BreakEvent) -> None:
        await self._app.events.record(event)

    async def record_many(self, events: Iterable[BreakEvent]) -> None:
        await self._app.events.record_many(events)


def build_app(settings: Settings, *, clock: Clock | None = None) -> App:
    """Load and check content (and the config file's workspaces) and build the services;
    raises ContentError on bad content and ConfigError on a bad config file."""
    clock = clock or SystemClock()
    library = load_library(settings.content.dirs())
    routines = [r.id for r in library.routines]  # a schedule's kind may be routine:<id>
    workspaces = (load_workspaces_config(settings.config_path, routines)
                  if settings.config_path else None)
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
    app = App(
        events=StatsEvents(store),  # Done, Snooze, /break and sent nudges, for stats
        cooldown=Cooldown(clock, limits.cooldown_burst, limits.cooldown_per_minute),
        settings=settings,
        clock=clock,
        content=content,
        store=store,
        metrics=metrics,
        health=health,
        workspaces=workspaces,
        pictures=pictures,
        routines=LibraryRoutines(library),
    )
    app.guided = GuidedCommands(library, GuidedRuns(SystemTimer(clock), AppEvents(app)))
    # Group breaks run their routine on the same registry of runs; nobody is counted at the
    # finish (each person presses Done for themselves).
    app.group_guide = GuidedGroup(app.guided.runs, library)
    return app
