"""DiscordNotifier: the scheduler's way out to Discord.

- Sends through ``client.get_partial_messageable(channel_id)``: no cache lookups, no extra
  request, and it works for channels the bot has never seen in this process.
- DM channel ids are created once (``POST /users/@me/channels``) and stored in the kv table,
  so a reminder never costs two requests and discord.py's 128-entry DM cache does not matter.
- Every REST call waits on one global :class:`Pacer` so a fan-out stays under 50 requests/s.
- ``nonce`` + ``enforce_nonce`` (discord.py adds the latter whenever a nonce is given) make a
  resend after a crash a no-op on Discord's side.
- Refusals become statuses, never exceptions: 403 50007 is closed DMs, other 403s a channel we
  may not post in, 404 a channel that is gone; 429/5xx/network errors are worth a retry.
"""

from __future__ import annotations

import hashlib
import logging
from typing import Any

import aiohttp
import discord

from bot.adapters.discord.kv import NAMESPACE, KeyValue
from bot.adapters.discord.pacer import Pacer
from bot.adapters.discord.render import send_kwargs
from bot.core.messages import Message
from bot.core.ports import Delivery, DeliveryResult, DeliveryStatus, Platform, TargetKind

log = logging.getLogger(__name__)

CANNOT_DM = 50007
MISSING_ACCESS = 50001
MISSING_PERMISSIONS = 50013
NONCE_LIMIT = 25  # Discord rejects longer nonces


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
        return DeliveryResult(DeliveryStatus.RETRY, "rate limited", retry_after=exc.retry_after)
    if isinstance(exc, discord.HTTPException):
        retry_after = None
        if exc.status == 429:
            header = exc.response.headers.get("Retry-After") if exc.response else None
            retry_after = float(header) if header else None
        return DeliveryResult(DeliveryStatus.RETRY, f"HTTP {exc.status}", retry_after=retry_after)
    return DeliveryResult(DeliveryStatus.RETRY, f"network error: {type(exc).__name__}")


_RETRYABLE = (
    discord.HTTPException, discord.RateLimited, aiohttp.ClientError, OSError, TimeoutError
)


class DiscordNotifier:
    platform = Platform.DISCORD

    def __init__(self, client: discord.Client, kv: KeyValue, pacer: Pacer | None = None) -> None:
        self.client = client
        self.kv = kv
        self.pacer = pacer or Pacer()

    async def deliver(self, delivery: Delivery, message: Message) -> DeliveryResult:
        target = delivery.target
        try:
            if target.kind is TargetKind.DM:
                channel_id = await self.dm_channel_id(target.id)
            else:
                channel_id = int(target.id)
            channel = self.client.get_partial_messageable(channel_id)
            async with self.pacer:
                await channel.send(nonce=discord_nonce(delivery.nonce), **send_kwargs(message))
        except _RETRYABLE as exc:
            result = classify(exc)
            log.info("delivery %s to %s: %s (%s)", delivery.ledger_id, target.key,
                     result.status, result.detail)
            return result
        return DeliveryResult(DeliveryStatus.SENT)

    async def dm_channel_id(self, user_id: str) -> int:
        """The person's DM channel id, created at most once and remembered across restarts."""
        key = f"dm:{user_id}"
        stored = await self.kv.kv_get(NAMESPACE, key)
        if stored is not None:
            return int(stored)
        async with self.pacer:
            data = await self.client.http.start_private_message(int(user_id))
        await self.kv.kv_set(NAMESPACE, key, str(data["id"]))
        return int(data["id"])

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
                async with self.pacer:
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
                async with self.pacer:
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
