"""Printing to the terminal, shared by answers and scheduled nudges.

Nudges arrive while the REPL waits for input; :class:`ConsoleOutput` prints them on their own
lines and redraws the prompt, so a person typing is not left with a garbled line.
"""

from __future__ import annotations

from typing import TextIO

from bot.core.messages import Message
from bot.core.ports import Delivery, DeliveryResult, DeliveryStatus, Platform

PROMPT = "deskbreak> "


class ConsoleOutput:
    def __init__(self, stream: TextIO, *, interactive: bool) -> None:
        self._stream = stream
        self.interactive = interactive
        self._waiting = False  # a prompt is on screen, waiting for input

    def prompt(self) -> None:
        if self.interactive:
            self._stream.write(PROMPT)
            self._stream.flush()
            self._waiting = True

    def show(self, message: Message) -> None:
        self.write(message.plain_text())

    def write(self, text: str) -> None:
        """Print ``text`` as a block; if a prompt was showing, put it back afterwards."""
        was_waiting = self._waiting
        if was_waiting:
            self._stream.write("\n")
        self._stream.write(text.rstrip("\n") + "\n\n")
        self._stream.flush()
        self._waiting = False
        if was_waiting:
            self.prompt()

    def input_received(self) -> None:
        self._waiting = False


class ConsoleNotifier:
    """The console's Notifier: every delivery is printed; nothing is ever refused."""

    platform = Platform.CONSOLE
    dedupes_resends = False

    def __init__(self, output: ConsoleOutput) -> None:
        self._output = output

    async def deliver(self, delivery: Delivery, message: Message) -> DeliveryResult:
        self._output.write(f"[{delivery.source} -> {delivery.target.id}]\n{message.plain_text()}")
        return DeliveryResult(DeliveryStatus.SENT)

    async def notify_admin(
        self, workspace_id: str, channel_id: str | None, message: Message
    ) -> None:
        self._output.write(f"[admin notice]\n{message.plain_text()}")

    async def check_channel(self, workspace_id: str, channel_id: str) -> str | None:
        return None
