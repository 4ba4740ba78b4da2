"""Group breaks on Discord: the card, the start in a thread under it, the shared guided message.

The start is the one message deskbreak sends that pings people, and only the people who
joined: their ``<@id>`` mentions go in the message content (mentions inside embeds never
ping) and ``allowed_mentions`` lists exactly those users with ``parse: []``, so no
``@everyone``, ``@here`` or role can ping even if it appeared in the text. Discord caps
``allowed_mentions.users`` at 100 and content at 2,000 characters, so a big group's mentions
are spread over follow-up messages of at most :data:`MENTIONS_PER_MESSAGE` each.

The start goes in a thread made from the card when the bot may make one (Create Public
Threads); when Discord refuses, it goes in the channel. A thread made from a message takes
that message's id, so a second try after a crash (160004 "thread already created") finds it.
Every call goes through the client's HTTP layer and so waits on the bot's global pacer.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any, Literal

import discord

from bot.adapters.discord.render import send_kwargs
from bot.core.groupbreak import GroupRefused, Posted
from bot.core.messages import Message
from bot.core.ports import Platform

log = logging.getLogger(__name__)

THREAD_ALREADY_CREATED = 160004
THREAD_ARCHIVE_MINUTES: Literal[60] = 60
MENTIONS_PER_MESSAGE = 80  # 80 * 23 characters < 2,000; Discord allows 100 users per message


def countdown(until: datetime, left: int) -> str:
    """Discord shows ``<t:…:R>`` as "in 20 seconds" and counts it down in every client."""
    return f"ends <t:{int(until.timestamp())}:R>"


def mentioning(user_ids: Sequence[str]) -> dict[str, Any]:
    """Content and allowed_mentions that ping exactly ``user_ids`` and nothing else."""
    ids = [u for u in user_ids if u.isdigit()]
    return {
        "content": " ".join(f"<@{u}>" for u in ids),
        "allowed_mentions": discord.AllowedMentions(
            everyone=False, roles=False, replied_user=False,
            users=[discord.Object(int(u)) for u in ids]),
    }


class DiscordGroupChannel:
    platform = Platform.DISCORD
    refresh: float | None = None  # the countdown counts itself; edit only at the changes

    def __init__(self, client: discord.Client) -> None:
        self.client = client

    @staticmethod
    def countdown(until: datetime, left: int) -> str:
        return countdown(until, left)

    async def post_card(self, workspace_id: str, channel_id: str, message: Message) -> Posted:
        if not channel_id.isdigit():
            raise GroupRefused("That is not a channel I can post in.")
        try:
            sent = await self.client.get_partial_messageable(int(channel_id)).send(
                **send_kwargs(message))
        except discord.Forbidden as exc:
            raise GroupRefused(
                "I can't post in this channel. Give me View Channel, Send Messages and Embed "
                "Links here (and Create Public Threads for the start), or run /groupbreak "
                "in another channel.") from exc
        except discord.NotFound as exc:
            raise GroupRefused("I can't find this channel. Was it deleted?") from exc
        return Posted(channel_id, str(sent.id))

    async def start(self, card: Posted, message: Message, mentions: Sequence[str],
                    thread_name: str, nonce: str) -> Posted:
        where = await self._thread(card, thread_name)
        channel = self.client.get_partial_messageable(int(where or card.channel_id))
        chunks = [list(mentions[i:i + MENTIONS_PER_MESSAGE])
                  for i in range(0, len(mentions), MENTIONS_PER_MESSAGE)] or [[]]
        kwargs = send_kwargs(message)
        kwargs.update(mentioning(chunks[0]))
        sent = await channel.send(nonce=nonce, **kwargs)
        for n, more in enumerate(chunks[1:], start=1):
            await channel.send(nonce=f"{nonce}m{n}"[:25], **mentioning(more))
        return Posted(str(channel.id), str(sent.id), thread=where)

    async def _thread(self, card: Posted, name: str) -> str | None:
        """The thread under the card (made now), or None to post in the channel."""
        if not card.message_id:
            return None
        try:
            data = await self.client.http.start_thread_with_message(
                int(card.channel_id), int(card.message_id), name=name,
                auto_archive_duration=THREAD_ARCHIVE_MINUTES)
        except discord.HTTPException as exc:
            if exc.code == THREAD_ALREADY_CREATED:
                return card.message_id  # ours, from an earlier try: same id as the card
            log.info("no thread for the group break in %s (%s %s); starting in the channel",
                     card.channel_id, exc.status, exc.code)
            return None
        return str(data["id"])

    async def post(self, where: Posted, message: Message) -> Posted:
        sent = await self.client.get_partial_messageable(int(where.channel_id)).send(
            **send_kwargs(message))
        return Posted(where.channel_id, str(sent.id), thread=where.thread)

    async def edit(self, where: Posted, message: Message) -> None:
        partial = self.client.get_partial_messageable(int(where.channel_id))
        await partial.get_partial_message(int(where.message_id)).edit(**send_kwargs(message))

    async def show(self, where: Posted, draw: Callable[[], Message]) -> None:
        # The client's HTTP layer waits on the global pacer; the frame is drawn just before.
        await self.edit(where, draw())
