"""Discord's directory, answered from the running bot: its guild cache for servers and
channels, and a member lookup with the bot token for permissions.

The member is fetched (``GET /guilds/{id}/members/{user}``) rather than read from the cache:
with only the ``guilds`` intent the cache never hears about role changes, and a stale
"Manage Server" is exactly what must not survive. Roles themselves are current in the cache
(role updates arrive with the ``guilds`` intent), so the permission is computed locally.
"""

from __future__ import annotations

import logging

import discord

from bot.core.ports import Platform
from bot.web.directory import Channel, Workspace

log = logging.getLogger(__name__)


class DiscordDirectory:
    platform = Platform.DISCORD

    def __init__(self, client: discord.Client) -> None:
        self._client = client

    def _guild(self, workspace_id: str) -> discord.Guild | None:
        if not workspace_id.isdigit() or len(workspace_id) > 20:
            return None
        return self._client.get_guild(int(workspace_id))

    async def workspace(self, workspace_id: str) -> Workspace | None:
        guild = self._guild(workspace_id)
        if guild is None:
            return None
        return Workspace(Platform.DISCORD, str(guild.id), guild.name)

    async def is_admin(self, workspace_id: str, user_id: str) -> bool:
        guild = self._guild(workspace_id)
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
        guild = self._guild(workspace_id)
        if guild is None:
            return []
        me = guild.me
        return [
            Channel(str(c.id), c.name)
            for c in sorted(guild.text_channels, key=lambda c: (c.position, c.id))
            if me is None or (c.permissions_for(me).view_channel
                              and c.permissions_for(me).send_messages)
        ]

    async def channel_names(self, workspace_id: str, ids: set[str]) -> dict[str, str]:
        guild = self._guild(workspace_id)
        if guild is None:
            return {}
        names: dict[str, str] = {}
        for channel_id in ids:
            channel = guild.get_channel(int(channel_id)) if channel_id.isdigit() else None
            if channel is not None:
                names[channel_id] = channel.name
        return names
