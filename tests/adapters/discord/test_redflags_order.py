"""/redflags on Discord: the real client's embed lists the levels most urgent first."""

from __future__ import annotations

from bot.adapters.discord.client import DeskbreakClient
from bot.core.commands import ContentCommands
from tests.adapters.discord.conftest import World
from tests.adapters.redflag_order import assert_levels_in_order
from tests.fakes.discord import FakeDiscord


async def test_redflags_embed_reads_emergency_first(
    fake: FakeDiscord, world: World, bot: DeskbreakClient, content: ContentCommands
) -> None:
    """The embed's fields carry each level's heading in order, every sign under its own."""
    cb = await fake.interact(fake.slash(world.member, world.general, "redflags"))
    (embed,) = cb.data["embeds"]
    text = "\n".join(f"{f['name']}\n{f['value']}" for f in embed["fields"])
    assert embed["fields"][0]["name"].startswith("Emergency now")
    assert_levels_in_order(text, content.library)
