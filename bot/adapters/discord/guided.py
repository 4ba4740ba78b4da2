"""Guided stretches on Discord: one message, edited through the interaction's token.

The hold itself is a relative timestamp (``<t:UNIX:R>``) that every reader's client counts
down with no edit at all, so the message changes only at the changes (next step, switch
sides, finish), at most every 2 s (the runner's rule). Those edits go through the
interaction's webhook, which Discord does not count toward the bot's global 50 requests/s;
they still wait on the bot's one global :class:`Pacer`, so 200 guided stretches at once can
never crowd out (or push over the limit) the bot's other REST calls. The token lives
15 minutes, and no routine runs longer than 14 (the content schema's limit).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import datetime
from typing import Any

import discord

from bot.adapters.discord.pacer import Pacer
from bot.adapters.discord.render import send_kwargs
from bot.core.guided.session import LiveMessage
from bot.core.messages import Message


def countdown(until: datetime, left: int) -> str:
    """Discord draws ``<t:…:R>`` as "in 20 seconds" and counts it down by itself."""
    return f"ends <t:{int(until.timestamp())}:R>"


class InteractionSurface:
    """The message an interaction answered with (its ``@original``), edited paced."""

    def __init__(self, interaction: discord.Interaction[Any], pacer: Pacer | None) -> None:
        self.interaction = interaction
        self.pacer = pacer

    async def show(self, draw: Callable[[], Message]) -> None:
        if self.pacer is None:
            await self._edit(draw())
            return
        async with self.pacer:
            await self._edit(draw())

    async def _edit(self, message: Message) -> None:
        await self.interaction.edit_original_response(**send_kwargs(message))


def pacer_of(client: discord.Client) -> Pacer | None:
    """The bot's global pacer (installed on its HTTP client by the notifier)."""
    pacer = getattr(client.http, "deskbreak_pacer", None)
    return pacer if isinstance(pacer, Pacer) else None


def in_place(interaction: discord.Interaction[Any]) -> bool:
    """Whether a click's run should take over the clicked message: only the clicker's own
    (a private reply or a DM). On a channel post it arrives as a private reply instead."""
    message = interaction.message
    if interaction.type is not discord.InteractionType.component or message is None:
        return False
    return interaction.guild_id is None or message.flags.ephemeral


Reply = Callable[[discord.Interaction[Any], Message], Awaitable[None]]


async def start(interaction: discord.Interaction[Any], live: LiveMessage, reply: Reply) -> None:
    """Post the run's opening frame as this interaction's answer (``reply`` when it is not
    the clicker's own message to take over), then run the rest."""
    session = live.session
    assert session is not None
    first = replace(session.opening(countdown), ephemeral=live.ephemeral)
    # Registered before the post (its first edit is a whole beat away), so a Stop pressed
    # the moment the message appears finds it.
    run = session.begin(InteractionSurface(interaction, pacer_of(interaction.client)))
    try:
        if in_place(interaction) and not interaction.response.is_done():
            await interaction.response.edit_message(**send_kwargs(first))
        else:
            await reply(interaction, first)
    except BaseException:
        await run.stop()
        raise
