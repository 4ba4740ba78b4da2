"""``/tip``: the next desk-ergonomics tip in this channel's rotation."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.respond.async_respond import AsyncRespond

from bot.adapters.slack.listeners.common import channel_target_key, run
from bot.adapters.slack.services import Services
from bot.core.messages import Message

COMMAND = "/tip"


def register(app: AsyncApp, services: Services) -> str:
    async def handle(ack: AsyncAck, command: dict[str, Any], respond: AsyncRespond) -> None:
        await ack()

        async def produce() -> Message:
            return await services.content.tip(channel_target_key(command))

        await run(respond, produce, COMMAND)

    app.command(COMMAND)(handle)
    return COMMAND
