"""/schedule add|list|preview|pause|resume|remove|test: channel nudges, for server admins."""

from __future__ import annotations

from typing import Any

import discord
from discord import app_commands

from bot.adapters.discord.admin import AdminGroup, timezone_autocomplete
from bot.adapters.discord.respond import actor_of, answer
from bot.adapters.discord.services import DiscordServices

KINDS = [app_commands.Choice(name="break reminder", value="break"),
         app_commands.Choice(name="ergonomics tip", value="tip")]


def register(tree: app_commands.CommandTree[Any], services: DiscordServices) -> None:
    scheduling = services.scheduling
    if scheduling is None:
        return
    group = AdminGroup(name="schedule", description="Post break nudges or tips in a channel")

    @group.command(name="add", description="Add a schedule (cron, or every N minutes in hours)")
    @app_commands.describe(
        channel="Where to post", kind="What to post",
        cron="Crontab, e.g. '0 10,15 * * 1-5' (local time)",
        every="Every N minutes, e.g. 60 (with start/end)", start="From HH:MM", end="Until HH:MM",
        days="Days, e.g. mon-fri", timezone="IANA zone, e.g. Europe/Berlin (default: server's)",
    )
    @app_commands.choices(kind=KINDS)
    @app_commands.autocomplete(timezone=timezone_autocomplete(services))
    async def add(
        interaction: discord.Interaction[Any],
        channel: discord.TextChannel,
        kind: app_commands.Choice[str],
        cron: str | None = None,
        every: str | None = None,
        start: str | None = None,
        end: str | None = None,
        days: str | None = None,
        timezone: str | None = None,
    ) -> None:
        await answer(interaction, lambda: scheduling.schedule_add(
            actor_of(interaction), str(channel.id), kind.value, cron=cron, every=every,
            start=start, end=end, days=days, timezone=timezone,
        ))

    @group.command(name="list", description="List this server's schedules")
    async def list_(interaction: discord.Interaction[Any]) -> None:
        await answer(interaction, lambda: scheduling.schedule_list(actor_of(interaction)))

    @group.command(name="preview", description="Show a schedule's next times")
    async def preview(interaction: discord.Interaction[Any], id: int) -> None:
        await answer(interaction, lambda: scheduling.schedule_preview(actor_of(interaction), id))

    @group.command(name="pause", description="Pause a schedule")
    async def pause(interaction: discord.Interaction[Any], id: int) -> None:
        await answer(interaction, lambda: scheduling.schedule_pause(actor_of(interaction), id))

    @group.command(name="resume", description="Resume a paused schedule")
    async def resume(interaction: discord.Interaction[Any], id: int) -> None:
        await answer(interaction, lambda: scheduling.schedule_resume(actor_of(interaction), id))

    @group.command(name="remove", description="Delete a schedule")
    async def remove(interaction: discord.Interaction[Any], id: int) -> None:
        await answer(interaction, lambda: scheduling.schedule_remove(actor_of(interaction), id))

    @group.command(name="test", description="Post one message from a schedule now")
    async def test(interaction: discord.Interaction[Any], id: int) -> None:
        await answer(interaction, lambda: scheduling.schedule_test(actor_of(interaction), id))

    tree.add_command(group)
