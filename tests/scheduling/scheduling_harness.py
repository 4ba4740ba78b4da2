"""A test rig for the scheduler: a real Store (SQLite file), real content, a FakeClock, and a
recording Notifier — a test double at the platform port, the only edge these tests fake."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.core.clock import FakeClock
from bot.core.commands import ContentCommands
from bot.core.content.library import Library
from bot.core.content.loader import load_library
from bot.core.messages import Message
from bot.core.ports import Actor, Delivery, DeliveryResult, DeliveryStatus, Platform
from bot.core.rotation import MemoryRotationStore
from bot.scheduling.commands import SchedulingCommands, notifier_channel_checker
from bot.scheduling.service import SchedulerService
from bot.scheduling.stats import StatsCommands
from bot.settings import LimitSettings
from bot.storage import Store, create_store
from bot.storage.stats import StatsEvents

CONTENT_DIR = Path(__file__).resolve().parents[2] / "content"
PLATFORM = Platform.DISCORD
ADMIN = Actor(PLATFORM, "guild1", "admin1", is_admin=True, display_name="Ada")
MEMBER = Actor(PLATFORM, "guild1", "member1", is_admin=False, display_name="Bo")
SENT = DeliveryResult(DeliveryStatus.SENT)


@lru_cache(maxsize=1)
def library() -> Library:
    return load_library([CONTENT_DIR])


@dataclass
class Sent:
    at: datetime
    delivery: Delivery
    message: Message


@dataclass
class RecordingNotifier:
    """Records every delivery; ``script`` decides a target's answer (default: sent)."""

    clock: FakeClock
    platform: Platform = PLATFORM
    dedupes_resends: bool = True  # like Discord's nonces: sent marks may be batched
    sent: list[Sent] = field(default_factory=list)
    admin_notices: list[tuple[str, str | None, Message]] = field(default_factory=list)
    refused_channels: dict[str, str] = field(default_factory=dict)
    script: Callable[[Delivery], DeliveryResult] = lambda _d: SENT
    block: asyncio.Event | None = None  # when set, deliver waits here (a send "in flight")
    entered: asyncio.Event = field(default_factory=asyncio.Event)

    async def deliver(self, delivery: Delivery, message: Message) -> DeliveryResult:
        self.entered.set()
        if self.block is not None:
            await self.block.wait()
        self.sent.append(Sent(self.clock.now(), delivery, message))
        return self.script(delivery)

    async def notify_admin(
        self, workspace_id: str, channel_id: str | None, message: Message
    ) -> None:
        self.admin_notices.append((workspace_id, channel_id, message))

    async def check_channel(self, workspace_id: str, channel_id: str) -> str | None:
        return self.refused_channels.get(channel_id)

    def slots(self, source_prefix: str = "") -> list[str]:
        return [s.delivery.source for s in self.sent if s.delivery.source.startswith(source_prefix)]


@dataclass
class Rig:
    store: Store
    clock: FakeClock
    notifier: RecordingNotifier
    service: SchedulerService
    commands: SchedulingCommands

    async def walk(self, until: datetime, step: timedelta = timedelta(minutes=15)) -> None:
        """Tick at every step from now to ``until`` (inclusive), as the interval job would."""
        while self.clock.now() < until:
            self.clock.advance(min(step, until - self.clock.now()))
            await self.service.tick()

    async def sent_local(self, tz: str) -> list[str]:
        """Each sent delivery's ledger slot as local ``YYYY-MM-DD HH:MM``, in send order."""
        zone = ZoneInfo(tz)
        out = []
        for s in self.notifier.sent:
            row = await self.store.get_delivery(s.delivery.ledger_id)
            assert row is not None
            out.append(f"{row.slot.astimezone(zone):%Y-%m-%d %H:%M}")
        return out


async def make_rig(
    db: Path | str,
    clock: FakeClock,
    notifier: RecordingNotifier | None = None,
    *,
    max_schedules: int | None = None,
) -> Rig:
    """``db`` is a SQLite file path or a database URL (e.g. the PostgreSQL test database)."""
    url = db if isinstance(db, str) else f"sqlite+aiosqlite:///{db}"
    store = create_store(url, clock=clock)
    await store.migrate()
    notifier = notifier or RecordingNotifier(clock)
    content = ContentCommands(library(), MemoryRotationStore(), clock)
    events = StatsEvents(store)
    service = SchedulerService(store, {PLATFORM: notifier}, content, clock, instance_id="test",
                               events=events)
    limits = LimitSettings(max_schedules=max_schedules) if max_schedules else LimitSettings()
    commands = SchedulingCommands(
        store,
        clock,
        limits,
        notifier_channel_checker({PLATFORM: notifier}),
        service=service,
        events=events,
    )
    commands.stats = StatsCommands(store, events, clock)
    return Rig(store, clock, notifier, service, commands)
