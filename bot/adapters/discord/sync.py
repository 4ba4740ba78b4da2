"""Sync slash commands only when they changed.

Discord limits command syncs (and a global sync can take a while to reach every server), so
each start computes a hash of the exact payload it would upload and compares it with the one
stored after the last successful sync; only a difference triggers the PUT.
"""

from __future__ import annotations

import hashlib
import json
import logging
from typing import Any

import discord
from discord import app_commands

from bot.adapters.discord.kv import NAMESPACE, KeyValue
from bot.storage.errors import StorageError

log = logging.getLogger(__name__)


def tree_payload(tree: app_commands.CommandTree[Any], guild: discord.abc.Snowflake | None
                 ) -> list[dict[str, Any]]:
    commands = tree.get_commands(guild=guild)
    return sorted((c.to_dict(tree) for c in commands), key=lambda c: str(c.get("name")))


def tree_hash(tree: app_commands.CommandTree[Any], guild: discord.abc.Snowflake | None) -> str:
    raw = json.dumps(tree_payload(tree, guild), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(raw.encode()).hexdigest()


async def sync_if_changed(
    tree: app_commands.CommandTree[Any], kv: KeyValue, dev_guild_id: int | None = None
) -> bool:
    """Sync globally, or to ``dev_guild_id`` only (instant, for development); True if synced."""
    guild = discord.Object(id=dev_guild_id) if dev_guild_id else None
    if guild is not None:
        tree.copy_global_to(guild=guild)
    key = f"commands:{dev_guild_id or 'global'}"
    digest = tree_hash(tree, guild)
    try:
        stored = await kv.kv_get(NAMESPACE, key)
    except StorageError as exc:  # an unreadable database must not stop the bot starting
        log.warning("cannot read the last sync's hash (%s); syncing anyway", exc)
        stored = None
    if stored == digest:
        log.info("slash commands unchanged; not syncing (%s)", key)
        return False
    synced = await tree.sync(guild=guild)
    try:
        await kv.kv_set(NAMESPACE, key, digest)
    except StorageError as exc:  # synced all the same; the next start just syncs again
        log.warning("synced, but cannot save the hash (%s); the next start syncs again",
                    exc)
    log.info("synced %d slash commands (%s)", len(synced), key)
    return True
