"""Admin-only commands: hidden by default permissions, refused server-side for non-admins."""

from __future__ import annotations

from typing import Any

from bot.adapters.discord.client import DeskbreakClient
from bot.storage import Store
from tests.adapters.discord.conftest import World
from tests.fakes.discord import FakeDiscord
from tests.fakes.discord import payloads as p

EPHEMERAL = 64
MANAGE_GUILD = str(1 << 5)


def schedule_add(fake: FakeDiscord, who: p.Invoker, world: World) -> dict[str, Any]:
    return fake.slash(who, world.general, "schedule", [p.subcommand("add", [
        p.option("channel", world.general.channel_id, type_=7),
        p.option("kind", "break"),
        p.option("every", "60"),
        p.option("start", "09:00"),
        p.option("end", "17:00"),
        p.option("days", "mon-fri"),
        p.option("timezone", "Europe/Berlin"),
    ])])


async def test_admin_groups_are_hidden_from_non_admins(
    fake: FakeDiscord, world: World, bot: DeskbreakClient
) -> None:
    """/schedule and /config sync with Manage Server as default member permission, guild-only."""
    synced = {c["name"]: c for c in fake.global_commands}
    for name in ("schedule", "config"):
        assert synced[name]["default_member_permissions"] == MANAGE_GUILD
        assert synced[name]["contexts"] == [0]
        assert synced[name]["dm_permission"] is False
    assert synced["remind"]["default_member_permissions"] is None


async def test_non_admin_is_refused_and_nothing_changes(
    fake: FakeDiscord, world: World, bot: DeskbreakClient, store: Store
) -> None:
    """A member without Manage Server gets an ephemeral refusal and no schedule is created."""
    cb = await fake.interact(schedule_add(fake, world.member, world))
    assert cb.type == 4
    assert cb.data["flags"] == EPHEMERAL
    assert "Manage Server" in cb.data["embeds"][0]["description"]
    assert await store.list_schedules("discord", world.guild.guild_id) == []


async def test_admin_adds_a_schedule_and_sees_the_next_three_times(
    fake: FakeDiscord, world: World, bot: DeskbreakClient, store: Store
) -> None:
    """An admin's /schedule add creates the schedule and the reply lists its next three times."""
    cb = await fake.interact(schedule_add(fake, world.admin, world))
    assert cb.type == 4
    assert cb.data["flags"] == EPHEMERAL
    (row,) = await store.list_schedules("discord", world.guild.guild_id)
    assert row.channel_id == world.general.channel_id
    assert row.created_by == world.admin.user_id
    embed = cb.data["embeds"][0]
    assert embed["title"] == f"Schedule #{row.id} added"
    (times,) = [f for f in embed["fields"] if f["name"] == "Next times"]
    assert len(times["value"].splitlines()) == 3


async def test_admin_cannot_schedule_where_the_bot_cannot_post(
    fake: FakeDiscord, world: World, bot: DeskbreakClient, store: Store
) -> None:
    """/schedule add into a channel the bot can't send in explains why and creates nothing."""
    payload = schedule_add(fake, world.admin, world)
    payload["data"] = fake.slash(world.admin, world.general, "schedule", [p.subcommand("add", [
        p.option("channel", world.locked.channel_id, type_=7),
        p.option("kind", "tip"),
        p.option("cron", "0 10 * * 1-5"),
    ])])["data"]
    cb = await fake.interact(payload)
    assert cb.data["flags"] == EPHEMERAL
    assert "Send Messages" in cb.data["embeds"][0]["description"]
    assert await store.list_schedules("discord", world.guild.guild_id) == []


async def test_owner_counts_as_admin_without_a_role(
    fake: FakeDiscord, world: World, bot: DeskbreakClient, store: Store
) -> None:
    """The server owner's resolved permissions include Manage Server, so they are an admin."""
    owner = p.Invoker(world.guild.owner_id, "owner", world.guild)
    cb = await fake.interact(fake.slash(owner, world.general, "schedule",
                                        [p.subcommand("list")]))
    assert "Admins only" not in cb.data["embeds"][0]["title"]


async def test_remind_is_open_to_everyone(
    fake: FakeDiscord, world: World, bot: DeskbreakClient, store: Store
) -> None:
    """A plain member can turn on personal reminders; they are stored under the person."""
    cb = await fake.interact(fake.slash(world.member, world.general, "remind",
                                        [p.subcommand("on", [p.option("every", "50")])]))
    assert cb.type == 4
    reminder = await store.get_reminder("discord", "@me", world.member.user_id)
    assert reminder is not None
    assert reminder.spec.every_minutes == 50
