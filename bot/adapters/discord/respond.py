"""Answering interactions: who is asking, replying within Discord's 3 seconds, and failing
politely.

Discord drops an interaction that is not acknowledged within 3 s. Quick work is answered
directly; work that may touch the database runs as a task and, if it has not finished within
``defer_after`` seconds, the interaction is deferred (with the visibility its answer will
have) and completed when it does.
Any unexpected exception becomes a short apology with an error id the person can quote; the
traceback goes to the log under the same id.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections.abc import Awaitable, Callable
from typing import Any

import discord

from bot.adapters.discord import guided
from bot.adapters.discord.render import edit_kwargs, send_kwargs
from bot.core.guided.session import LiveMessage
from bot.core.messages import Message, error
from bot.core.ports import Actor, Platform, Target, TargetKind

log = logging.getLogger(__name__)

DEFAULT_DEFER_AFTER = 2.0
DM_WORKSPACE = "@me"
DEFERRED_PUBLIC = "deskbreak.deferred_public"  # interaction.extras: how it was deferred


def actor_of(interaction: discord.Interaction[Any], *, personal: bool = False) -> Actor:
    """Build the Actor from what Discord itself resolved for this interaction.

    ``interaction.permissions`` are the member's permissions in the channel as Discord computed
    them (roles, overwrites, owner and Administrator included); nothing the user typed counts.

    ``personal`` actions (/remind, and the Done/Snooze buttons on a DM nudge) belong to the
    person, not to a server: a Discord user has one DM channel whichever server they typed
    /remind in, so their reminder lives under the ``@me`` workspace and a button clicked in
    the DM finds it.
    """
    perms = interaction.permissions
    in_guild = interaction.guild_id is not None
    return Actor(
        platform=Platform.DISCORD,
        workspace_id=str(interaction.guild_id) if in_guild and not personal else DM_WORKSPACE,
        user_id=str(interaction.user.id),
        is_admin=in_guild and (perms.manage_guild or perms.administrator),
        display_name=interaction.user.display_name,
    )


def place_of(interaction: discord.Interaction[Any]) -> Target:
    """The channel (or DM) an interaction came from; its key keys per-channel rotations.

    Its workspace is the server's, as :func:`actor_of` gives it for a non-personal action,
    read straight from the guild id: every command asks for both, and the actor's permission
    and name lookups are not needed here."""
    guild = interaction.guild_id
    workspace = str(guild) if guild is not None else DM_WORKSPACE
    return Target(Platform.DISCORD, workspace, TargetKind.CHANNEL, str(interaction.channel_id))


async def reply(interaction: discord.Interaction[Any], message: Message) -> None:
    """Send ``message`` as the interaction's answer, whatever state the interaction is in.

    Discord fixes a reply's visibility when it is deferred ("an existing message's ephemeral
    state cannot be changed"): editing a private placeholder cannot make a tip public, and
    editing a public one would show an error to the whole channel. When the answer's
    visibility differs from the deferral's, the placeholder is deleted and the answer sent
    as a follow-up with its own.
    """
    if isinstance(message, LiveMessage) and message.session is not None:
        await guided.start(interaction, message, reply)
        return
    if not interaction.response.is_done():
        await interaction.response.send_message(ephemeral=message.ephemeral,
                                                **send_kwargs(message))
    elif interaction.response.type is discord.InteractionResponseType.deferred_channel_message:
        if message.ephemeral != interaction.extras.get(DEFERRED_PUBLIC, False):
            await interaction.edit_original_response(**edit_kwargs(message))
        else:
            await interaction.delete_original_response()
            await interaction.followup.send(ephemeral=message.ephemeral, **send_kwargs(message))
    else:
        await interaction.followup.send(ephemeral=message.ephemeral, **send_kwargs(message))


async def update(interaction: discord.Interaction[Any], message: Message) -> None:
    """Replace the message the clicked button sits on (callback type 7)."""
    await interaction.response.edit_message(**edit_kwargs(message))


def defer_after(interaction: discord.Interaction[Any]) -> float:
    return float(getattr(interaction.client, "defer_after", DEFAULT_DEFER_AFTER))


async def answer(
    interaction: discord.Interaction[Any],
    work: Callable[[], Awaitable[Message]],
    *,
    public: bool = False,
    slow: bool = False,
) -> None:
    """Reply with the Message ``work`` produces, deferring if it is not ready in time.

    A budget of 0 defers at once (for deployments whose database is always slow), and so
    does ``slow`` work (a picture still to be drawn: bot/core/pending.py). The
    deferral takes the visibility the answer usually has: ``public`` for commands the channel
    sees (/tip, /break); :func:`reply` mends the rare mismatch (a private error).
    """
    task = asyncio.ensure_future(work())
    budget = 0.0 if slow else defer_after(interaction)
    done = (await asyncio.wait({task}, timeout=budget))[0] if budget > 0 else set()
    if not done:
        interaction.extras[DEFERRED_PUBLIC] = public
        await interaction.response.defer(ephemeral=not public, thinking=True)
    await reply(interaction, await task)


# Discord's answer once an interaction token is no longer valid: 10062 Unknown interaction
# (not answered within 3 s) and 10015 Unknown Webhook (a follow-up after its 15 minutes).
EXPIRED_CODES = frozenset({10062, 10015})


def expired(exc: BaseException) -> bool:
    """Whether ``exc`` says the interaction's token ran out (nobody is left to answer)."""
    return isinstance(exc, discord.NotFound) and exc.code in EXPIRED_CODES


async def apologise(interaction: discord.Interaction[Any], exc: BaseException) -> str:
    """Log ``exc`` with a fresh error id and tell the person, privately; returns the id.

    An expired interaction gets one warning line and no apology: the token that would carry
    it is the thing that expired, and a traceback would only cry wolf in the logs.
    """
    error_id = secrets.token_hex(4)
    command = interaction.command.qualified_name if interaction.command else None
    custom_id = (interaction.data or {}).get("custom_id") if interaction.data else None
    if expired(exc):
        log.warning(
            "interaction expired before it could be answered (Discord %s; command %s, "
            "component %s); nothing sent", getattr(exc, "code", "?"), command, custom_id,
        )
        return error_id
    log.error(
        "interaction failed (error id %s, command %s, component %s)",
        error_id, command, custom_id, exc_info=(type(exc), exc, exc.__traceback__),
    )
    message = error(
        f"Something went wrong on my side. If it keeps happening, tell the bot's admin "
        f"error id `{error_id}`.",
        title="Sorry, that failed",
    )
    try:
        await reply(interaction, message)
    except discord.HTTPException:
        log.warning("could not tell the user about error id %s", error_id)
    return error_id
