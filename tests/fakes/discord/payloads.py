"""Builders for Discord API v10 objects, shaped as the documentation describes them.

Kept apart from the server so tests can build interaction payloads (slash commands,
autocomplete, button clicks) with the same shapes the fake itself serves.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

# Permission bits (https://discord.com/developers/docs/topics/permissions).
VIEW_CHANNEL = 1 << 10
SEND_MESSAGES = 1 << 11
EMBED_LINKS = 1 << 14
READ_MESSAGE_HISTORY = 1 << 16
CREATE_PUBLIC_THREADS = 1 << 35
SEND_MESSAGES_IN_THREADS = 1 << 38
MANAGE_GUILD = 1 << 5
ADMINISTRATOR = 1 << 3
MEMBER_DEFAULT = VIEW_CHANNEL | SEND_MESSAGES | EMBED_LINKS | READ_MESSAGE_HISTORY

# Gateway intents (https://discord.com/developers/docs/events/gateway#gateway-intents); the
# privileged ones must be switched on in the Developer Portal or IDENTIFY is closed with 4014.
GUILD_MEMBERS_INTENT = 1 << 1
GUILD_PRESENCES_INTENT = 1 << 8
MESSAGE_CONTENT_INTENT = 1 << 15
PRIVILEGED_INTENTS = GUILD_MEMBERS_INTENT | GUILD_PRESENCES_INTENT | MESSAGE_CONTENT_INTENT

# Interaction types and channel types.
APPLICATION_COMMAND = 2
MESSAGE_COMPONENT = 3
APPLICATION_COMMAND_AUTOCOMPLETE = 4
GUILD_TEXT = 0
DM = 1
PUBLIC_THREAD = 11

_EPOCH_MS = 1420070400000
_counter = itertools.count(1)


def snowflake() -> str:
    """A fresh, increasing snowflake (timestamp bits from now, so ordering looks real)."""
    now_ms = int(datetime.now(UTC).timestamp() * 1000)
    return str(((now_ms - _EPOCH_MS) << 22) | (next(_counter) & 0x3FFFFF))


def iso_now() -> str:
    return datetime.now(UTC).isoformat()


def user(user_id: str, name: str, *, bot: bool = False) -> dict[str, Any]:
    return {
        "id": user_id,
        "username": name,
        "discriminator": "0",
        "global_name": name,
        "avatar": None,
        "bot": bot,
        "public_flags": 0,
        "flags": 0,
    }


@dataclass
class FakeMember:
    user_id: str
    name: str
    role_ids: list[str] = field(default_factory=list)
    bot: bool = False
    status: str = "online"  # online, idle, dnd or offline (invisible shows as offline)
    custom_status: str | None = None  # the text of a custom status, if any

    def presence(self, guild_id: str) -> dict[str, Any]:
        """The presence update object (https://discord.com/developers/docs/events/
        gateway-events#presence-update)."""
        activities = []
        if self.custom_status is not None:
            activities.append({"name": "Custom Status", "type": 4, "state": self.custom_status,
                               "created_at": 1700000000000})
        online = self.status != "offline"
        return {
            "user": {"id": self.user_id},
            "guild_id": guild_id,
            "status": self.status,
            "activities": activities if online else [],
            "client_status": {"desktop": self.status} if online else {},
        }

    def payload(self) -> dict[str, Any]:
        return {
            "user": user(self.user_id, self.name, bot=self.bot),
            "nick": None,
            "avatar": None,
            "roles": list(self.role_ids),
            "joined_at": "2024-01-01T00:00:00+00:00",
            "premium_since": None,
            "deaf": False,
            "mute": False,
            "flags": 0,
            "pending": False,
        }


@dataclass
class FakeChannel:
    channel_id: str
    name: str
    guild_id: str | None = None
    type: int = GUILD_TEXT
    # Explicit overwrites for the bot: (allow, deny) bit masks applied to its member.
    overwrites: list[dict[str, Any]] = field(default_factory=list)
    recipient: dict[str, Any] | None = None
    parent_id: str | None = None  # a thread's channel
    owner_id: str = "0"  # who made a thread (the bot, for group breaks)

    def payload(self) -> dict[str, Any]:
        if self.type == DM:
            return {
                "id": self.channel_id,
                "type": DM,
                "last_message_id": None,
                "recipients": [self.recipient] if self.recipient else [],
            }
        thread: dict[str, Any] = {}
        if self.type == PUBLIC_THREAD:  # what Discord adds for a thread (channel object)
            thread = {"owner_id": self.owner_id, "member_count": 1, "message_count": 0,
                      "thread_metadata": {"archived": False, "auto_archive_duration": 60,
                                          "archive_timestamp": iso_now(), "locked": False}}
        return thread | {
            "id": self.channel_id,
            "type": self.type,
            "guild_id": self.guild_id,
            "name": self.name,
            "position": 0,
            "permission_overwrites": list(self.overwrites),
            "nsfw": False,
            "topic": None,
            "last_message_id": None,
            "rate_limit_per_user": 0,
            "parent_id": self.parent_id,
        }


@dataclass
class FakeGuild:
    guild_id: str
    name: str
    owner_id: str
    everyone_permissions: int = MEMBER_DEFAULT
    channels: list[FakeChannel] = field(default_factory=list)
    roles: list[dict[str, Any]] = field(default_factory=list)
    members: list[FakeMember] = field(default_factory=list)
    system_channel_id: str | None = None

    def role_payloads(self) -> list[dict[str, Any]]:
        everyone = role(self.guild_id, "@everyone", self.everyone_permissions, position=0)
        return [everyone, *self.roles]

    def permissions_of(self, user_id: str) -> int:
        """Guild-level permissions: @everyone plus the member's roles (owner has all)."""
        if user_id == self.owner_id:
            return (1 << 53) - 1
        perms = self.everyone_permissions
        member = next((m for m in self.members if m.user_id == user_id), None)
        if member is not None:
            for r in self.roles:
                if r["id"] in member.role_ids:
                    perms |= int(r["permissions"])
        if perms & ADMINISTRATOR:
            return (1 << 53) - 1
        return perms

    def channel_permissions_of(self, user_id: str, channel: FakeChannel) -> int:
        perms = self.permissions_of(user_id)
        if perms == (1 << 53) - 1:
            return perms
        member = next((m for m in self.members if m.user_id == user_id), None)
        ids = {self.guild_id, user_id, *(member.role_ids if member else [])}
        for ow in channel.overwrites:
            if ow["id"] in ids:
                perms &= ~int(ow["deny"])
                perms |= int(ow["allow"])
        return perms

    def create_payload(self, *, presences: bool = False) -> dict[str, Any]:
        """The GUILD_CREATE dispatch data for this guild; with ``presences`` (the session has
        the presences intent) the online members' presences, as Discord sends them."""
        return {
            "id": self.guild_id,
            "name": self.name,
            "icon": None,
            "splash": None,
            "discovery_splash": None,
            "owner_id": self.owner_id,
            "afk_channel_id": None,
            "afk_timeout": 300,
            "verification_level": 0,
            "default_message_notifications": 0,
            "explicit_content_filter": 0,
            "roles": self.role_payloads(),
            "emojis": [],
            "stickers": [],
            "features": [],
            "mfa_level": 0,
            "application_id": None,
            "system_channel_id": self.system_channel_id,
            "system_channel_flags": 0,
            "rules_channel_id": None,
            "vanity_url_code": None,
            "description": None,
            "banner": None,
            "premium_tier": 0,
            "preferred_locale": "en-US",
            "public_updates_channel_id": None,
            "nsfw_level": 0,
            "premium_progress_bar_enabled": False,
            "joined_at": "2024-01-01T00:00:00+00:00",
            "large": False,
            "unavailable": False,
            "member_count": len(self.members),
            "voice_states": [],
            "members": [m.payload() for m in self.members],
            "channels": [c.payload() for c in self.channels],
            "threads": [],
            "presences": [m.presence(self.guild_id) for m in self.members
                          if presences and m.status != "offline"],
            "stage_instances": [],
            "guild_scheduled_events": [],
            "soundboard_sounds": [],
        }


def role(role_id: str, name: str, permissions: int, *, position: int = 1) -> dict[str, Any]:
    return {
        "id": role_id,
        "name": name,
        "color": 0,
        "colors": {"primary_color": 0, "secondary_color": None, "tertiary_color": None},
        "hoist": False,
        "icon": None,
        "unicode_emoji": None,
        "position": position,
        "permissions": str(permissions),
        "managed": False,
        "mentionable": False,
        "flags": 0,
    }


def message(
    channel_id: str, author: dict[str, Any], body: dict[str, Any], *, guild_id: str | None = None
) -> dict[str, Any]:
    """A stored message object built from a create/edit request body."""
    out: dict[str, Any] = {
        "id": snowflake(),
        "channel_id": channel_id,
        "author": author,
        "content": body.get("content") or "",
        "timestamp": iso_now(),
        "edited_timestamp": None,
        "tts": bool(body.get("tts", False)),
        "mention_everyone": False,
        "mentions": [],
        "mention_roles": [],
        "attachments": [],
        "embeds": list(body.get("embeds") or []),
        "pinned": False,
        "type": 0,
        "flags": int(body.get("flags") or 0),
        "components": list(body.get("components") or []),
    }
    if "nonce" in body:
        out["nonce"] = body["nonce"]
    if guild_id is not None:
        out["guild_id"] = guild_id
    return out


@dataclass
class Invoker:
    """Who triggers an interaction: a guild member (with permissions) or a DM user."""

    user_id: str
    name: str
    guild: FakeGuild | None = None

    def fields(self, channel: FakeChannel) -> dict[str, Any]:
        if self.guild is None:
            return {"user": user(self.user_id, self.name), "context": 1}
        member = next((m for m in self.guild.members if m.user_id == self.user_id), None)
        payload = (member or FakeMember(self.user_id, self.name)).payload()
        payload["permissions"] = str(self.guild.channel_permissions_of(self.user_id, channel))
        return {"guild_id": self.guild.guild_id, "member": payload, "context": 0,
                "guild_locale": "en-US", "guild": {"id": self.guild.guild_id,
                                                    "features": [], "locale": "en-US"}}


def interaction(
    *,
    application_id: str,
    kind: int,
    data: dict[str, Any],
    invoker: Invoker,
    channel: FakeChannel,
    app_permissions: int,
    message_payload: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """An INTERACTION_CREATE dispatch payload (token is a fresh random-looking string)."""
    interaction_id = snowflake()
    out: dict[str, Any] = {
        "id": interaction_id,
        "application_id": application_id,
        "type": kind,
        "data": data,
        "channel": channel.payload(),
        "channel_id": channel.channel_id,
        "token": f"itoken-{interaction_id}",
        "version": 1,
        "app_permissions": str(app_permissions),
        "locale": "en-US",
        "entitlements": [],
        "authorizing_integration_owners": {"0": invoker.guild.guild_id if invoker.guild else "0"},
        "attachment_size_limit": 10 * 1024 * 1024,
    }
    out.update(invoker.fields(channel))
    if message_payload is not None:
        out["message"] = message_payload
    return out


def buttons(*custom_ids: str) -> list[dict[str, Any]]:
    """One action row of plain buttons, as a message's ``components``."""
    return [{"type": 1, "components": [
        {"type": 2, "style": 2, "label": cid, "custom_id": cid} for cid in custom_ids
    ]}]


def option(name: str, value: Any, *, type_: int = 3, focused: bool = False) -> dict[str, Any]:
    out: dict[str, Any] = {"name": name, "type": type_, "value": value}
    if focused:
        out["focused"] = True
    return out


def subcommand(name: str, options: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    return {"name": name, "type": 1, "options": options or []}
