"""/stretch /stretches /tip /break /redflags /about: content answers, no admin rights needed."""

from __future__ import annotations

from typing import Any

import discord
from discord import app_commands

from bot.adapters.discord.respond import actor_of, answer, reply
from bot.adapters.discord.services import DiscordServices

AUTOCOMPLETE_LIMIT = 25
CHOICE_LIMIT = 100  # Discord's limit for a choice's name and value


def target_key(interaction: discord.Interaction[Any]) -> str:
    """Rotation key: per channel, so a channel doesn't see the same tip twice in a row."""
    actor = actor_of(interaction)
    return f"discord:{actor.workspace_id}:channel:{interaction.channel_id}"


def register(tree: app_commands.CommandTree[Any], services: DiscordServices) -> None:
    content = services.content

    @app_commands.command(name="stretch", description="Step-by-step instructions for a stretch")
    @app_commands.describe(name="Which stretch (start typing for suggestions)")
    async def stretch(interaction: discord.Interaction[Any], name: str) -> None:
        await reply(interaction, content.stretch(name))

    @stretch.autocomplete("name")
    async def stretch_autocomplete(
        interaction: discord.Interaction[Any], current: str
    ) -> list[app_commands.Choice[str]]:
        return [
            app_commands.Choice(name=c.label[:CHOICE_LIMIT], value=c.value[:CHOICE_LIMIT])
            for c in content.autocomplete(current, limit=AUTOCOMPLETE_LIMIT)
        ]

    area_choices = [app_commands.Choice(name=a.replace("-", " "), value=a)
                    for a in content.areas()][:25]
    where_choices = [app_commands.Choice(name=w, value=w) for w in content.wheres()][:25]

    @app_commands.command(name="stretches", description="Browse stretches by body area and place")
    @app_commands.describe(area="Body area", where="Where you can do it")
    @app_commands.choices(area=area_choices, where=where_choices)
    async def stretches(
        interaction: discord.Interaction[Any],
        area: app_commands.Choice[str] | None = None,
        where: app_commands.Choice[str] | None = None,
    ) -> None:
        message = content.stretches(area.value if area else None, where.value if where else None)
        await reply(interaction, message)

    @app_commands.command(name="tip", description="A desk-ergonomics tip")
    async def tip(interaction: discord.Interaction[Any]) -> None:
        await answer(interaction, lambda: content.tip(target_key(interaction)), public=True)

    @app_commands.command(name="break", description="Take a short break now, with a desk stretch")
    async def break_(interaction: discord.Interaction[Any]) -> None:
        await answer(interaction, lambda: content.break_message(target_key(interaction)),
                     public=True)

    @app_commands.command(name="redflags", description="Signs to stop and see a professional")
    async def redflags(interaction: discord.Interaction[Any]) -> None:
        await reply(interaction, content.redflags())

    @app_commands.command(name="about", description="What this bot does and where its advice ends")
    async def about(interaction: discord.Interaction[Any]) -> None:
        await reply(interaction, content.about())

    tree.add_command(stretch)
    tree.add_command(stretches)
    tree.add_command(tip)
    tree.add_command(break_)
    tree.add_command(redflags)
    tree.add_command(about)
