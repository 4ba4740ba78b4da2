"""Discord's side of the presence port, from the gateway's presences (off by default).

Presences are a privileged intent, so reading them is opt-in: ``DESKBREAK_DISCORD_PRESENCE=1``
makes :func:`presence_intents` ask for the **presences** intent and also the **server
members** intent. Both must be switched on in the Developer Portal (Bot page, "Privileged
Gateway Intents"). The members intent is needed because discord.py keeps presences on cached
members only: without it the member cache holds just the bot, and every presence Discord
sends (in GUILD_CREATE and in PRESENCE_UPDATE) is discarded. With it, discord.py caches the
members it is sent and keeps their status current; nothing here calls Discord.

What holds a DM nudge: a member shown as **offline** (which includes invisible) or **Do Not
Disturb**, or a custom status matching :class:`bot.meetings.statuses.StatusRules` ("In a
meeting", ...). Idle and online deliver. A person the bot shares no server with, or any
person while the intents are off, is UNKNOWN, which also delivers.

When the portal has not granted the intents, Discord closes the gateway with 4014.
:func:`connect_or_fall_back` logs one line saying what to switch on and connects again
without them: the bot carries on, just without presence checks.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import discord

from bot.meetings.presence import Presence, PresenceState
from bot.meetings.statuses import StatusRules

log = logging.getLogger(__name__)

DM_WORKSPACE = "@me"
FALLBACK_WARNING = (
    "Discord refused the presences/server members intents (DESKBREAK_DISCORD_PRESENCE=1): "
    "switch on 'Presence Intent' and 'Server Members Intent' under Privileged Gateway "
    "Intents on the Developer Portal's Bot page. Carrying on without presence checks."
)


def presence_intents(enabled: bool, base: discord.Intents | None = None) -> discord.Intents:
    """The client's intents: ``base`` (guilds only by default), plus presences and members
    when the switch is on."""
    intents = discord.Intents(guilds=True) if base is None else discord.Intents(**dict(base))
    if enabled:
        intents.presences = True
        intents.members = True
    return intents


async def connect_or_fall_back(client: discord.Client,
                               connect: Callable[..., Awaitable[None]], **kwargs: Any) -> None:
    """``connect(**kwargs)``; if Discord refuses the privileged intents, warn once and
    connect again without them."""
    try:
        await connect(**kwargs)
    except discord.PrivilegedIntentsRequired:
        if not client.intents.presences:
            raise
        log.warning(FALLBACK_WARNING)
        without_presence(client)
        await connect(**kwargs)


def without_presence(client: discord.Client) -> None:
    """Drop the presences and members intents from a client that has not connected.

    discord.py fixes intents when the client is built, and offers no public way to change
    them, so this edits its connection state (the tests run it against the real library):
    the IDENTIFY intents, the member cache policy they imply, and start-up chunking, which
    needs the members intent.
    """
    state = client._connection
    intents = discord.Intents(**dict(state.intents))
    intents.presences = False
    intents.members = False
    state._intents = intents
    state.member_cache_flags = discord.MemberCacheFlags.from_intents(intents)
    state._chunk_guilds = False
    state.raw_presence_flag = False


class DiscordPresence:
    """Implements :class:`bot.meetings.presence.PresenceSource` from discord.py's member cache.

    Personal reminders live under the ``@me`` workspace (a person has one DM channel), so a
    person is looked up in every server the bot shares with them; the server last found is
    tried first next time.
    """

    def __init__(self, client: discord.Client, rules: StatusRules | None = None) -> None:
        self._client = client
        self._rules = rules or StatusRules()
        self._last_guild: dict[int, int] = {}

    @property
    def active(self) -> bool:
        """Whether presences are being received (the switch is on and Discord agreed)."""
        return self._client.intents.presences

    async def statuses(self, workspace_id: str, user_ids: Sequence[str]
                       ) -> dict[str, Presence]:
        if not self.active:
            return {u: Presence.unknown("presence intent off") for u in user_ids}
        return {u: self._one(workspace_id, u) for u in user_ids}

    def _one(self, workspace_id: str, user_id: str) -> Presence:
        if not user_id.isdigit():
            return Presence.unknown()
        member = self._member(workspace_id, int(user_id))
        if member is None:
            return Presence.unknown("no shared server")
        status = member.status
        if status in (discord.Status.offline, discord.Status.invisible):
            return Presence(PresenceState.OFFLINE, detail="offline")
        if status is discord.Status.dnd:
            return Presence(PresenceState.DO_NOT_DISTURB, detail="do not disturb")
        custom = next((a for a in member.activities if isinstance(a, discord.CustomActivity)),
                      None)
        if custom is not None:
            rule = self._rules.match("", custom.name or "")
            if rule is not None:
                return Presence(rule.state, detail=custom.name or "")
        return Presence.available()

    def _member(self, workspace_id: str, user_id: int) -> discord.Member | None:
        tried: set[int] = set()
        first = [int(workspace_id)] if workspace_id.isdigit() else []
        if user_id in self._last_guild:
            first.append(self._last_guild[user_id])
        for guild_id in first:
            tried.add(guild_id)
            guild = self._client.get_guild(guild_id)
            member = guild.get_member(user_id) if guild is not None else None
            if member is not None:
                self._last_guild[user_id] = guild_id
                return member
        for guild in self._client.guilds:
            if guild.id in tried:
                continue
            member = guild.get_member(user_id)
            if member is not None:
                self._last_guild[user_id] = guild.id
                return member
        return None
