"""The latency baseline: a bare discord.py bot with one command answering a constant string.

Same library, same fake, same machine as deskbreak, no deskbreak code: the difference between
the two is what deskbreak's own handling costs. Started by ``bench_latency``; it reads the
fake's addresses from the same test-only variables deskbreak does.

With ``BARE_PICTURES`` set to a folder of ``<stretch name>.png`` files, it answers with an
embed showing the picture named by the option, uploaded the way deskbreak uploads one: the
baseline for a card with its picture (the same bytes over the same multipart path). With
``BARE_CARDS`` as well (``<stretch name>.json``: deskbreak's embed as Discord's dict and its
buttons), it sends that very card, built from the dict by discord.py: what discord.py alone
costs for deskbreak's answer, so the difference is deskbreak's own handling.
"""

from __future__ import annotations

import asyncio
import io
import json
import logging
import os
import sys
from pathlib import Path
from typing import Any

import discord
import yarl
from discord import app_commands

CHOICES = [app_commands.Choice(name=f"Stretch {i}", value=f"stretch-{i}") for i in range(25)]


class BareBot(discord.Client):
    def __init__(self, pictures: dict[str, bytes] | None = None,
                 cards: dict[str, dict[str, Any]] | None = None) -> None:
        super().__init__(intents=discord.Intents(guilds=True))
        self.tree = app_commands.CommandTree(self)

        @self.tree.command(name="stretch", description="constant answer")
        async def stretch(interaction: discord.Interaction[Any], name: str) -> None:
            if pictures is None:
                await interaction.response.send_message("Stand up and stretch.")
                return
            if cards is not None:
                card = cards[name]
                view = discord.ui.View(timeout=None)
                for button in card["buttons"]:
                    view.add_item(discord.ui.Button(
                        custom_id=button["custom_id"], label=button["label"],
                        style=discord.ButtonStyle(button["style"])))
                await interaction.response.send_message(
                    embed=discord.Embed.from_dict(card["embed"]), view=view,
                    file=discord.File(io.BytesIO(pictures[name]), filename=card["filename"]),
                    allowed_mentions=discord.AllowedMentions.none())
                return
            embed = discord.Embed(title="Stand up and stretch.")
            embed.set_image(url="attachment://picture.png")
            picture = discord.File(io.BytesIO(pictures[name]), filename="picture.png")
            await interaction.response.send_message(embed=embed, file=picture)

        @stretch.autocomplete("name")
        async def complete(interaction: discord.Interaction[Any], current: str
                           ) -> list[app_commands.Choice[str]]:
            return CHOICES

    async def on_ready(self) -> None:
        logging.getLogger("bare").info("bare bot ready")


def load_pictures() -> dict[str, bytes] | None:
    """``BARE_PICTURES``'s pictures by stretch name, read before the bot starts."""
    folder = os.environ.get("BARE_PICTURES")
    return {p.stem: p.read_bytes() for p in Path(folder).glob("*.png")} if folder else None


def load_cards() -> dict[str, dict[str, Any]] | None:
    """``BARE_CARDS``'s cards by stretch name, read before the bot starts."""
    folder = os.environ.get("BARE_CARDS")
    return ({p.stem: json.loads(p.read_text()) for p in Path(folder).glob("*.json")}
            if folder else None)


async def main(pictures: dict[str, bytes] | None,
               cards: dict[str, dict[str, Any]] | None = None) -> None:
    logging.basicConfig(level=logging.INFO, stream=sys.stderr)
    discord.http.Route.BASE = os.environ["DESKBREAK_DISCORD_API_BASE"]
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(
        os.environ["DESKBREAK_DISCORD_GATEWAY_URL"])
    async with BareBot(pictures, cards) as bot:
        await bot.start(os.environ["DISCORD_TOKEN"])


if __name__ == "__main__":
    try:
        asyncio.run(main(load_pictures(), load_cards()))
    except KeyboardInterrupt:
        pass
