"""The latency baseline: a bare discord.py bot with one command answering a constant string.

Same library, same fake, same machine as deskbreak, no deskbreak code: the difference between
the two is what deskbreak's own handling costs. Started by ``bench_latency``; it reads the
fake's addresses from the same test-only variables deskbreak does.
"""

from __future__ import annotations

import asyncio
import logging
import os
import sys
from typing import Any

import discord
import yarl
from discord import app_commands

CHOICES = [app_commands.Choice(name=f"Stretch {i}", value=f"stretch-{i}") for i in range(25)]


class BareBot(discord.Client):
    def __init__(self) -> None:
        super().__init__(intents=discord.Intents(guilds=True))
        self.tree = app_commands.CommandTree(self)

        @self.tree.command(name="stretch", description="constant answer")
        async def stretch(interaction: discord.Interaction[Any], name: str) -> None:
            await interaction.response.send_message("Stand up and stretch.")

        @stretch.autocomplete("name")
        async def complete(interaction: discord.Interaction[Any], current: str
                           ) -> list[app_commands.Choice[str]]:
            return CHOICES

    async def on_ready(self) -> None:
        logging.getLogger("bare").info("bare bot ready")


async def main() -> None:
    logging.basicConfig(level=logging.INFO, stream=sys.stderr)
    discord.http.Route.BASE = os.environ["DESKBREAK_DISCORD_API_BASE"]
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(
        os.environ["DESKBREAK_DISCORD_GATEWAY_URL"])
    async with BareBot() as bot:
        await bot.start(os.environ["DISCORD_TOKEN"])


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        pass
