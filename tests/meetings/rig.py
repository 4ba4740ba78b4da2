"""A scheduler wired as bot/serve.py wires it, with meetings on: a real Store, the meeting gate
(real presence sources and the real feed fetcher, pointed at the fakes on 127.0.0.1), the
events recorded, a FakeClock that drives every hold and release."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from bot.app import meetings_for
from bot.core.clock import FakeClock
from bot.core.commands import ContentCommands
from bot.core.events import BreakEvent, EventKind
from bot.core.ports import Actor, Notifier, Platform
from bot.core.rotation import MemoryRotationStore
from bot.meetings.fetch import FeedFetcher
from bot.meetings.presence import PresenceSource
from bot.scheduling.commands import SchedulingCommands, notifier_channel_checker
from bot.scheduling.meetings import Meetings
from bot.scheduling.service import SchedulerService
from bot.settings import MeetingSettings, Settings
from bot.storage import Store, create_store
from bot.storage.records import DeliveryRow
from tests.scheduling.scheduling_harness import library

SETTINGS = Settings(meetings=MeetingSettings(calendar_allow_loopback=True))


@dataclass
class RecordingEvents:
    """The EventLog port (bot/core/events.py): what stats would be told."""

    events: list[BreakEvent] = field(default_factory=list)

    async def record(self, event: BreakEvent) -> None:
        self.events.append(event)

    async def record_many(self, events: Iterable[BreakEvent]) -> None:
        self.events.extend(events)

    def of(self, kind: EventKind) -> list[BreakEvent]:
        return [e for e in self.events if e.kind is kind]


@dataclass
class MeetingRig:
    store: Store
    clock: FakeClock
    notifiers: dict[Platform, Notifier]
    meetings: Meetings
    service: SchedulerService
    commands: SchedulingCommands
    events: RecordingEvents
    presence: dict[Platform, PresenceSource] = field(default_factory=dict)

    async def walk(self, until: datetime, step: timedelta = timedelta(minutes=5)) -> None:
        """Tick at every step up to ``until``, as the interval job would."""
        while self.clock.now() < until:
            self.clock.advance(min(step, until - self.clock.now()))
            await self.service.tick()

    async def ledger(self, source_prefix: str = "reminder:") -> list[DeliveryRow]:
        return [r for r in await self.store.list_deliveries()
                if r.source.startswith(source_prefix)]

    def restarted(self, instance_id: str = "second-life") -> SchedulerService:
        """Another process (or the next life of this one) on the same database."""
        meetings = meetings_for(self.store, self.clock, SETTINGS,
                                presence=self.presence,
                                fetcher=self.meetings.fetcher)
        return SchedulerService(self.store, self.notifiers, content(self.clock), self.clock,
                                SETTINGS.scheduler, instance_id=instance_id,
                                gate=meetings.gate, events=self.events)

    async def close(self) -> None:
        await self.service.stop()
        await self.meetings.gate.close()
        await self.store.close()


def content(clock: FakeClock) -> ContentCommands:
    return ContentCommands(library(), MemoryRotationStore(), clock)


async def make_meeting_rig(
    db: Path | str,
    clock: FakeClock,
    notifiers: Mapping[Platform, Notifier],
    *,
    presence: Mapping[Platform, PresenceSource] | None = None,
    fetcher: FeedFetcher | None = None,
    instance_id: str = "test",
) -> MeetingRig:
    url = db if isinstance(db, str) else f"sqlite+aiosqlite:///{db}"
    store = create_store(url, clock=clock)
    await store.migrate()
    events = RecordingEvents()
    meetings = meetings_for(store, clock, SETTINGS, presence=presence, fetcher=fetcher)
    service = SchedulerService(store, notifiers, content(clock), clock, SETTINGS.scheduler,
                               instance_id=instance_id, gate=meetings.gate, events=events)
    commands = SchedulingCommands(store, clock, None, notifier_channel_checker(notifiers),
                                  service=service, meetings=meetings)
    return MeetingRig(store, clock, dict(notifiers), meetings, service, commands, events,
                      dict(presence or {}))


def person(platform: Platform, workspace: str, user: str) -> Actor:
    return Actor(platform, workspace, user, display_name=user)
