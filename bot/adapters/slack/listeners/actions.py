"""Button clicks (Block Kit ``block_actions``): done, snooze, show me a stretch, pagination.

The action ids are the neutral ``Button.action`` strings, so buttons on messages posted before
a restart still resolve. Answers to a click go only to the person who clicked (ephemeral),
except pagination, which replaces the list it was clicked on.
"""

from __future__ import annotations

import dataclasses
import re
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.respond.async_respond import AsyncRespond

from bot.adapters.slack.listeners.common import person_for, run
from bot.adapters.slack.services import Services
from bot.core.messages import Message

NUDGE_ACTIONS = re.compile(r"^(done|snooze:\d{1,4})$")
SHOW_STRETCH = re.compile(r"^show_stretch:(?P<id>[a-z0-9-]{1,64})$")
PAGE = re.compile(r"^page:(?P<area>[^:]+):(?P<where>[^:]+):(?P<page>\d{1,4})$")


def _action_id(body: dict[str, Any]) -> str:
    actions = body.get("actions") or [{}]
    return str(actions[0].get("action_id", ""))


def register(app: AsyncApp, services: Services) -> None:
    async def nudge(ack: AsyncAck, body: dict[str, Any], respond: AsyncRespond) -> None:
        await ack()

        async def produce() -> Message:
            actor = person_for(body)
            return await services.scheduling.button(actor, _action_id(body))

        await run(respond, produce, "nudge button")

    async def show_stretch(ack: AsyncAck, body: dict[str, Any], respond: AsyncRespond) -> None:
        await ack()
        match = SHOW_STRETCH.match(_action_id(body))

        async def produce() -> Message:
            assert match is not None  # guaranteed by the listener's matcher
            card = services.content.stretch(match["id"])
            return dataclasses.replace(card, ephemeral=True)

        await run(respond, produce, "show stretch button")

    async def page(ack: AsyncAck, body: dict[str, Any], respond: AsyncRespond) -> None:
        await ack()
        match = PAGE.match(_action_id(body))

        async def produce() -> Message:
            assert match is not None  # guaranteed by the listener's matcher
            area = None if match["area"] == "*" else match["area"]
            where = None if match["where"] == "*" else match["where"]
            return services.content.stretches(area, where, page=int(match["page"]))

        await run(respond, produce, "page button", replace_original=True)

    app.action(NUDGE_ACTIONS)(nudge)
    app.action(SHOW_STRETCH)(show_stretch)
    app.action(PAGE)(page)
