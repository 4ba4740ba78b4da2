"""Plumbing every Slack listener shares: who is asking, where, and how to answer.

Listeners ack first (Slack gives 3 seconds) and answer afterwards through ``response_url``,
so a slow database or a cold users.info lookup never makes Slack show "operation timed out".
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt.context.respond.async_respond import AsyncRespond

from bot.adapters.slack.files import Placement
from bot.adapters.slack.render import response_type, to_payload
from bot.adapters.slack.services import Services
from bot.core.messages import Message
from bot.core.ports import Actor, Platform, Target, TargetKind

log = logging.getLogger(__name__)


def user_ids(body: dict[str, Any]) -> tuple[str, str, str]:
    """(team id, user id, display name) from a slash command or a block action payload."""
    if "user" in body and isinstance(body["user"], dict):
        user = body["user"]
        team = (body.get("team") or {}).get("id") or user.get("team_id") or ""
        return team, user.get("id", ""), user.get("username") or user.get("name") or ""
    return body.get("team_id", ""), body.get("user_id", ""), body.get("user_name", "")


async def actor_for(body: dict[str, Any], services: Services, *, admin: bool) -> Actor:
    """The Actor for this request. Admin rights come from Slack's own data (never the text),
    and are looked up only for an admin command: nothing else costs a users.info call."""
    team, user, name = user_ids(body)
    is_admin = admin and bool(team and user) and await services.admins.is_admin(team, user)
    return Actor(Platform.SLACK, team, user, is_admin=is_admin, display_name=name)


def place_of(body: dict[str, Any]) -> Target:
    """The channel (or DM) a command was typed or a button clicked in."""
    team, _, _ = user_ids(body)
    channel = body.get("channel_id") or (body.get("channel") or {}).get("id") or ""
    return Target(Platform.SLACK, team, TargetKind.CHANNEL, channel)


def in_dm(body: dict[str, Any]) -> bool:
    """Whether the command or click came from a direct message (Slack's ids start with D)."""
    return place_of(body).id.startswith("D")


async def answer(
    respond: AsyncRespond, message: Message, *, replace_original: bool = False,
    body: dict[str, Any] | None = None, services: Services | None = None,
) -> None:
    """Answer through ``response_url``; pictures per ``bot/adapters/slack/files.py``: image
    blocks from the public URL, else uploads into the asker's DM (``body`` says who)."""
    files = services.files if services is not None else None
    placement = (files.place(message, in_dm=in_dm(body)) if files is not None and body
                 else Placement())
    sent = await _respond(respond, message, placement, replace_original)
    if not sent and placement.images:
        # Slack could not fetch the picture: the words still go out, without it.
        log.warning("Slack could not show a picture from %s; answering without it",
                    files.public_url if files else None)
        await _respond(respond, message, Placement(), replace_original)
    if placement.uploads and files is not None and body is not None:
        team, user, _ = user_ids(body)
        await files.upload_to_person(team, user, message.title, placement.uploads)


async def _respond(respond: AsyncRespond, message: Message, placement: Placement,
                   replace_original: bool) -> bool:
    payload = to_payload(message, placement.images)
    response = await respond(
        text=payload["text"],
        blocks=payload["blocks"],
        response_type=None if replace_original else response_type(message),
        replace_original=replace_original or None,
    )
    return getattr(response, "status_code", 200) == 200
