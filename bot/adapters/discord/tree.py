"""The command tree, with one error handler for every slash command and autocomplete."""

from __future__ import annotations

import logging
from typing import Any

import discord
from discord import app_commands

from bot.adapters.discord.respond import apologise, reply
from bot.core.messages import Message

log = logging.getLogger(__name__)


def cooled_down(interaction: discord.Interaction[Any]) -> Message | None:
    """The "slow down" answer if this person has used up their burst, else None."""
    services = getattr(interaction.client, "services", None)
    cooldown = getattr(services, "cooldown", None)
    if cooldown is None:
        return None
    refusal: Message | None = cooldown.check(f"discord:{interaction.user.id}")
    return refusal


class DeskbreakTree(app_commands.CommandTree[Any]):
    async def interaction_check(self, interaction: discord.Interaction[Any], /) -> bool:
        """The per-person cooldown; autocomplete is never throttled (it is every keystroke)."""
        if interaction.type is discord.InteractionType.autocomplete:
            return True  # admin commands' completers answer members with no choices
        refusal = cooled_down(interaction)
        if refusal is None:
            return True
        await reply(interaction, refusal)
        return False

    async def on_error(
        self, interaction: discord.Interaction[Any], error: app_commands.AppCommandError
    ) -> None:
        if isinstance(error, app_commands.CheckFailure) and interaction.response.is_done():
            return  # the check already answered (e.g. the admin refusal)
        original = error.original if isinstance(error, app_commands.CommandInvokeError) else error
        if interaction.type is discord.InteractionType.autocomplete:
            # An autocomplete cannot show an error; answer with no choices and log it.
            log.error("autocomplete failed", exc_info=original)
            if not interaction.response.is_done():
                await interaction.response.autocomplete([])
            return
        await apologise(interaction, original)
