"""Three worlds built the same way: the shipped content, one clock, a fresh database each,
and the real adapter of each platform (console in process, Discord and Slack on their fakes)."""

from __future__ import annotations

import asyncio
import io
import random
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path

import discord
import pytest
import yarl
from pydantic import SecretStr

from bot.adapters.console import ConsoleAdapter
from bot.adapters.discord.client import DeskbreakClient
from bot.adapters.discord.notifier import DiscordNotifier
from bot.adapters.discord.services import DiscordServices
from bot.adapters.slack import SlackAdapter, SlackConfig
from bot.app import meetings_for
from bot.commands.help import command_names
from bot.commands.table import TABLE
from bot.core.clock import FakeClock
from bot.core.commands import ContentCommands
from bot.core.content.library import Library
from bot.core.content.loader import load_library
from bot.core.ports import Notifier, Platform
from bot.core.rotation import MemoryRotationStore
from bot.pictures.cache import StretchPictures, pose_key
from bot.scheduling.commands import SchedulingCommands, notifier_channel_checker
from bot.scheduling.service import SchedulerService
from bot.scheduling.stats import StatsCommands
from bot.settings import Settings, WebSettings
from bot.storage import Store, create_store
from bot.storage.stats import StatsEvents
from bot.web import Dashboard
from tests.contract.drivers import ConsoleDriver, DiscordDriver, Driver, SlackDriver
from tests.fakes.discord import FakeDiscord
from tests.fakes.discord import payloads as p
from tests.fakes.slack import BOT_TOKEN, SIGNING_SECRET, FakeSlack

START = datetime(2027, 3, 1, 8, 0, tzinfo=UTC)  # a Monday
READY_WAIT = 5.0
SEED = 7


@pytest.fixture(scope="session")
def library() -> Library:
    return load_library(Settings().content.dirs())


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(START)


@pytest.fixture(scope="session")
def pictures(tmp_path_factory: pytest.TempPathFactory) -> Iterator[StretchPictures]:
    """One picture cache for every world: each picture is drawn once for the whole run."""
    found = StretchPictures(tmp_path_factory.mktemp("pictures"))
    yield found
    found.close()


def content_for(library: Library, clock: FakeClock,
                pictures: StretchPictures) -> ContentCommands:
    """Seeded alike on every platform, so the first tip or break is the same everywhere."""
    return ContentCommands(library, MemoryRotationStore(), clock, random.Random(SEED),
                           pictures=pictures)


async def new_store(path: Path, clock: FakeClock) -> Store:
    store = create_store(f"sqlite+aiosqlite:///{path}", clock=clock)
    await store.migrate()
    return store


def scheduling_for(platform: Platform, store: Store, content: ContentCommands, clock: FakeClock,
                   notifier: Notifier) -> SchedulingCommands:
    """The facade as bot/serve.py wires it: the platform's names, its notifier's channel
    checks, and a scheduler (never started: nothing here waits on time) for /schedule test."""
    notifiers = {platform: notifier}
    meetings = meetings_for(store, clock, Settings())  # /remind calendar, as served
    events = StatsEvents(store)
    service = SchedulerService(store, notifiers, content, clock, instance_id=str(platform),
                               gate=meetings.gate, events=events)
    names = command_names(TABLE, platform)
    commands = SchedulingCommands(store, clock, None, notifier_channel_checker(notifiers),
                                  service=service, names=names, meetings=meetings,
                                  events=events)
    commands.stats = StatsCommands(store, events, clock, names=names)
    return commands


@pytest.fixture
async def console(library: Library, clock: FakeClock, tmp_path: Path,
                  pictures: StretchPictures) -> AsyncIterator[ConsoleDriver]:
    store = await new_store(tmp_path / "console.sqlite3", clock)
    content = content_for(library, clock, pictures)
    adapter = ConsoleAdapter(content, stdin=io.StringIO(), stdout=io.StringIO(),
                             interactive=False, files=tmp_path / "saved")
    adapter.attach(scheduling_for(Platform.CONSOLE, store, content, clock, adapter.notifier))
    yield ConsoleDriver(adapter, store)
    await store.close()


@pytest.fixture
async def discord_driver(
    library: Library, clock: FakeClock, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    pictures: StretchPictures,
) -> AsyncIterator[DiscordDriver]:
    fake = FakeDiscord()
    await fake.start()
    monkeypatch.setattr(discord.http.Route, "BASE", fake.api_base)
    monkeypatch.setattr(discord.gateway.DiscordWebSocket, "DEFAULT_GATEWAY",
                        yarl.URL(fake.gateway_url))
    guild = fake.add_guild("Desk Club")
    channel = fake.add_channel(guild, "general")
    admin_role = fake.add_role(guild, "mods", p.MANAGE_GUILD)
    member, admin = fake.add_member(guild, "sam"), fake.add_member(guild, "ada",
                                                                   role_ids=[admin_role])
    store = await new_store(tmp_path / "discord.sqlite3", clock)
    content = content_for(library, clock, pictures)
    client = DeskbreakClient(DiscordServices(content=content, kv=store),
                             guild_ready_timeout=0)
    notifier = DiscordNotifier(client, store)
    scheduling = scheduling_for(Platform.DISCORD, store, content, clock, notifier)
    client.services = DiscordServices(content=content, kv=store, scheduling=scheduling,
                                      prepare_dm=notifier.prepare_dm)
    task = asyncio.create_task(client.start(fake.token))
    try:
        await asyncio.wait_for(client.connected.wait(), READY_WAIT)
        yield DiscordDriver(fake, client, store, guild, channel, member, admin)
    finally:
        await client.close()
        await asyncio.gather(task, return_exceptions=True)
        await store.close()
        await fake.close()


@pytest.fixture
async def slack_driver(library: Library, clock: FakeClock, tmp_path: Path,
                       pictures: StretchPictures) -> AsyncIterator[SlackDriver]:
    fake = await FakeSlack().start()
    fake.users.update({"U0MEMBER": {"name": "sam", "is_admin": False, "is_owner": False},
                       "U0ADMIN": {"name": "ada", "is_admin": True, "is_owner": False}})
    fake.add_channel("C0WELL")
    store = await new_store(tmp_path / "slack.sqlite3", clock)
    content = content_for(library, clock, pictures)
    # The dashboard's web server serves the pictures Slack's image blocks show (as a
    # deployment with DESKBREAK_PUBLIC_URL does), so every platform shows the same picture.
    web = Dashboard(Settings(web=WebSettings(host="127.0.0.1", port=0)), store, clock,
                    out=io.StringIO(), pictures=pictures)
    assert await web.start()
    config = SlackConfig(bot_token=SecretStr(BOT_TOKEN), signing_secret=SecretStr(SIGNING_SECRET),
                         http_port=0, base_url=fake.base_url,
                         public_url=f"http://127.0.0.1:{web.port}")
    adapter = SlackAdapter(config, content, clock=clock, kv=store)
    adapter.use_scheduling(scheduling_for(Platform.SLACK, store, content, clock,
                                          adapter.notifier))
    await adapter.start()
    names = {pose_key(s.pose): f"{s.id}.png" for s in library.stretches}
    try:
        yield SlackDriver(fake, adapter, store, names)
    finally:
        await adapter.stop()
        await web.stop()
        await store.close()
        await fake.stop()


@pytest.fixture
def drivers(console: ConsoleDriver, discord_driver: DiscordDriver, slack_driver: SlackDriver
            ) -> list[Driver]:
    return [console, discord_driver, slack_driver]
