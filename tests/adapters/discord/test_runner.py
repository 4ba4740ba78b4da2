"""`deskbreak run` on Discord: the App is wired to the client exactly as in production."""

from __future__ import annotations

import asyncio
from pathlib import Path

import discord
import pytest
import yarl
from pydantic import SecretStr

from bot.app import build_app
from bot.core.ports import Platform
from bot.serve import serve
from bot.settings import DatabaseSettings, DiscordSettings, Settings
from tests.adapters.discord.conftest import READY_WAIT, World
from tests.fakes.discord import FakeDiscord
from tests.fakes.discord import payloads as p


def sqlite_in(folder: Path) -> DatabaseSettings:
    return DatabaseSettings(url=f"sqlite+aiosqlite:///{folder / 'db.sqlite3'}")


async def test_serve_registers_scheduling_commands_on_the_live_client(
    fake: FakeDiscord, world: World, tmp_path: Path
) -> None:
    """serve() logs in, syncs, and answers an admin's /schedule add through build_scheduling."""
    settings = Settings(discord=DiscordSettings(token=SecretStr(fake.token)),
                        database=sqlite_in(tmp_path))
    app = build_app(settings)
    running = asyncio.create_task(serve(app, Platform.DISCORD))
    try:
        await asyncio.wait_for(fake.identified.wait(), READY_WAIT)
        assert {"schedule", "config", "remind", "stretch"} <= {
            c["name"] for c in fake.global_commands
        }
        cb = await fake.interact(fake.slash(world.admin, world.general, "schedule", [
            p.subcommand("add", [p.option("channel", world.general.channel_id, type_=7),
                                 p.option("kind", "tip"), p.option("cron", "0 9 * * *")])
        ]))
        assert cb.data["embeds"][0]["title"] == "Schedule #1 added"
    finally:
        running.cancel()
        await asyncio.gather(running, return_exceptions=True)


async def test_serve_reaches_the_discord_the_settings_point_at(
    fake: FakeDiscord, world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """DESKBREAK_DISCORD_API_BASE/_GATEWAY_URL alone route the bot to a fake (benchmarks)."""
    monkeypatch.setattr(discord.http.Route, "BASE", "http://127.0.0.1:9/nowhere")
    monkeypatch.setattr(discord.gateway.DiscordWebSocket, "DEFAULT_GATEWAY",
                        yarl.URL("ws://127.0.0.1:9/nowhere"))
    settings = Settings(
        discord=DiscordSettings(token=SecretStr(fake.token), api_base=fake.api_base,
                                gateway_url=fake.gateway_url),
        database=sqlite_in(tmp_path),
    )
    running = asyncio.create_task(serve(build_app(settings), Platform.DISCORD))
    try:
        await asyncio.wait_for(fake.identified.wait(), READY_WAIT)
        assert ("GET", "/api/v10/users/@me") in fake.requests
    finally:
        running.cancel()
        await asyncio.gather(running, return_exceptions=True)
