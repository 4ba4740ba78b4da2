"""What the persistent buttons do: "Show me a stretch", "Done", "Snooze", catalogue paging.

The components themselves (``buttons.py``) are registered as dynamic items so clicks on
messages sent before a restart still arrive here.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import discord

from bot.adapters.discord.buttons import DYNAMIC_ITEMS
from bot.adapters.discord.respond import actor_of, answer, apologise, reply, update
from bot.adapters.discord.services import DiscordServices
from bot.adapters.discord.stretch import target_key
from bot.adapters.discord.tree import cooled_down
from bot.core.messages import Message, error


def _private(message: Message) -> Message:
    """Button answers go only to the person who clicked, never to the whole channel."""
    return replace(message, ephemeral=True)


class ButtonActions:
    def __init__(self, services: DiscordServices) -> None:
        self.services = services

    async def __call__(self, interaction: discord.Interaction[Any], action: str) -> None:
        refusal = cooled_down(interaction)
        if refusal is not None:
            await reply(interaction, refusal)
            return
        try:
            await self._dispatch(interaction, action)
        except Exception as exc:  # every failure gets an apology and a logged traceback
            await apologise(interaction, exc)

    async def _dispatch(self, interaction: discord.Interaction[Any], action: str) -> None:
        content = self.services.content
        name, _, rest = action.partition(":")
        if name == "page":
            area, where, page = rest.split(":")
            message = content.stretches(
                None if area == "*" else area, None if where == "*" else where, int(page)
            )
            await update(interaction, message)
        elif name == "show_stretch" and rest:
            await reply(interaction, _private(content.stretch(rest)))
        elif name == "show_stretch":
            key = target_key(interaction)
            await answer(interaction, lambda: self._private_break(key))
        elif name in ("done", "snooze"):
            await answer(interaction, lambda: self._scheduling_button(interaction, action))
        else:
            await reply(interaction, error("That button is no longer supported."))

    async def _private_break(self, key: str) -> Message:
        return _private(await self.services.content.break_message(key))

    async def _scheduling_button(
        self, interaction: discord.Interaction[Any], action: str
    ) -> Message:
        scheduling = self.services.scheduling
        if scheduling is None:
            return error("Reminders are not enabled on this bot.")
        return _private(await scheduling.button(actor_of(interaction, personal=True), action))


def register(client: discord.Client, services: DiscordServices) -> None:
    client.button_handler = ButtonActions(services)  # type: ignore[attr-defined]
    client.add_dynamic_items(*DYNAMIC_ITEMS)
