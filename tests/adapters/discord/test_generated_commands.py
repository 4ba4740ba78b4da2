"""The slash commands Discord receives are the command table's, option by option."""

from __future__ import annotations

from typing import Any

import discord
from discord import app_commands

from bot.adapters.discord.client import DeskbreakClient
from bot.adapters.discord.commands import build
from bot.commands.call import Facades
from bot.commands.spec import Access, Kind
from bot.commands.table import TABLE
from bot.core.ports import Platform
from tests.commands.shapes import SHAPES
from tests.fakes.discord import FakeDiscord

MANAGE_GUILD = str(1 << 5)
OPTION_TYPES = {Kind.INTEGER: 4, Kind.BOOLEAN: 5, Kind.CHANNEL: 7}


def synced(fake: FakeDiscord, name: str) -> dict[str, Any]:
    return next(c for c in fake.global_commands if c["name"] == name)


async def test_every_command_is_synced_with_its_options(
    fake: FakeDiscord, bot: DeskbreakClient
) -> None:
    """Each table command and subcommand reaches Discord with its options' types, required
    flags, choices, ranges and autocomplete, and nothing else is synced."""
    assert sorted(c["name"] for c in fake.global_commands) == sorted(
        c.name_on(Platform.DISCORD) for c in TABLE.on(Platform.DISCORD))
    for path in TABLE.paths(Platform.DISCORD):
        payload = synced(fake, path.top.name)
        if path.leaf is not path.top:
            payload = next(o for o in payload["options"] if o["name"] == path.leaf.name)
        options = {o["name"]: o for o in payload["options"]}
        assert set(options) == {o.name for o in path.leaf.options}, path.words
        for option in path.leaf.options:
            sent = options[option.name]
            assert sent["type"] == OPTION_TYPES.get(option.kind, 3), (path.words, option.name)
            assert sent["required"] is option.required
            assert sent.get("autocomplete", False) is (option.autocomplete is not None)
            assert bool(sent.get("choices")) is bool(option.choices)
            assert sent.get("min_value") == option.min_value
            assert sent.get("max_value") == option.max_value


async def test_admin_commands_are_hidden_from_members_and_out_of_dms(
    fake: FakeDiscord, bot: DeskbreakClient
) -> None:
    """Admin groups ask for Manage Server by default and exist only in servers; the rest is
    open to everyone, DMs included."""
    for command in TABLE.on(Platform.DISCORD):
        payload = synced(fake, command.name_on(Platform.DISCORD))
        if command.access is Access.ADMIN:
            assert payload["default_member_permissions"] == MANAGE_GUILD
            assert payload["dm_permission"] is False
        else:
            assert payload["default_member_permissions"] is None
            assert payload["dm_permission"] is True


def test_upcoming_shapes_become_discord_options() -> None:
    """An admin leaf hides from members; a range, a default, choices and autocomplete become
    Discord's own option fields (the declarations in tests/commands/shapes.py)."""
    client = discord.Client(intents=discord.Intents.none())
    tree: app_commands.CommandTree[Any] = app_commands.CommandTree(client)
    built = {c.name: build(c, Facades(content=None)).to_dict(tree)  # type: ignore[arg-type]
             for c in SHAPES.commands}
    assert built["teamstats"]["default_member_permissions"] == 1 << 5
    assert built["teamstats"]["dm_permission"] is False
    assert [c["value"] for c in built["teamstats"]["options"][0]["choices"]] == [
        "week", "month", "year"]
    minutes, routine = built["groupbreak"]["options"]
    assert (minutes["type"], minutes["min_value"], minutes["max_value"]) == (4, 1, 60)
    assert minutes["required"] is False and routine["autocomplete"] is True
    [calendar] = built["remind"]["options"]
    assert calendar["options"][0] == {"type": 3, "name": "url", "required": True,
                                      "description": "The calendar's iCal link, or off"}
