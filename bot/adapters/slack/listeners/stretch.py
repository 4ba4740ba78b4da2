"""``/stretch <name>``: one stretch card, or suggestions when the name is unknown."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.respond.async_respond import AsyncRespond

from bot.adapters.slack.listeners.common import run
from bot.adapters.slack.services import Services
from bot.core.messages import Message

COMMAND = "/stretch"


def register(app: AsyncApp, services: Services) -> str:
    async def handle(ack: AsyncAck, command: dict[str, Any], respond: AsyncRespond) -> None:
        await ack()

        async def produce() -> Message:
            query = (command.get("text") or "").strip()
            if not query:
                return services.content.stretches(None, None)
            return services.content.stretch(query)

        await run(respond, produce, COMMAND)

    app.command(COMMAND)(handle)
    return COMMAND
