"""Admin-only command groups: hidden from non-admins by ``default_member_permissions`` and
refused server-side, because a server can override the default visibility for any role.
"""

from __future__ import annotations

from typing import Any

import discord
from discord import app_commands

from bot.adapters.discord.respond import actor_of, reply
from bot.core.messages import error

REFUSAL = "Only people with the Manage Server permission can change this server's schedules."


class AdminGroup(app_commands.Group):
    def __init__(self, *, name: str, description: str) -> None:
        super().__init__(
            name=name,
            description=description,
            guild_only=True,
            allowed_contexts=app_commands.AppCommandContext(guild=True),
            default_permissions=discord.Permissions(manage_guild=True),
        )

    async def interaction_check(self, interaction: discord.Interaction[Any]) -> bool:
        if actor_of(interaction).is_admin:
            return True
        if interaction.type is discord.InteractionType.autocomplete:
            await interaction.response.autocomplete([])
        else:
            await reply(interaction, error(REFUSAL, title="Admins only"))
        return False


def timezone_autocomplete(services: Any) -> Any:
    """An autocomplete callback listing IANA zones that match what was typed."""

    async def complete(
        interaction: discord.Interaction[Any], current: str
    ) -> list[app_commands.Choice[str]]:
        return [app_commands.Choice(name=z, value=z)
                for z in services.scheduling.timezone_choices(current, limit=25)]

    return complete
