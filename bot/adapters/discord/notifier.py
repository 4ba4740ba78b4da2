"""DiscordNotifier: the scheduler's way out to Discord.

- Sends through ``client.get_partial_messageable(channel_id)``: no cache lookups, no extra
  request, and it works for channels the bot has never seen in this process.
- DM channel ids are created once (``POST /users/@me/channels``) and stored in the kv table,
  so a reminder never costs two requests and discord.py's 128-entry DM cache does not matter
  (:class:`bot.core.dmcache.DmChannelCache`, shared with Slack).
- Every REST call of the client waits on one global :class:`Pacer` (installed on the client's
  HTTP layer here) so a fan-out stays at or under 50 requests/s, counting the bot's other calls.
- ``nonce`` + ``enforce_nonce`` (discord.py adds the latter whenever a nonce is given) make a
  resend after a crash a no-op on Discord's side.
- Refusals become statuses, never exceptions: 403 50007 is closed DMs, other 403s a channel we
  may not post in, 404 a channel that is gone; 429/5xx/network errors are worth a retry.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections.abc import Sequence
from typing import Any

import aiohttp
import discord

from bot.adapters.discord.kv import NAMESPACE, KeyValue
from bot.adapters.discord.pacer import Pacer, pace_requests
from bot.adapters.discord.render import send_kwargs
from bot.core.dmcache import DEFAULT_SIZE, DmChannelCache
from bot.core.messages import Message
from bot.core.ports import (
    Delivery,
    DeliveryResult,
    DeliveryStatus,
    Platform,
    Target,
    TargetKind,
)
from bot.core.retry_after import parse_retry_after

log = logging.getLogger(__name__)

CANNOT_DM = 50007
MISSING_ACCESS = 50001
MISSING_PERMISSIONS = 50013
INVALID_RECIPIENT = 50033  # "Invalid Recipient(s)": e.g. a deleted account's DM
NONCE_LIMIT = 25  # Discord rejects longer nonces
DM_CACHE_SIZE = DEFAULT_SIZE  # ids kept in memory; older ones are read from the kv table


def discord_nonce(nonce: str) -> str:
    """The ledger's nonce if Discord accepts it, else a stable 25-character digest of it."""
    if len(nonce) <= NONCE_LIMIT:
        return nonce
    return hashlib.sha256(nonce.encode()).hexdigest()[:NONCE_LIMIT]


def classify(exc: Exception) -> DeliveryResult:
    """Map a discord.py/network failure to a delivery status."""
    if isinstance(exc, discord.Forbidden):
        if exc.code == CANNOT_DM:
            return DeliveryResult(DeliveryStatus.DM_CLOSED, "the person's DMs are closed")
        return DeliveryResult(DeliveryStatus.FORBIDDEN, f"403 {exc.code}: {exc.text}"[:300])
    if isinstance(exc, discord.NotFound):
        return DeliveryResult(DeliveryStatus.NOT_FOUND, f"404 {exc.code}: {exc.text}"[:300])
    if isinstance(exc, discord.RateLimited):
        return DeliveryResult(DeliveryStatus.RETRY, "rate limited",
                              retry_after=parse_retry_after(exc.retry_after))
    if isinstance(exc, discord.HTTPException):
        if exc.code == INVALID_RECIPIENT:  # opening the DM of someone who cannot get one
            return DeliveryResult(DeliveryStatus.DM_CLOSED, f"400 {exc.code}: {exc.text}"[:300])
        if 400 <= exc.status < 500 and exc.status not in (401, 429):
            # 400 Invalid Form Body and its kind: the same request would be refused again.
            return DeliveryResult(DeliveryStatus.REJECTED,
                                  f"{exc.status} {exc.code}: {exc.text}"[:300])
        retry_after = None
        if exc.status == 429 and exc.response:
            retry_after = parse_retry_after(exc.response.headers.get("Retry-After"))
        return DeliveryResult(DeliveryStatus.RETRY, f"HTTP {exc.status}", retry_after=retry_after)
    return DeliveryResult(DeliveryStatus.RETRY, f"network error: {type(exc).__name__}")


_RETRYABLE = (
    discord.HTTPException, discord.RateLimited, aiohttp.ClientError, OSError, TimeoutError
)


class DiscordNotifier:
    platform = Platform.DISCORD
    dedupes_resends = True  # nonce + enforce_nonce

    def __init__(self, client: discord.Client, kv: KeyValue, pacer: Pacer | None = None) -> None:
        self.client = client
        self.kv = kv
        self.pacer = getattr(client.http, "deskbreak_pacer", None) or pacer or Pacer()
        pace_requests(client.http, self.pacer)
        # user id -> DM channel id: memory, then the kv table (``dm:{user_id}``), then Discord.
        self._dm_channels = DmChannelCache(kv, NAMESPACE, self._open_dm, DM_CACHE_SIZE)
        self._preparing: set[asyncio.Task[None]] = set()

    async def deliver(self, delivery: Delivery, message: Message) -> DeliveryResult:
        target = delivery.target
        try:
            if target.kind is TargetKind.DM:
                channel_id = await self.dm_channel_id(target.id)
            else:
                channel_id = int(target.id)
            channel = self.client.get_partial_messageable(channel_id)
            await channel.send(nonce=discord_nonce(delivery.nonce), **send_kwargs(message))
        except _RETRYABLE as exc:
            result = classify(exc)
            log.info("delivery %s to %s: %s (%s)", delivery.ledger_id, target.key,
                     result.status, result.detail)
            return result
        return DeliveryResult(DeliveryStatus.SENT)

    async def dm_channel_id(self, user_id: str) -> int:
        """The person's DM channel id, created at most once and remembered across restarts.

        One lookup per person at a time: an opt-in's background preparation and a due
        reminder asking together share one ``POST /users/@me/channels``.
        """
        return int(await self._dm_channels.get(user_id))

    async def prepare(self, targets: Sequence[Target]) -> None:
        """The batch's stored DM channel ids in one read (see ``DmChannelCache.warm``)."""
        await self._dm_channels.warm(t.id for t in targets if t.kind is TargetKind.DM)

    async def _open_dm(self, user_id: str) -> str:
        data = await self.client.http.start_private_message(int(user_id))
        return str(data["id"])

    def prepare_dm(self, user_id: str, channel_id: int | None = None) -> None:
        """Learn a person's DM channel when they opt in (``/remind on``), in the background.

        Opting in is the natural moment: it spreads the one ``POST /users/@me/channels`` per
        person over the days people sign up instead of adding it to the minute their first
        reminders fall due together (a cold fan-out needs twice the requests). When the
        command was typed in the bot's DM itself, ``channel_id`` is that channel and no
        request is needed at all. A failure is only logged: the first reminder tries again.
        """
        task = asyncio.ensure_future(self._prepare_dm(user_id, channel_id))
        self._preparing.add(task)
        task.add_done_callback(self._preparing.discard)

    async def _prepare_dm(self, user_id: str, channel_id: int | None) -> None:
        try:
            if channel_id is not None:
                await self._dm_channels.remember(user_id, str(channel_id))
            else:
                await self.dm_channel_id(user_id)
        except _RETRYABLE as exc:
            log.info("could not open the DM channel of %s yet: %s", user_id, classify(exc).detail)

    async def prepared(self) -> None:
        """Wait for the DM preparations under way (tests; a graceful stop)."""
        if self._preparing:
            await asyncio.gather(*self._preparing, return_exceptions=True)

    async def notify_admin(self, workspace_id: str, channel_id: str | None,
                           message: Message) -> None:
        """Post once: to ``channel_id`` if given and it works, else the server's system channel."""
        candidates: list[int] = []
        if channel_id:
            candidates.append(int(channel_id))
        guild = self.client.get_guild(int(workspace_id)) if workspace_id.isdigit() else None
        if guild is not None and guild.system_channel is not None:
            candidates.append(guild.system_channel.id)
        for candidate in dict.fromkeys(candidates):
            try:
                channel = self.client.get_partial_messageable(candidate)
                await channel.send(**send_kwargs(message))
                return
            except _RETRYABLE as exc:
                log.warning("could not notify admins of %s in channel %s: %s",
                            workspace_id, candidate, classify(exc).detail)
        log.warning("no channel to notify the admins of %s in", workspace_id)

    async def check_channel(self, workspace_id: str, channel_id: str) -> str | None:
        if not channel_id.isdigit():
            return "That is not a channel id."
        channel: Any = self.client.get_channel(int(channel_id))
        if channel is None:
            try:
                channel = await self.client.fetch_channel(int(channel_id))
            except discord.NotFound:
                return "I can't find that channel. Was it deleted?"
            except discord.Forbidden:
                return "I can't see that channel. Give me the View Channel permission there."
            except _RETRYABLE as exc:
                return f"Discord didn't answer ({classify(exc).detail}); try again in a minute."
        if not isinstance(channel, discord.abc.GuildChannel):
            return "That is not a server channel."
        guild = channel.guild
        if str(guild.id) != workspace_id:
            return "That channel is in another server."
        if not isinstance(channel, discord.abc.Messageable):
            return "I can only post in text channels."
        perms = channel.permissions_for(guild.me)
        missing = [name for name, ok in (("View Channel", perms.view_channel),
                                         ("Send Messages", perms.send_messages),
                                         ("Embed Links", perms.embed_links)) if not ok]
        if missing:
            return f"I need {', '.join(missing)} in <#{channel.id}> to post there."
        return None
