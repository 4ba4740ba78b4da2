"""A fake Discord with one server full of recipients, a database with one slot due for each,
and the real bot started as a child process against both."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bot.adapters.discord.kv import NAMESPACE
from bot.storage import Spec, Store, create_store
from tests.fakes.discord import FakeDiscord
from tests.fakes.discord import payloads as p
from tests.reliability.botprocess import BotProcess, bot_env

CHANNELS = 170  # channel schedules
PEOPLE = 80  # personal reminders, delivered by DM
RECIPIENTS = CHANNELS + PEOPLE


@dataclass
class Fanout:
    """Everyone with one slot due now: ``channels`` by schedule, ``people`` by DM reminder."""

    guild: p.FakeGuild
    channels: list[p.FakeChannel]
    people: list[p.Invoker]
    slot: datetime

    def inbox(self, fake: FakeDiscord, target_id: str) -> list[dict[str, Any]]:
        """What the fake holds for one ledger target (a channel id, or a person's user id)."""
        if target_id in fake.channels and fake.channels[target_id].guild_id is not None:
            return fake.messages.get(target_id, [])
        dm = fake.dm_channel_of(target_id)
        return [] if dm is None else fake.messages.get(dm.channel_id, [])

    def inboxes(self, fake: FakeDiscord) -> dict[str, int]:
        """Messages held per recipient (channel id or user id)."""
        ids = [c.channel_id for c in self.channels] + [m.user_id for m in self.people]
        return {i: len(self.inbox(fake, i)) for i in ids}


def due_slot(now: datetime) -> datetime:
    """The start of the previous minute: due now, well inside the grace, next one tomorrow."""
    return now.replace(second=0, microsecond=0) - timedelta(minutes=1)


def reminder_zone(slot: datetime) -> str:
    """A fixed-offset zone where ``slot`` falls near noon, so a one-slot window never has to
    cross midnight whatever time the test runs."""
    offset = 12 - slot.hour  # -11..12
    return "Etc/GMT" + (f"{-offset:+d}" if offset else "")


@pytest.fixture
async def fake() -> AsyncIterator[FakeDiscord]:
    # Slow answers keep many sends in flight, so a kill always lands between "sent" and
    # "heard back" for some of them.
    server = FakeDiscord(message_delay=0.05)
    await server.start()
    yield server
    await server.close()


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    return f"sqlite+aiosqlite:///{tmp_path / 'deskbreak.sqlite3'}"


@pytest.fixture
async def store(db_url: str) -> AsyncIterator[Store]:
    """The test's own connection to the bot's database (seeding before, checking after)."""
    db = create_store(db_url)
    await db.migrate()
    yield db
    await db.close()


@pytest.fixture
async def fanout(fake: FakeDiscord, store: Store) -> Fanout:
    guild = fake.add_guild("Big Desk")
    channels = [fake.add_channel(guild, f"desk-{i}") for i in range(CHANNELS)]
    people = [fake.add_member(guild, f"person-{i}") for i in range(PEOPLE)]
    slot = due_slot(datetime.now(UTC))
    for channel in channels:
        await store.add_schedule(
            platform="discord", workspace_id=guild.guild_id, channel_id=channel.channel_id,
            kind="tip", spec=Spec(cron=f"{slot.minute} {slot.hour} * * *"), timezone="UTC",
            next_due=slot, created_by=guild.owner_id,
        )
    tz = reminder_zone(slot)
    local = slot.astimezone(ZoneInfo(tz))
    window = Spec(every_minutes=60, start=f"{local:%H:%M}",
                  end=f"{local + timedelta(minutes=1):%H:%M}", days="0,1,2,3,4,5,6")
    for i, person in enumerate(people):
        await store.upsert_reminder(platform="discord", workspace_id=guild.guild_id,
                                    user_id=person.user_id, spec=window, timezone=tz,
                                    next_due=slot)
        if i % 2:  # half already have a DM channel remembered; the rest need one created
            dm = fake.add_channel_dm(person)
            await store.kv_set(NAMESPACE, f"dm:{person.user_id}", dm.channel_id)
    return Fanout(guild, channels, people, slot)


StartBot = Callable[..., Awaitable[BotProcess]]


@pytest.fixture
async def start_bot(
    fake: FakeDiscord, db_url: str, tmp_path: Path
) -> AsyncIterator[StartBot]:
    """Start the real bot (as often as a test needs); every run is dead after the test."""
    runs: list[BotProcess] = []

    async def start(**env: str) -> BotProcess:
        bot = await BotProcess.start(tmp_path, bot_env(fake, db_url, **env),
                                     name=f"run{len(runs) + 1}")
        runs.append(bot)
        return bot

    yield start
    for bot in runs:
        await bot.ensure_dead()


def when(fake: FakeDiscord, reached: Callable[[FakeDiscord], bool],
         then: Callable[[], None] | None = None) -> asyncio.Event:
    """An event set, after running ``then``, at the first message create after which
    ``reached(fake)`` holds: the fake's own counters drive the test, not a timer."""
    event = asyncio.Event()

    def check() -> None:
        if not event.is_set() and reached(fake):
            if then is not None:
                then()
            event.set()

    fake.on_message = check
    return event


def stored(count: int) -> Callable[[FakeDiscord], bool]:
    """``count`` messages held by the fake."""
    return lambda fake: fake.message_count >= count


def posted(count: int) -> Callable[[FakeDiscord], bool]:
    """``count`` message creates answered, nonce repeats included."""
    return lambda fake: fake.message_posts >= count
