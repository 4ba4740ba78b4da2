"""/config timezone|quiet|skip: server-wide settings, for server admins."""

from __future__ import annotations

from typing import Any

import discord
from discord import app_commands

from bot.adapters.discord.admin import AdminGroup, timezone_autocomplete
from bot.adapters.discord.respond import actor_of, answer
from bot.adapters.discord.services import DiscordServices


def register(tree: app_commands.CommandTree[Any], services: DiscordServices) -> None:
    scheduling = services.scheduling
    if scheduling is None:
        return
    group = AdminGroup(name="config", description="Server settings for nudges")

    @group.command(name="timezone", description="The server's default timezone")
    @app_commands.describe(tz="IANA zone, e.g. America/New_York")
    @app_commands.autocomplete(tz=timezone_autocomplete(services))
    async def timezone(interaction: discord.Interaction[Any], tz: str) -> None:
        await answer(interaction, lambda: scheduling.config_timezone(actor_of(interaction), tz))

    @group.command(name="quiet", description="Quiet hours with no nudges ('off' clears)")
    @app_commands.describe(start="HH:MM or 'off'", end="HH:MM")
    async def quiet(interaction: discord.Interaction[Any], start: str, end: str | None = None
                    ) -> None:
        await answer(interaction, lambda: scheduling.config_quiet(
            actor_of(interaction), start, end))

    @group.command(name="skip", description="Skip a date (holiday), or un-skip it")
    @app_commands.describe(date="YYYY-MM-DD", remove="Un-skip the date instead")
    async def skip(interaction: discord.Interaction[Any], date: str, remove: bool = False) -> None:
        await answer(interaction, lambda: scheduling.config_skip(
            actor_of(interaction), date, remove=remove))

    tree.add_command(group)
