"""/schedule, /config and /remind end to end, through to the scheduler's deliveries."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from bot.adapters.discord.client import DeskbreakClient
from bot.adapters.discord.services import DiscordServices
from bot.core.clock import FakeClock
from bot.storage import Store
from tests.adapters.discord.conftest import World
from tests.fakes.discord import Callback, FakeDiscord
from tests.fakes.discord import payloads as p

EPHEMERAL = 64


async def run(fake: FakeDiscord, who: p.Invoker, channel: p.FakeChannel, group: str,
              sub: str, *options: dict[str, Any]) -> Callback:
    return await fake.interact(fake.slash(who, channel, group,
                                          [p.subcommand(sub, list(options))]))


def title(cb: Callback) -> str:
    return str(cb.data["embeds"][0]["title"])


def components(message: dict[str, Any]) -> list[str]:
    return [c["custom_id"] for row in message.get("components", []) for c in row["components"]]


async def advance_to_reminder(store: Store, clock: FakeClock, user_id: str) -> None:
    reminder = await store.get_reminder("discord", "@me", user_id)
    assert reminder is not None and reminder.next_due is not None
    clock.set(reminder.next_due + timedelta(seconds=1))


async def add_schedule(fake: FakeDiscord, world: World, store: Store) -> int:
    await run(fake, world.admin, world.general, "schedule", "add",
              p.option("channel", world.general.channel_id, type_=7),
              p.option("kind", "break"), p.option("cron", "0 10 * * 1-5"))
    (row,) = await store.list_schedules("discord", world.guild.guild_id)
    return row.id


async def test_schedule_lifecycle_pause_resume_remove(
    fake: FakeDiscord, world: World, bot: DeskbreakClient, store: Store
) -> None:
    """An admin lists, previews, pauses, resumes and removes a schedule, all privately."""
    sid = await add_schedule(fake, world, store)
    listed = await run(fake, world.admin, world.general, "schedule", "list")
    assert listed.data["flags"] == EPHEMERAL
    assert f"#{sid}" in str(listed.data["embeds"][0])
    preview = await run(fake, world.admin, world.general, "schedule", "preview",
                        p.option("id", sid, type_=4))
    assert preview.data["flags"] == EPHEMERAL
    await run(fake, world.admin, world.general, "schedule", "pause", p.option("id", sid, type_=4))
    row = await store.get_schedule(sid)
    assert row is not None and row.paused
    await run(fake, world.admin, world.general, "schedule", "resume",
              p.option("id", sid, type_=4))
    row = await store.get_schedule(sid)
    assert row is not None and not row.paused
    await run(fake, world.admin, world.general, "schedule", "remove",
              p.option("id", sid, type_=4))
    assert await store.get_schedule(sid) is None


async def test_schedule_test_posts_in_the_channel(
    fake: FakeDiscord, world: World, bot: DeskbreakClient, store: Store
) -> None:
    """/schedule test posts one nudge through the DiscordNotifier, with a nonce."""
    sid = await add_schedule(fake, world, store)
    cb = await run(fake, world.admin, world.general, "schedule", "test",
                   p.option("id", sid, type_=4))
    assert "Posted a test" in title(cb)
    (posted,) = fake.messages[world.general.channel_id]
    assert posted["nonce"]
    assert components(posted)[2:] == ["done", "snooze:10"]


async def test_scheduler_tick_delivers_the_channel_nudge(
    fake: FakeDiscord, world: World, bot: DeskbreakClient, store: Store,
    services: DiscordServices, clock: FakeClock,
) -> None:
    """When the schedule falls due, one tick posts the nudge with its persistent buttons."""
    await add_schedule(fake, world, store)
    clock.advance(timedelta(hours=2, minutes=1))  # Monday 10:01 UTC
    assert services.scheduling is not None
    report = await services.scheduling.service.tick()
    assert report.sent == 1
    (posted,) = fake.messages[world.general.channel_id]
    assert "done" in components(posted)


async def test_reminder_tick_sends_dms_through_one_cached_channel(
    fake: FakeDiscord, world: World, bot: DeskbreakClient, store: Store,
    services: DiscordServices, clock: FakeClock,
) -> None:
    """/remind on, then two due ticks: two DMs, one DM-channel creation."""
    await run(fake, world.member, world.general, "remind", "on", p.option("every", "30"))
    assert services.scheduling is not None
    for _ in range(2):
        await advance_to_reminder(store, clock, world.member.user_id)
        assert (await services.scheduling.service.tick()).sent == 1
    dm = fake.dm_channel_of(world.member.user_id)
    assert dm is not None
    assert len(fake.messages[dm.channel_id]) == 2
    assert fake.dm_creates == [world.member.user_id]


async def test_reminder_to_closed_dms_is_disabled(
    fake: FakeDiscord, world: World, bot: DeskbreakClient, store: Store,
    services: DiscordServices, clock: FakeClock,
) -> None:
    """A 403 50007 on the DM disables the reminder instead of retrying forever."""
    await run(fake, world.member, world.general, "remind", "on", p.option("every", "30"))
    fake.fail_channel(fake.add_channel_dm(world.member).channel_id, 403, 50007)
    await advance_to_reminder(store, clock, world.member.user_id)
    assert services.scheduling is not None
    report = await services.scheduling.service.tick()
    assert report.sent == 0
    reminder = await store.get_reminder("discord", "@me", world.member.user_id)
    assert reminder is not None and not reminder.enabled


async def test_config_commands_change_the_workspace(
    fake: FakeDiscord, world: World, bot: DeskbreakClient, store: Store
) -> None:
    """/config timezone, quiet and skip update the server's settings."""
    await run(fake, world.admin, world.general, "config", "timezone",
              p.option("tz", "Europe/Berlin"))
    await run(fake, world.admin, world.general, "config", "quiet",
              p.option("start", "12:00"), p.option("end", "13:00"))
    await run(fake, world.admin, world.general, "config", "skip", p.option("date", "2027-12-24"))
    ws = await store.get_workspace("discord", world.guild.guild_id)
    assert ws.timezone == "Europe/Berlin"
    assert (ws.quiet_start, ws.quiet_end) == ("12:00", "13:00")
    assert "2027-12-24" in [str(d) for d in ws.skip_dates]


async def test_timezone_autocomplete_sends_the_exact_choices(
    fake: FakeDiscord, world: World, bot: DeskbreakClient, services: DiscordServices
) -> None:
    """The tz option's autocomplete offers SchedulingCommands.timezone_choices, name = value."""
    payload = fake.autocomplete(world.member, world.general, "remind", [
        p.subcommand("timezone", [p.option("tz", "berl", focused=True)])
    ])
    cb = await fake.interact(payload)
    assert services.scheduling is not None
    zones = services.scheduling.timezone_choices("berl", limit=25)
    assert zones
    assert cb.body == {"type": 8,
                       "data": {"choices": [{"name": z, "value": z} for z in zones]}}


async def test_remind_commands_are_private_and_personal(
    fake: FakeDiscord, world: World, bot: DeskbreakClient, store: Store, clock: FakeClock
) -> None:
    """/remind status, timezone, snooze, pause and off answer privately and change the person."""
    await run(fake, world.member, world.general, "remind", "on")
    expected = {"timezone": "Asia/Tokyo", "snoozed_until": clock.now() + timedelta(minutes=20),
                "paused_until": None}
    for sub, options in (("status", []), ("timezone", [p.option("tz", "Asia/Tokyo")]),
                         ("snooze", [p.option("minutes", "20")])):
        cb = await run(fake, world.member, world.general, "remind", sub, *options)
        assert cb.data["flags"] == EPHEMERAL, sub
    reminder = await store.get_reminder("discord", "@me", world.member.user_id)
    assert reminder is not None
    assert {k: getattr(reminder, k) for k in expected} == expected
    cb = await run(fake, world.member, world.general, "remind", "pause",
                   p.option("until", "2027-03-05"))
    assert cb.data["flags"] == EPHEMERAL
    reminder = await store.get_reminder("discord", "@me", world.member.user_id)
    assert reminder is not None and reminder.paused_until is not None
    await run(fake, world.member, world.general, "remind", "off")
    reminder = await store.get_reminder("discord", "@me", world.member.user_id)
    assert reminder is None or not reminder.enabled
