"""The Discord gateway's /healthz check, registered by the runner."""

from __future__ import annotations

from bot.adapters.discord.client import DeskbreakClient
from bot.adapters.discord.client import gateway_down as gateway_problem
from bot.adapters.discord.services import DiscordServices
from tests.adapters.discord.conftest import StartBot


async def test_healthy_while_connected_and_not_after_close(
    start_bot: StartBot, services: DiscordServices
) -> None:
    """The check passes once the client is READY and fails after it disconnects."""
    client: DeskbreakClient = await start_bot(services)
    assert gateway_problem(client) is None
    await client.close()
    assert gateway_problem(client) == "not connected to the Discord gateway"


async def test_unhealthy_before_connecting(services: DiscordServices) -> None:
    """A client that has not connected yet is reported, not assumed healthy."""
    assert gateway_problem(DeskbreakClient(services)) == "not connected to the Discord gateway"
