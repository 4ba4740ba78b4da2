"""Group breaks in the console: one person, so the card, the start and each guided frame are
simply printed like any answer (above the prompt), in order. The card's buttons show as their
typed forms (``/gb done 1``)."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import datetime

from bot.adapters.console.output import ConsoleOutput
from bot.core.groupbreak import Posted
from bot.core.guided.frames import plain_countdown
from bot.core.messages import Message
from bot.core.ports import Platform


class ConsoleGroupChannel:
    platform = Platform.CONSOLE
    refresh: float | None = None  # a printed frame per change; no redraws in between

    def __init__(self, output: ConsoleOutput) -> None:
        self.output = output
        self._ids = itertools.count(1)

    @staticmethod
    def countdown(until: datetime, left: int) -> str:
        return plain_countdown(until, left)

    def _show(self, channel_id: str, message: Message, thread: str | None = None) -> Posted:
        self.output.show(message)
        return Posted(channel_id, str(next(self._ids)), thread=thread)

    async def post_card(self, workspace_id: str, channel_id: str, message: Message) -> Posted:
        return self._show(channel_id, message)

    async def start(self, card: Posted, message: Message, mentions: Sequence[str],
                    thread_name: str, nonce: str) -> Posted:
        # Nobody to ping at a terminal: the person there is the one who joined.
        return self._show(card.channel_id, replace(message, ephemeral=False))

    async def post(self, where: Posted, message: Message) -> Posted:
        return self._show(where.channel_id, message)

    async def edit(self, where: Posted, message: Message) -> None:
        self.output.show(message)

    async def show(self, where: Posted, draw: Callable[[], Message]) -> None:
        self.output.show(draw())
