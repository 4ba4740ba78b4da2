"""Persistent button components: the custom id *is* the neutral action, matched by regex.

Because the class is a :class:`discord.ui.DynamicItem` registered with
``client.add_dynamic_items``, a click is routed by its custom id alone: a button on a nudge
sent yesterday still works after the bot restarted, with no view kept in memory per message.
It only parses; what a click does lives in ``views.py`` (reached through the client)
so this module never imports the services.
"""

from __future__ import annotations

import re
from typing import Any, Protocol

import discord

from bot.core import actions
from bot.core.messages import Button, ButtonStyle

_STYLES = {
    ButtonStyle.PRIMARY: discord.ButtonStyle.primary,
    ButtonStyle.SECONDARY: discord.ButtonStyle.secondary,
    ButtonStyle.SUCCESS: discord.ButtonStyle.success,
    ButtonStyle.DANGER: discord.ButtonStyle.danger,
}


_Item = discord.ui.DynamicItem[discord.ui.Button[Any]]


class ButtonHandler(Protocol):
    async def __call__(self, interaction: discord.Interaction[Any], action: str) -> None: ...


# Every action bot/core/actions.py knows, and nothing else.
ACTION_TEMPLATE = actions.pattern()


class ActionButton(_Item, template=ACTION_TEMPLATE):
    """Every deskbreak button: keeps the action and forwards clicks to the client's handler."""

    def __init__(
        self, action: str, label: str = "", style: ButtonStyle = ButtonStyle.SECONDARY
    ) -> None:
        super().__init__(
            discord.ui.Button(label=label or action, style=_STYLES[style], custom_id=action)
        )
        self.action = action

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction[Any],
        item: discord.ui.Item[Any],
        match: re.Match[str],
        /,
    ) -> ActionButton:
        label = item.label if isinstance(item, discord.ui.Button) else None
        return cls(match.string, label or "")

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        handler: ButtonHandler = interaction.client.button_handler  # type: ignore[attr-defined]
        await handler(interaction, self.action)


DYNAMIC_ITEMS: tuple[type[discord.ui.DynamicItem[Any]], ...] = (ActionButton,)


def item_for(button: Button) -> ActionButton:
    """The persistent component for a neutral button; an unknown action is a programming error."""
    if not ActionButton.__discord_ui_compiled_template__.fullmatch(button.action):
        raise ValueError(f"no persistent button matches action {button.action!r}")
    return ActionButton(button.action, button.label, button.style)
