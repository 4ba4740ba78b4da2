"""The bot token never reaches a log line, and a rejected token stops the bot at once."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from pydantic import SecretStr

from bot.adapters.discord.client import DeskbreakClient, LoginRejected, run_client
from bot.adapters.discord.notifier import DiscordNotifier
from bot.adapters.discord.runner import EXIT_BAD_TOKEN
from bot.adapters.discord.services import DiscordServices
from bot.app import build_app
from bot.core.messages import Message, MessageKind
from bot.core.ports import Delivery, Platform, Target, TargetKind
from bot.serve import serve
from bot.settings import DatabaseSettings, DiscordSettings, Settings
from bot.storage import Store
from tests.adapters.discord.conftest import StartBot, World
from tests.fakes.discord import FakeDiscord
from tests.fakes.discord import payloads as p


async def test_token_is_absent_from_debug_logs(
    fake: FakeDiscord, world: World, start_bot: StartBot, services: DiscordServices,
    store: Store, caplog: pytest.LogCaptureFixture,
) -> None:
    """Login, gateway, a command, a delivery and a failure logged at DEBUG never show the token."""
    caplog.set_level(logging.DEBUG)
    bot = await start_bot(services)
    await fake.interact(fake.slash(world.member, world.general, "stretch",
                                   [p.option("name", "pigeon")]))
    target = Target(Platform.DISCORD, world.guild.guild_id, TargetKind.CHANNEL,
                    world.locked.channel_id)
    await DiscordNotifier(bot, store).deliver(Delivery(1, target, "tok-test-nonce", "s:1"),
                                              Message(kind=MessageKind.NUDGE, title="Up"))
    await bot.close()
    assert "Shard ID None has connected to Gateway" in caplog.text  # debug logs were captured
    assert fake.token not in caplog.text


async def test_rejected_token_raises_once_without_retrying(fake: FakeDiscord,
                                                           services: DiscordServices) -> None:
    """A 401 on login raises LoginRejected with a clear message after a single attempt."""
    client = DeskbreakClient(services, guild_ready_timeout=0)
    with pytest.raises(LoginRejected, match="DISCORD_TOKEN"):
        await run_client(client, "not-the-right-token")
    assert fake.requests == [("GET", "/api/v10/users/@me")]
    assert fake.identifies == 0


async def test_serve_exits_non_zero_on_a_rejected_token(
    fake: FakeDiscord, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """`deskbreak run` with a bad token logs the reason and returns a non-zero status."""
    settings = Settings(discord=DiscordSettings(token=SecretStr("wrong-token-value")),
                        database=DatabaseSettings(
                            url=f"sqlite+aiosqlite:///{tmp_path / 'db.sqlite3'}"))
    assert await serve(build_app(settings), Platform.DISCORD) == EXIT_BAD_TOKEN
    assert "rejected the bot token" in caplog.text
    assert "wrong-token-value" not in caplog.text
    assert fake.identifies == 0
