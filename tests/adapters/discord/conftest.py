"""The real discord.py client, wired to deskbreak's services, connected to a fake Discord."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import discord
import pytest
import yarl

from bot.adapters.discord.client import DeskbreakClient
from bot.adapters.discord.notifier import DiscordNotifier
from bot.adapters.discord.services import DiscordServices
from bot.core.clock import FakeClock
from bot.core.commands import ContentCommands
from bot.core.content.library import Library
from bot.core.content.loader import load_library
from bot.core.ports import Platform
from bot.core.rotation import MemoryRotationStore
from bot.scheduling.commands import SchedulingCommands, notifier_channel_checker
from bot.scheduling.service import SchedulerService
from bot.settings import LimitSettings
from bot.storage import Store, create_store
from bot.storage.stats import StatsEvents
from tests.fakes.discord import FakeDiscord
from tests.fakes.discord import payloads as p

CONTENT_DIR = Path(__file__).resolve().parents[3] / "content"
START = datetime(2027, 3, 1, 8, 0, tzinfo=UTC)  # a Monday
READY_WAIT = 5.0


@dataclass
class World:
    """One server with a member, an admin, a normal channel and one the bot may not post in."""

    guild: p.FakeGuild
    general: p.FakeChannel
    locked: p.FakeChannel
    member: p.Invoker
    admin: p.Invoker
    loner: p.Invoker  # a user outside any server, reached by DM


@pytest.fixture
async def fake() -> AsyncIterator[FakeDiscord]:
    server = FakeDiscord()
    await server.start()
    yield server
    await server.close()


@pytest.fixture(autouse=True)
def point_discord_at_fake(fake: FakeDiscord, monkeypatch: pytest.MonkeyPatch) -> None:
    """discord.py reads these class attributes on every request; monkeypatch restores them."""
    monkeypatch.setattr(discord.http.Route, "BASE", fake.api_base)
    monkeypatch.setattr(
        discord.gateway.DiscordWebSocket, "DEFAULT_GATEWAY", yarl.URL(fake.gateway_url)
    )


@pytest.fixture
def world(fake: FakeDiscord) -> World:
    guild = fake.add_guild("Desk Club")
    general = fake.add_channel(guild, "general")
    locked = fake.add_channel(guild, "announcements", bot_deny=p.SEND_MESSAGES)
    admin_role = fake.add_role(guild, "mods", p.MANAGE_GUILD)
    return World(
        guild=guild,
        general=general,
        locked=locked,
        member=fake.add_member(guild, "sam"),
        admin=fake.add_member(guild, "ada", role_ids=[admin_role]),
        loner=fake.add_user("lee"),
    )


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(START)


@pytest.fixture(scope="session")
def library() -> Library:
    return load_library([CONTENT_DIR])


@pytest.fixture
async def store(tmp_path: Path, clock: FakeClock) -> AsyncIterator[Store]:
    db = create_store(f"sqlite+aiosqlite:///{tmp_path / 'deskbreak.sqlite3'}", clock=clock)
    await db.migrate()
    yield db
    await db.close()


@pytest.fixture
def content(library: Library, store: Store, clock: FakeClock) -> ContentCommands:
    return ContentCommands(library, MemoryRotationStore(), clock)


@pytest.fixture
def services(content: ContentCommands, store: Store, clock: FakeClock) -> DiscordServices:
    # The channel checker is the real DiscordNotifier's, attached once a client exists.
    scheduling = SchedulingCommands(store, clock, LimitSettings(), None,
                                    events=StatsEvents(store))  # presses recorded, as in the app
    return DiscordServices(content=content, kv=store, scheduling=scheduling)


StartBot = Callable[..., Awaitable[DeskbreakClient]]


@pytest.fixture
async def start_bot(fake: FakeDiscord) -> AsyncIterator[StartBot]:
    """Start a connected client (several may be started, e.g. to simulate a restart)."""
    running: list[tuple[DeskbreakClient, asyncio.Task[None]]] = []

    async def start(services: DiscordServices, **options: Any) -> DeskbreakClient:
        options.setdefault("guild_ready_timeout", 0)
        client = DeskbreakClient(services, **options)
        if services.scheduling is not None:
            # Wired as the Discord runner wires it; the service is never start()ed: tests tick it.
            notifier = DiscordNotifier(client, services.kv)
            notifiers = {Platform.DISCORD: notifier}
            client.services = replace(services, prepare_dm=notifier.prepare_dm)
            scheduling = services.scheduling
            scheduling.channel_checker = notifier_channel_checker(notifiers)
            scheduling.service = SchedulerService(
                scheduling.store, notifiers, services.content, scheduling.clock
            )
        task = asyncio.create_task(client.start(fake.token))
        running.append((client, task))
        ready = asyncio.ensure_future(client.connected.wait())
        done, _ = await asyncio.wait({ready, task}, timeout=READY_WAIT,
                                     return_when=asyncio.FIRST_COMPLETED)
        if task in done:
            ready.cancel()
            task.result()  # raise the client's start-up error
        if ready not in done:
            raise TimeoutError("the client did not become ready")
        return client

    yield start
    for client, task in running:
        await client.close()
        await asyncio.gather(task, return_exceptions=True)


@pytest.fixture
async def bot(start_bot: StartBot, services: DiscordServices, world: World) -> DeskbreakClient:
    return await start_bot(services)
