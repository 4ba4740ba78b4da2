"""A whole `deskbreak run` on Discord in this process, dashboard included, against the fake
Discord: what the browser tests and the screenshot script drive.

``serve()`` runs exactly as in production; only the platform's addresses (loopback fakes) and
the dashboard's port differ.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import aiohttp
import discord
import yarl
from pydantic import SecretStr

from bot.app import App, build_app
from bot.core.clock import Clock
from bot.core.ports import Platform
from bot.serve import serve
from bot.settings import (
    DatabaseSettings,
    DiscordSettings,
    Settings,
    ShardSettings,
    WebSettings,
)
from tests.fakes.discord import FakeDiscord
from tests.fakes.discord import payloads as p

CLIENT_ID = "1234567890123"
CLIENT_SECRET = "fake-oauth-client-secret-5b7d9f1a"  # noqa: S105 - the fake's, for tests
WAIT = 20.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class DiscordWorld:
    fake: FakeDiscord
    guild: p.FakeGuild
    general: p.FakeChannel
    wellness: p.FakeChannel
    admin: p.Invoker
    member: p.Invoker
    admin_role: str
    app: App
    url: str
    others: tuple[p.FakeGuild, ...] = ()


async def _until_up(url: str) -> None:
    async with aiohttp.ClientSession() as http:
        for _ in range(int(WAIT * 20)):
            with contextlib.suppress(aiohttp.ClientError):
                async with http.get(f"{url}/signin") as response:
                    if response.status == 200:
                        return
            await asyncio.sleep(0.05)
    raise TimeoutError("the dashboard did not come up")


@contextlib.asynccontextmanager
async def discord_world(tmp_path: Path, clock: Clock | None = None, seed: bool = False,
                        shards: tuple[int, list[int]] | None = None,
                        more_servers: tuple[str, ...] = (),
                        ) -> AsyncIterator[DiscordWorld]:
    """The fake Discord with one server, a real bot process's worth of serve(), and its URL.

    ``more_servers`` adds servers by name where the same admin (Ada) has Manage Server too:
    for pages that differ between two workspaces of one admin.

    ``shards=(count, ids)`` runs this process as DESKBREAK_SHARD_COUNT/IDS; the server is then
    on shard 0.
    """
    fake = FakeDiscord(shard_count=shards[0] if shards else 1)
    await fake.start()
    guild = fake.add_guild("Desk Club", shard=0 if shards else None)
    general = fake.add_channel(guild, "general")
    wellness = fake.add_channel(guild, "wellness")
    fake.add_channel(guild, "standup")
    role = fake.add_role(guild, "mods", p.MANAGE_GUILD)
    admin = fake.add_member(guild, "Ada", role_ids=[role])
    member = fake.add_member(guild, "Sam")
    others = []
    for name in more_servers:
        other = fake.add_guild(name, shard=0 if shards else None)
        fake.add_channel(other, "general")
        mods = fake.add_role(other, "mods", p.MANAGE_GUILD)
        other.members.append(p.FakeMember(admin.user_id, "Ada", [mods]))
        others.append(other)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    fake.oauth.register_client(CLIENT_ID, CLIENT_SECRET, {f"{url}/auth/discord/callback"})
    fake.oauth.display_names.update({admin.user_id: "Ada", member.user_id: "Sam"})
    settings = Settings(
        database=DatabaseSettings(url=f"sqlite+aiosqlite:///{tmp_path / 'world.sqlite3'}"),
        discord=DiscordSettings(token=SecretStr(fake.token), api_base=fake.api_base,
                                gateway_url=fake.gateway_url),
        web=WebSettings(port=port, discord_client_id=CLIENT_ID,
                        discord_client_secret=SecretStr(CLIENT_SECRET)),
        shards=ShardSettings(count=shards[0] if shards else None,
                             ids=shards[1] if shards else None))
    app = build_app(settings, clock=clock)
    world = DiscordWorld(fake, guild, general, wellness, admin, member, role, app, url,
                         tuple(others))
    if seed:
        await seed_world(world)
    saved = discord.http.Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY
    running = asyncio.create_task(serve(app, Platform.DISCORD))
    try:
        await asyncio.wait_for(fake.identified.wait(), WAIT)
        await _until_up(url)
        yield world
    finally:
        running.cancel()
        await asyncio.gather(running, return_exceptions=True)
        discord.http.Route.BASE = saved[0]
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(str(saved[1]))
        await fake.close()


async def seed_world(world: DiscordWorld) -> None:
    """A lived-in server for screenshots: schedules of both kinds, one paused, settings, a
    history of changes from chat and from the dashboard, and a few weeks of breaks taken."""
    from bot.core.ports import Actor
    from bot.scheduling.commands import SchedulingCommands
    from bot.storage.audit import DASHBOARD, AuditLog

    store = world.app.store
    await store.migrate()
    ada = Actor(Platform.DISCORD, world.guild.guild_id, world.admin.user_id, is_admin=True,
                display_name="Ada")
    chat = SchedulingCommands(store, world.app.clock, world.app.settings.limits, None,
                              audit=AuditLog(store))
    web = chat.with_audit(AuditLog(store, DASHBOARD))
    await chat.config_timezone(ada, "Europe/London")
    await chat.schedule_add(ada, world.general.channel_id, "break", every="60", start="09:30",
                            end="16:30", days="mon-fri")
    await web.schedule_add(ada, world.wellness.channel_id, "tip", cron="0 11 * * 1,3,5")
    await web.schedule_add(ada, world.general.channel_id, "break", every="90", start="10:00",
                           end="17:00", days="mon-thu", timezone="America/New_York")
    paused = await chat.schedule_add(ada, world.wellness.channel_id, "break", cron="30 14 * * *")
    assert paused.title.startswith("Schedule #")
    await store.pause_schedule_once(4, "I can't post there: missing Send Messages in #wellness")
    await web.config_quiet(ada, "12:30", "13:30")
    await web.config_skip(ada, "2027-12-24")
    await web.config_skip(ada, "2027-12-31")
    guild = world.guild.guild_id
    await seed_stats(world.app, guild, people=5, days=4)
    await seed_stats(world.app, guild, people=4, days=3, back=4, schedule_id=3)
    await seed_stats(world.app, guild, people=4, days=14, back=7)


async def seed_stats(app: App, workspace: str, people: int, days: int, back: int = 0,
                     schedule_id: int | None = 1) -> int:
    """Breaks taken in one Discord workspace through the real store-backed ``App.events``:
    one nudge a day, then ``people`` Done clicks on each of ``days`` days, starting ``back``
    days ago (an hour before now, so "last week" holds the newest). Returns the Done clicks."""
    from datetime import timedelta

    from bot.core.events import BreakEvent, EventKind

    now = app.clock.now() - timedelta(hours=1)
    events = []
    for day in range(back, back + days):
        at = now - timedelta(days=day)
        events.append(BreakEvent(EventKind.NUDGED, Platform.DISCORD, workspace, None, at,
                                 schedule_id=schedule_id))
        # Fewer people on the older days, so the week shows a trend.
        taking = people if day < back + days // 2 else max(1, people - 1)
        events += [BreakEvent(EventKind.DONE, Platform.DISCORD, workspace, f"person{i}",
                              at + timedelta(minutes=5 + i), schedule_id=schedule_id)
                   for i in range(taking)]
    await app.events.record_many(events)  # type: ignore[attr-defined]
    return sum(1 for e in events if e.kind is EventKind.DONE)
