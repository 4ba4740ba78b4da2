"""The console's Notifier: nudges and admin notices are printed like any answer.

They arrive while the REPL waits for input; ConsoleOutput prints them above the prompt
(see terminal.py), and without internal labels such as the ledger source: the person sees
the nudge and what to type about it, nothing else.
"""

from __future__ import annotations

from bot.adapters.console.output import ConsoleOutput
from bot.core.messages import Message
from bot.core.ports import Delivery, DeliveryResult, DeliveryStatus, Platform


class ConsoleNotifier:
    """Every delivery is printed; nothing is ever refused."""

    platform = Platform.CONSOLE

    def __init__(self, output: ConsoleOutput) -> None:
        self._output = output

    async def deliver(self, delivery: Delivery, message: Message) -> DeliveryResult:
        self._output.show(message)
        return DeliveryResult(DeliveryStatus.SENT)

    async def notify_admin(
        self, workspace_id: str, channel_id: str | None, message: Message
    ) -> None:
        self._output.show(message)

    async def check_channel(self, workspace_id: str, channel_id: str) -> str | None:
        return None
