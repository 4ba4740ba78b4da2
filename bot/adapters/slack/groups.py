"""Group breaks on Slack: the card in the channel, the start as a thread reply under it.

The start mentions exactly the people who joined, as ``<@U…>`` in the fallback text (what
notifies) and in a first block; everything else the bot writes is escaped by the renderer,
so no ``<!channel>``/``<!here>`` or other mention can come from text. Ids are checked to look
like Slack user ids before they are written into mrkdwn.

Posts wait their turn per channel (about one a second, Slack's chat.postMessage pace); the
shared guided message is edited with chat.update, which the guided engine keeps at least
2 s apart, and its holds are redrawn every :data:`REFRESH_SECONDS` (Slack has no countdown
that counts by itself).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.adapters.slack import errors
from bot.adapters.slack.pacer import ChannelPacer
from bot.adapters.slack.render import to_payload
from bot.core.groupbreak import GroupRefused, Posted
from bot.core.guided.frames import plain_countdown
from bot.core.messages import Message
from bot.core.ports import Platform

USER_ID = re.compile(r"^[UW][A-Z0-9]{2,20}$")
REFRESH_SECONDS = 5.0


def mentioning(user_ids: Sequence[str]) -> str:
    """``<@U1> <@U2>``: exactly these people (anything not shaped like a user id is left out)."""
    return " ".join(f"<@{u}>" for u in user_ids if USER_ID.match(u))


class SlackGroupChannel:
    platform = Platform.SLACK
    refresh: float | None = REFRESH_SECONDS

    def __init__(self, client: AsyncWebClient, pacer: ChannelPacer) -> None:
        self.client = client
        self.pacer = pacer

    @staticmethod
    def countdown(until: datetime, left: int) -> str:
        return plain_countdown(until, left)

    async def post_card(self, workspace_id: str, channel_id: str, message: Message) -> Posted:
        if channel_id.startswith("D"):
            raise GroupRefused("A group break needs a channel: run /groupbreak in the channel "
                               "where people should join.")
        try:
            ts = await self._post(channel_id, to_payload(message))
        except SlackApiError as exc:
            raise GroupRefused(errors.channel_reason(errors.api_error(exc))) from exc
        return Posted(channel_id, ts)

    async def start(self, card: Posted, message: Message, mentions: Sequence[str],
                    thread_name: str, nonce: str) -> Posted:
        payload = to_payload(message)
        people = mentioning(mentions)
        if people:
            payload["text"] = f"{people} {payload['text']}"
            payload["blocks"] = [{"type": "section", "text": {"type": "mrkdwn", "text": people}},
                                 *payload["blocks"]]
        thread = card.message_id or None
        ts = await self._post(card.channel_id, payload, thread)
        return Posted(card.channel_id, ts, thread=thread)

    async def post(self, where: Posted, message: Message) -> Posted:
        ts = await self._post(where.channel_id, to_payload(message), where.thread)
        return Posted(where.channel_id, ts, thread=where.thread)

    async def edit(self, where: Posted, message: Message) -> None:
        await self.client.chat_update(channel=where.channel_id, ts=where.message_id,
                                      **to_payload(message))

    async def show(self, where: Posted, draw: Callable[[], Message]) -> None:
        await self.edit(where, draw())

    async def _post(self, channel: str, payload: dict[str, Any],
                    thread: str | None = None) -> str:
        async with self.pacer.turn(channel):
            response = await self.client.chat_postMessage(
                channel=channel, text=payload["text"], blocks=payload["blocks"],
                thread_ts=thread)
        return str(response["ts"])
