"""Discord DMs wait while the person shows Do Not Disturb or offline: the real discord.py
client with the presences intent against the fake Discord (GUILD_CREATE presences and
PRESENCE_UPDATE), the real notifier, the scheduler on a FakeClock."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
from pydantic import SecretStr

from bot.adapters.discord.client import DeskbreakClient
from bot.adapters.discord.notifier import DiscordNotifier
from bot.adapters.discord.presence import DiscordPresence, presence_intents
from bot.adapters.discord.services import DiscordServices
from bot.app import Scheduling, build_app, meetings_for
from bot.core.clock import FakeClock
from bot.core.commands import ContentCommands
from bot.core.events import EventKind
from bot.core.ports import Actor, Platform
from bot.scheduling.commands import SchedulingCommands
from bot.scheduling.service import SchedulerService
from bot.serve import serve
from bot.settings import DatabaseSettings, DiscordSettings, MeetingSettings, Settings
from bot.storage import Store
from bot.storage.records import LedgerStatus
from tests.adapters.discord.conftest import READY_WAIT, START, StartBot, World
from tests.fakes.discord import FakeDiscord
from tests.meetings.rig import RecordingEvents


@dataclass
class Desk:
    client: DeskbreakClient
    service: SchedulerService
    commands: SchedulingCommands
    events: RecordingEvents
    person: Actor


async def _desk(start_bot: StartBot, services: DiscordServices, store: Store,
                clock: FakeClock, content: ContentCommands, world: World, *,
                presence: bool = True) -> Desk:
    client = await start_bot(services, intents=presence_intents(presence))
    notifier = DiscordNotifier(client, store)
    sources = {Platform.DISCORD: DiscordPresence(client)} if presence else {}
    meetings = meetings_for(store, clock, Settings(), presence=sources)
    events = RecordingEvents()
    service = SchedulerService(store, {Platform.DISCORD: notifier}, content, clock,
                               instance_id="discord-test", gate=meetings.gate, events=events)
    commands = SchedulingCommands(store, clock, None, None, service=service,
                                  meetings=meetings)
    person = Actor(Platform.DISCORD, "@me", world.member.user_id, display_name="sam")
    answer = await commands.remind_on(person, every="60", start="09:00", end="17:00",
                                      days="daily")
    assert answer.title == "Break reminders on", answer.body
    return Desk(client, service, commands, events, person)


@pytest.fixture
async def desk(start_bot: StartBot, services: DiscordServices, store: Store, clock: FakeClock,
               content: ContentCommands, world: World) -> AsyncIterator[Desk]:
    made = await _desk(start_bot, services, store, clock, content, world)
    yield made
    await made.service.stop()


async def _set(fake: FakeDiscord, desk: Desk, world: World, status: str) -> None:
    seen = asyncio.ensure_future(desk.client.wait_for("presence_update", timeout=READY_WAIT))
    await asyncio.sleep(0)
    await fake.set_presence(world.guild, world.member.user_id, status)
    await seen


async def _walk(desk: Desk, clock: FakeClock, minutes: int) -> None:
    for _ in range(minutes):
        clock.advance(timedelta(minutes=1))
        await desk.service.tick()


def _dms(fake: FakeDiscord, world: World) -> list[dict[str, object]]:
    channel = fake.dm_channel_of(world.member.user_id)
    return [] if channel is None else fake.messages.get(channel.channel_id, [])


@pytest.mark.parametrize(("status", "reason"), [("dnd", "do not disturb"),
                                                ("offline", "offline")])
async def test_a_busy_member_gets_the_dm_when_back(
        fake: FakeDiscord, world: World, desk: Desk, clock: FakeClock, store: Store,
        status: str, reason: str) -> None:
    """Do Not Disturb or offline at 09:00: no DM, the ledger row is held with the reason;
    back online at 09:05, the DM arrives within two minutes, once."""
    await _set(fake, desk, world, status)
    await _walk(desk, clock, 65)  # to 09:05
    assert _dms(fake, world) == []
    [row] = await store.list_deliveries()
    assert (row.status, row.detail) == (LedgerStatus.HELD, reason)
    await _set(fake, desk, world, "online")
    await _walk(desk, clock, 2)
    assert len(_dms(fake, world)) == 1
    [row] = await store.list_deliveries()
    assert row.status is LedgerStatus.SENT and row.sent_at is not None
    assert START + timedelta(minutes=65) < row.sent_at <= START + timedelta(minutes=67)
    assert [e.reason for e in desk.events.of(EventKind.HELD)] == [reason]


async def test_idle_is_not_busy(fake: FakeDiscord, world: World, desk: Desk,
                                clock: FakeClock) -> None:
    """Idle (away from the keyboard for a while) still gets the nudge on time."""
    await _set(fake, desk, world, "idle")
    await _walk(desk, clock, 60)
    assert len(_dms(fake, world)) == 1 and desk.events.of(EventKind.HELD) == []


async def test_without_the_intent_dms_go_out_on_time(
        fake: FakeDiscord, world: World, start_bot: StartBot, services: DiscordServices,
        store: Store, clock: FakeClock, content: ContentCommands) -> None:
    """DESKBREAK_DISCORD_PRESENCE off (the default): nobody's status is known, so a member
    on Do Not Disturb still gets their 09:00 nudge at 09:00."""
    desk = await _desk(start_bot, services, store, clock, content, world, presence=False)
    try:
        await fake.set_presence(world.guild, world.member.user_id, "dnd")
        await _walk(desk, clock, 60)
        assert len(_dms(fake, world)) == 1
    finally:
        await desk.service.stop()


@pytest.mark.parametrize("switch", [True, False])
async def test_serve_wires_presence_only_when_switched_on(
        fake: FakeDiscord, world: World, tmp_path: Path, switch: bool) -> None:
    """`deskbreak run` with DESKBREAK_DISCORD_PRESENCE=1 identifies with the presences
    intent and gives the scheduler's meeting gate the Discord presence source; without it,
    neither."""
    settings = Settings(discord=DiscordSettings(token=SecretStr(fake.token)),
                        database=DatabaseSettings(
                            url=f"sqlite+aiosqlite:///{tmp_path / 'db.sqlite3'}"),
                        meetings=MeetingSettings(discord_presence=switch))
    app = build_app(settings)
    built: list[Scheduling] = []
    app.on_scheduling.append(lambda scheduling, _notifiers: built.append(scheduling))
    running = asyncio.create_task(serve(app, Platform.DISCORD))
    try:
        await asyncio.wait_for(fake.identified.wait(), READY_WAIT)
        assert fake._sessions[0].presences is switch
        gate = built[0].service.gate
        assert gate is not None and (Platform.DISCORD in gate.presence) is switch
    finally:
        running.cancel()
        await asyncio.gather(running, return_exceptions=True)
