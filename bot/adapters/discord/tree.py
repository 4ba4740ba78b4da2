"""The command tree, with one error handler for every slash command and autocomplete."""

from __future__ import annotations

import logging
from typing import Any

import discord
from discord import app_commands

from bot.adapters.discord.respond import apologise

log = logging.getLogger(__name__)


class DeskbreakTree(app_commands.CommandTree[Any]):
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
