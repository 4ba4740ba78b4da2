"""Discord's directory, answered from the running bot: its guild cache for servers and
channels, and a member lookup with the bot token for permissions.

The member is fetched (``GET /guilds/{id}/members/{user}``) rather than read from the cache:
with only the ``guilds`` intent the cache never hears about role changes, and a stale
"Manage Server" is exactly what must not survive. Roles themselves are current in the cache
(role updates arrive with the ``guilds`` intent), so the permission is computed locally.

With DESKBREAK_SHARD_IDS a process's gateway carries only its shards' servers; the others are
looked up over REST (the bot token reaches every server the bot is in), so any one process's
dashboard serves them all.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import discord

from bot.core.clock import Clock, SystemClock
from bot.core.ports import Platform
from bot.web.directory import Channel, Workspace

log = logging.getLogger(__name__)

REMOTE_TTL = timedelta(minutes=5)


class DiscordDirectory:
    platform = Platform.DISCORD

    def __init__(self, client: discord.Client, clock: Clock | None = None) -> None:
        self._client = client
        self._clock = clock or SystemClock()
        # Servers on shards other processes run: fetched over REST, kept for a few minutes.
        self._elsewhere: dict[int, tuple[datetime, _Remote | None]] = {}

    def _cached(self, workspace_id: str) -> discord.Guild | None:
        if not workspace_id.isdigit() or len(workspace_id) > 20:
            return None
        return self._client.get_guild(int(workspace_id))

    def _on_another_shard(self, guild_id: int) -> bool:
        """Whether another process's gateway carries this guild (DESKBREAK_SHARD_IDS)."""
        client = self._client
        if not isinstance(client, discord.AutoShardedClient) or client.shard_count is None:
            return False
        return (guild_id >> 22) % client.shard_count not in client.shards

    async def _remote(self, workspace_id: str) -> _Remote | None:
        """A server this process's gateway does not carry, as REST sees it (None if the bot
        is not in it). One process's dashboard can so serve every shard's servers."""
        if not workspace_id.isdigit() or len(workspace_id) > 20:
            return None
        guild_id = int(workspace_id)
        if not self._on_another_shard(guild_id):
            return None
        now = self._clock.now()
        hit = self._elsewhere.get(guild_id)
        if hit is not None and hit[0] > now:
            return hit[1]
        remote: _Remote | None = None
        try:
            guild = await self._client.fetch_guild(guild_id, with_counts=False)
            assert self._client.user is not None
            me = await guild.fetch_member(self._client.user.id)
            channels = await guild.fetch_channels()
            remote = _Remote(guild, me, list(channels))
        except (discord.NotFound, discord.Forbidden):
            remote = None
        except (discord.HTTPException, OSError, TimeoutError) as exc:
            log.warning("could not look up server %s: %s", workspace_id, type(exc).__name__)
            return None  # not cached: try again on the next page
        self._elsewhere[guild_id] = (now + REMOTE_TTL, remote)
        return remote

    async def _guild(self, workspace_id: str) -> discord.Guild | None:
        cached = self._cached(workspace_id)
        if cached is not None:
            return cached
        remote = await self._remote(workspace_id)
        return remote.guild if remote else None

    async def workspace(self, workspace_id: str) -> Workspace | None:
        guild = await self._guild(workspace_id)
        if guild is None:
            return None
        return Workspace(Platform.DISCORD, str(guild.id), guild.name)

    async def is_admin(self, workspace_id: str, user_id: str) -> bool:
        guild = await self._guild(workspace_id)
        if guild is None or not user_id.isdigit() or len(user_id) > 20:
            return False
        try:
            member = await guild.fetch_member(int(user_id))
        except discord.NotFound:
            return False
        except (discord.HTTPException, OSError, TimeoutError) as exc:
            # Fail closed: an unknown answer never grants admin rights.
            log.warning("could not check %s's permissions in %s: %s", user_id, workspace_id,
                        type(exc).__name__)
            return False
        return member.guild_permissions.manage_guild

    async def channels(self, workspace_id: str) -> list[Channel]:
        cached = self._cached(workspace_id)
        remote = None if cached is not None else await self._remote(workspace_id)
        if cached is not None:
            me, found = cached.me, list(cached.text_channels)
        elif remote is not None:
            me, found = remote.me, [c for c in remote.channels
                                    if isinstance(c, discord.TextChannel)]
        else:
            return []
        return [
            Channel(str(c.id), c.name)
            for c in sorted(found, key=lambda c: (c.position, c.id))
            if me is None or (c.permissions_for(me).view_channel
                              and c.permissions_for(me).send_messages)
        ]

    async def channel_names(self, workspace_id: str, ids: set[str]) -> dict[str, str]:
        cached = self._cached(workspace_id)
        if cached is None:
            remote = await self._remote(workspace_id)
            known = {str(c.id): c.name for c in remote.channels} if remote else {}
            return {i: known[i] for i in ids if i in known}
        names: dict[str, str] = {}
        for channel_id in ids:
            channel = cached.get_channel(int(channel_id)) if channel_id.isdigit() else None
            if channel is not None:
                names[channel_id] = channel.name
        return names


@dataclass(frozen=True, slots=True)
class _Remote:
    guild: discord.Guild
    me: discord.Member
    channels: list[Any]
