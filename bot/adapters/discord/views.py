"""What a click on a persistent button does: the command table's button entry answers it.

The components themselves (``buttons.py``) are registered as dynamic items, so clicks on
messages sent before a restart still arrive here. Answers go privately to the clicker, except
where the entry says the answer replaces the clicked message (list pages).
"""

from __future__ import annotations

from typing import Any

import discord

from bot.adapters.discord.buttons import DYNAMIC_ITEMS
from bot.adapters.discord.respond import (
    actor_of,
    answer,
    apologise,
    place_of,
    reply,
    update,
)
from bot.adapters.discord.services import DiscordServices
from bot.adapters.discord.tree import cooled_down
from bot.commands.buttons import button_call, button_for, unknown_button
from bot.commands.run import invoke
from bot.core.messages import Message, MessageKind
from bot.core.pending import Slow


class ButtonActions:
    async def __call__(self, interaction: discord.Interaction[Any], action: str) -> None:
        refusal = cooled_down(interaction)
        if refusal is not None:
            await reply(interaction, refusal)
            return
        try:
            await self._press(interaction, action)
        except Exception as exc:  # every failure gets an apology and a logged traceback
            await apologise(interaction, exc)

    async def _press(self, interaction: discord.Interaction[Any], action: str) -> None:
        found = button_for(action)
        if found is None:
            await reply(interaction, unknown_button())
            return
        spec, parsed = found
        services: DiscordServices = interaction.client.services  # type: ignore[attr-defined]
        actor = actor_of(interaction, personal=spec.command.personal)
        call = button_call(spec, parsed, action, actor, place_of(interaction), services.facades)
        result = invoke(call)
        if spec.replaces:
            message = result if isinstance(result, Message) else await result
            if message.kind is MessageKind.ERROR:  # an error never replaces what was clicked
                await reply(interaction, message)
            else:
                await update(interaction, message)
        elif isinstance(result, Message):
            await reply(interaction, result)
        else:
            pending = result
            await answer(interaction, lambda: pending, slow=isinstance(pending, Slow))


def register(client: discord.Client) -> None:
    client.button_handler = ButtonActions()  # type: ignore[attr-defined]
    client.add_dynamic_items(*DYNAMIC_ITEMS)
