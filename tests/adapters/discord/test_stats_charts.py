"""/mystats and /teamstats on Discord, end to end: the real discord.py client answers
privately with the chart uploaded as multipart and shown by the embed."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import Any

from bot.adapters.discord.services import DiscordServices
from bot.core.clock import FakeClock
from bot.core.events import BreakEvent, EventKind
from bot.core.ports import Platform
from bot.scheduling.stats import StatsCommands
from bot.storage import Store
from bot.storage.stats import StatsEvents
from tests.adapters.discord.conftest import StartBot, World
from tests.fakes.discord import FakeDiscord
from tests.fakes.discord import payloads as p
from tests.fakes.discord.uploads import Upload

EPHEMERAL = 64


def with_stats(services: DiscordServices, store: Store, clock: FakeClock) -> DiscordServices:
    assert services.scheduling is not None
    services.scheduling.stats = StatsCommands(store, StatsEvents(store), clock)
    return replace(services)


def assert_chart(upload: Upload, name: str) -> None:
    """A whole PNG the size the chart is drawn at (800 x 400), of a sensible weight."""
    assert upload.filename == name and upload.is_png
    assert upload.png_size() == (800, 400)
    assert 10_000 < len(upload.data) < 300_000, len(upload.data)
    assert upload.description and "breaks" in upload.description.lower()


async def answer(fake: FakeDiscord, payload: dict[str, Any]
                 ) -> tuple[dict[str, Any], list[Upload], bool]:
    """The answer at once (type 4), or the deferral's @original edit; and whether it is
    private (a deferral's visibility is the answer's)."""
    cb = await fake.interact(payload)
    private = bool(int(cb.data.get("flags") or 0) & EPHEMERAL)
    if cb.type == 4:
        return cb.data, list(cb.uploads), private
    edit = await fake.next_followup(payload["token"])
    return edit, list(edit["uploads"]), private


async def test_mystats_answers_privately_with_the_chart_attached(
    fake: FakeDiscord, world: World, start_bot: StartBot, services: DiscordServices,
    store: Store, clock: FakeClock,
) -> None:
    """A person with breaks recorded (under Discord's "@me") gets the summary privately and
    the PNG as a multipart upload the embed shows as its image."""
    events = StatsEvents(store)
    await events.record_many([
        BreakEvent(EventKind.DONE, Platform.DISCORD, "@me", world.member.user_id,
                   clock.now() - timedelta(days=d)) for d in range(3)])
    await start_bot(with_stats(services, store, clock))
    data, uploads, private = await answer(fake, fake.slash(
        world.member, world.general, "mystats", [p.option("period", "month")]))
    assert private
    (embed,) = data["embeds"]
    assert embed["title"] == "Your stats: last month"
    assert embed["image"]["url"] == "attachment://mystats-month.png"
    (upload,) = uploads
    assert_chart(upload, "mystats-month.png")


async def test_teamstats_chart_for_an_admin_and_a_refusal_for_a_member(
    fake: FakeDiscord, world: World, start_bot: StartBot, services: DiscordServices,
    store: Store, clock: FakeClock,
) -> None:
    """The admin's /teamstats carries the team chart; a member is refused with no upload."""
    guild = str(world.guild.guild_id)
    await StatsEvents(store).record_many([
        BreakEvent(EventKind.DONE, Platform.DISCORD, guild, f"user{i}", clock.now())
        for i in range(4)])
    await start_bot(with_stats(services, store, clock))
    data, uploads, private = await answer(
        fake, fake.slash(world.admin, world.general, "teamstats", []))
    assert private
    assert data["embeds"][0]["image"]["url"] == "attachment://teamstats-week.png"
    (upload,) = uploads
    assert_chart(upload, "teamstats-week.png")
    refused, none, _ = await answer(
        fake, fake.slash(world.member, world.general, "teamstats", []))
    assert refused["embeds"][0]["title"] == "Admins only" and none == []
