"""``/stretches [area] [where]``: browse the library; words in any order (``desk upper back``)."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.respond.async_respond import AsyncRespond

from bot.adapters.slack.listeners.common import run
from bot.adapters.slack.parsing import split
from bot.adapters.slack.services import Services
from bot.core.messages import Message

COMMAND = "/stretches"


def register(app: AsyncApp, services: Services) -> str:
    async def handle(ack: AsyncAck, command: dict[str, Any], respond: AsyncRespond) -> None:
        await ack()

        async def produce() -> Message:
            words = [w.lower() for w in split(command.get("text") or "").words]
            wheres = {w.lower() for w in services.content.wheres()}
            where = next((w for w in words if w in wheres), None)
            # "upper back" arrives as two words; the core folds "upper back" to "upper-back".
            area = " ".join(w for w in words if w != where) or None
            return services.content.stretches(area, where)

        await run(respond, produce, COMMAND)

    app.command(COMMAND)(handle)
    return COMMAND
