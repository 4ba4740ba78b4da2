"""Persistent nudge buttons: they work after a restart and do what their label says."""

from __future__ import annotations

from typing import Any

from bot.adapters.discord.client import DeskbreakClient
from bot.adapters.discord.services import DiscordServices
from bot.core.commands import ContentCommands
from bot.storage import Store
from tests.adapters.discord.conftest import StartBot, World
from tests.fakes.discord import FakeDiscord
from tests.fakes.discord import payloads as p
from tests.recorded import recorded

EPHEMERAL = 64


def custom_ids(data: dict[str, Any]) -> list[str]:
    return [c["custom_id"] for row in data.get("components", []) for c in row["components"]]


async def break_message(fake: FakeDiscord, world: World) -> dict[str, Any]:
    """Run /break and return the message Discord would have stored for the reply."""
    cb = await fake.interact(fake.slash(world.member, world.general, "break"))
    return p.message(world.general.channel_id, fake.bot_user, cb.data,
                     guild_id=world.guild.guild_id)


async def test_show_me_button_works_after_a_restart(
    fake: FakeDiscord, world: World, start_bot: StartBot, services: DiscordServices,
    content: ContentCommands,
) -> None:
    """A "Show me how" button sent by one client is answered by a freshly started one."""
    first = await start_bot(services)
    message = await break_message(fake, world)
    await first.close()
    await start_bot(services)
    show = custom_ids(message)[0]
    stretch = content.library.stretch(show.split(":", 1)[1])
    assert stretch is not None
    cb = await fake.interact(fake.click(world.member, world.general, show, message))
    assert cb.type == 4
    assert cb.data["flags"] == EPHEMERAL
    assert cb.data["embeds"][0]["title"].startswith(stretch.name)


async def test_done_button_logs_the_break_privately(
    fake: FakeDiscord, world: World, bot: DeskbreakClient, store: Store
) -> None:
    """"Done" answers only the clicker and records the break in their stats."""
    message = await break_message(fake, world)
    before = await recorded(store, "discord", "@me", world.member.user_id)  # /break: a break
    cb = await fake.interact(fake.click(world.member, world.general, "done", message))
    assert cb.data["flags"] == EPHEMERAL
    assert await recorded(store, "discord", "@me", world.member.user_id) == [*before, "done"]


async def test_snooze_button_snoozes_the_persons_reminder(
    fake: FakeDiscord, world: World, bot: DeskbreakClient, store: Store
) -> None:
    """"Snooze 10 min" on a DM nudge pushes back the reminder /remind on created in a server."""
    await fake.interact(fake.slash(world.member, world.general, "remind",
                                   [p.subcommand("on", [p.option("every", "45")])]))
    dm = fake.add_channel_dm(world.member)
    nudge = p.message(dm.channel_id, fake.bot_user,
                      {"content": "move", "components": p.buttons("done", "snooze:10")})
    dm_clicker = p.Invoker(world.member.user_id, world.member.name, None)
    cb = await fake.interact(fake.click(dm_clicker, dm, "snooze:10", nudge))
    assert cb.data["flags"] == EPHEMERAL
    reminder = await store.get_reminder("discord", "@me", world.member.user_id)
    assert reminder is not None
    assert reminder.snoozed_until is not None


async def test_page_button_for_an_unknown_filter_replies_with_an_error(
    fake: FakeDiscord, world: World, bot: DeskbreakClient
) -> None:
    """A stale page button whose area no longer exists answers the clicker privately with the
    error, not a crash, and leaves the list the channel sees as it was (as on Slack)."""
    message = p.message(world.general.channel_id, fake.bot_user,
                        {"content": "old list", "components": p.buttons("page:elbows:*:1")})
    cb = await fake.interact(fake.click(world.member, world.general, "page:elbows:*:1",
                                        message))
    assert cb.type == 4 and cb.data["flags"] == EPHEMERAL
    assert "Unknown area" in cb.data["embeds"][0]["description"]


async def test_plain_show_me_button_offers_a_fresh_stretch_privately(
    fake: FakeDiscord, world: World, bot: DeskbreakClient
) -> None:
    """A "show_stretch" button without an id answers the clicker with a desk break."""
    message = p.message(world.general.channel_id, fake.bot_user,
                        {"content": "nudge", "components": p.buttons("show_stretch")})
    cb = await fake.interact(fake.click(world.member, world.general, "show_stretch", message))
    assert cb.type == 4
    assert cb.data["flags"] == EPHEMERAL
    assert custom_ids(cb.data)[0].startswith("show_stretch:")
