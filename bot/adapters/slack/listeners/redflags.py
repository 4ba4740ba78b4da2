"""``/redflags``: when to stop stretching and see a professional."""

from __future__ import annotations

from slack_bolt.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.respond.async_respond import AsyncRespond

from bot.adapters.slack.listeners.common import run
from bot.adapters.slack.services import Services
from bot.core.messages import Message

COMMAND = "/redflags"


def register(app: AsyncApp, services: Services) -> str:
    async def handle(ack: AsyncAck, respond: AsyncRespond) -> None:
        await ack()

        async def produce() -> Message:
            return services.content.redflags()

        await run(respond, produce, COMMAND)

    app.command(COMMAND)(handle)
    return COMMAND
