"""/remind on|off|status|timezone|snooze|pause: a person's own break reminders, sent by DM."""

from __future__ import annotations

from typing import Any

import discord
from discord import app_commands

from bot.adapters.discord.admin import timezone_autocomplete
from bot.adapters.discord.respond import actor_of, answer
from bot.adapters.discord.services import DiscordServices
from bot.core.messages import Message, MessageKind
from bot.core.ports import Actor


def me(interaction: discord.Interaction[Any]) -> Actor:
    """Reminders belong to the person (one DM channel), whichever server they typed in."""
    return actor_of(interaction, personal=True)


def register(tree: app_commands.CommandTree[Any], services: DiscordServices) -> None:
    scheduling = services.scheduling
    if scheduling is None:
        return
    group = app_commands.Group(name="remind", description="Your own break reminders, by DM")

    @group.command(name="on", description="Turn on break reminders")
    @app_commands.describe(every="Minutes between reminders, e.g. 50", start="From HH:MM",
                           end="Until HH:MM", days="Days, e.g. mon-fri")
    async def on(interaction: discord.Interaction[Any], every: str | None = None,
                 start: str | None = None, end: str | None = None, days: str | None = None
                 ) -> None:
        async def work() -> Message:
            message = await scheduling.remind_on(
                me(interaction), every=every, start=start, end=end, days=days)
            if message.kind is not MessageKind.ERROR and services.prepare_dm is not None:
                # context 1 (BOT_DM): typed in the bot's own DM, so this channel is the one.
                in_bot_dm = bool(getattr(interaction.context, "dm_channel", False))
                services.prepare_dm(str(interaction.user.id),
                                    interaction.channel_id if in_bot_dm else None)
            return message

        await answer(interaction, work)

    @group.command(name="off", description="Turn off your reminders")
    async def off(interaction: discord.Interaction[Any]) -> None:
        await answer(interaction, lambda: scheduling.remind_off(me(interaction)))

    @group.command(name="status", description="Your reminder settings and next reminder")
    async def status(interaction: discord.Interaction[Any]) -> None:
        await answer(interaction, lambda: scheduling.remind_status(me(interaction)))

    @group.command(name="timezone", description="Your timezone for reminders")
    @app_commands.describe(tz="IANA zone, e.g. Asia/Tokyo")
    @app_commands.autocomplete(tz=timezone_autocomplete(services))
    async def timezone(interaction: discord.Interaction[Any], tz: str) -> None:
        await answer(interaction, lambda: scheduling.remind_timezone(me(interaction), tz))

    @group.command(name="snooze", description="Skip reminders for a while")
    @app_commands.describe(minutes="How long, e.g. 30")
    async def snooze(interaction: discord.Interaction[Any], minutes: str) -> None:
        await answer(interaction, lambda: scheduling.remind_snooze(me(interaction), minutes))

    @group.command(name="pause", description="Pause reminders until a date or time")
    @app_commands.describe(until="YYYY-MM-DD or HH:MM")
    async def pause(interaction: discord.Interaction[Any], until: str) -> None:
        await answer(interaction, lambda: scheduling.remind_pause(me(interaction), until))

    tree.add_command(group)
