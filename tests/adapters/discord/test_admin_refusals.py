"""Every admin command, tried by a member without Manage Server through the real client and
the fake Discord: a private refusal, and the database exactly as it was."""

from __future__ import annotations

from typing import Any

import pytest

from bot.adapters.discord.client import DeskbreakClient
from bot.core.ports import Actor, Platform
from bot.scheduling.commands import SchedulingCommands
from bot.storage import Store
from tests.adapters.discord.conftest import World
from tests.fakes.discord import FakeDiscord
from tests.fakes.discord import payloads as p

EPHEMERAL = 64
AUTOCOMPLETE_RESULT = 8


def admin_commands(world: World) -> list[tuple[str, list[dict[str, Any]]]]:
    """(group, [subcommand]) for every subcommand of /schedule and /config."""
    by_id = [p.option("id", 1, type_=4)]
    return [
        ("schedule", [p.subcommand("add", [
            p.option("channel", world.general.channel_id, type_=7), p.option("kind", "tip"),
            p.option("cron", "0 10 * * 1-5")])]),
        ("schedule", [p.subcommand("list")]),
        *(("schedule", [p.subcommand(name, by_id)])
          for name in ("preview", "pause", "resume", "remove", "test")),
        ("config", [p.subcommand("timezone", [p.option("tz", "Asia/Tokyo")])]),
        ("config", [p.subcommand("quiet", [p.option("start", "off")])]),
        ("config", [p.subcommand("quiet", [p.option("start", "22:00"),
                                           p.option("end", "07:00")])]),
        ("config", [p.subcommand("skip", [p.option("date", "2027-12-25")])]),
        ("config", [p.subcommand("skip", [p.option("date", "2027-12-24"),
                                          p.option("remove", True, type_=5)])]),
    ]


COMMAND_IDS = ["schedule add", "schedule list", "schedule preview", "schedule pause",
               "schedule resume", "schedule remove", "schedule test", "config timezone",
               "config quiet off", "config quiet", "config skip", "config skip remove"]


@pytest.fixture
async def seeded(world: World, services: Any, store: Store) -> SchedulingCommands:
    """A schedule #1, quiet hours and a skip date, for the member's commands to try to change."""
    scheduling: SchedulingCommands = services.scheduling
    admin = Actor(Platform.DISCORD, world.guild.guild_id, world.admin.user_id, is_admin=True)
    await scheduling.schedule_add(admin, world.general.channel_id, "break", cron="0 9 * * 1-5")
    await scheduling.config_quiet(admin, "22:00", "07:00")
    await scheduling.config_skip(admin, "2027-12-24")
    return scheduling


@pytest.mark.parametrize("index", range(len(COMMAND_IDS)), ids=COMMAND_IDS)
async def test_member_is_refused_every_admin_command(
    fake: FakeDiscord, world: World, seeded: SchedulingCommands, bot: DeskbreakClient,
    store: Store, index: int,
) -> None:
    """A member gets the private "Admins only" answer and nothing in the database changes."""
    assert len(admin_commands(world)) == len(COMMAND_IDS)
    group, options = admin_commands(world)[index]
    before = await store.snapshot()
    cb = await fake.interact(fake.slash(world.member, world.general, group, options))
    assert cb.type == 4
    assert cb.data["flags"] == EPHEMERAL
    assert cb.data["embeds"][0]["title"] == "Admins only"
    assert await store.snapshot() == before
    assert fake.create_bodies == [], "nothing was posted (e.g. by /schedule test)"


async def test_member_gets_no_autocomplete_from_admin_commands(
    fake: FakeDiscord, world: World, bot: DeskbreakClient
) -> None:
    """Autocomplete inside an admin command answers a member with no choices."""
    cb = await fake.interact(fake.autocomplete(world.member, world.general, "config", [
        p.subcommand("timezone", [p.option("tz", "Europe/", focused=True)])]))
    assert cb.type == AUTOCOMPLETE_RESULT
    assert cb.body["data"]["choices"] == []


async def test_admin_still_gets_autocomplete_in_admin_commands(
    fake: FakeDiscord, world: World, bot: DeskbreakClient
) -> None:
    """The same autocomplete answers an admin with matching zones."""
    cb = await fake.interact(fake.autocomplete(world.admin, world.general, "config", [
        p.subcommand("timezone", [p.option("tz", "Europe/Ber", focused=True)])]))
    assert cb.type == AUTOCOMPLETE_RESULT
    assert {"name": "Europe/Berlin", "value": "Europe/Berlin"} in cb.body["data"]["choices"]
