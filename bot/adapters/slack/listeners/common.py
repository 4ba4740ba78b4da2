"""Plumbing every Slack listener shares: who is asking, and how to answer.

Listeners ack first (Slack gives 3 seconds) and answer afterwards through ``response_url``,
so a slow database or a cold users.info lookup never makes Slack show "operation timed out".
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.context.respond.async_respond import AsyncRespond

from bot.adapters.slack.parsing import ParseError
from bot.adapters.slack.render import response_type, to_payload
from bot.adapters.slack.services import SchedulingUnavailable, Services
from bot.core.messages import Message, MessageKind, error
from bot.core.ports import Actor, Platform, Target, TargetKind
from bot.scheduling.errors import ScheduleError

log = logging.getLogger(__name__)


def user_ids(body: dict[str, Any]) -> tuple[str, str, str]:
    """(team id, user id, display name) from a slash command or a block action payload."""
    if "user" in body and isinstance(body["user"], dict):
        user = body["user"]
        team = (body.get("team") or {}).get("id") or user.get("team_id") or ""
        return team, user.get("id", ""), user.get("username") or user.get("name") or ""
    return body.get("team_id", ""), body.get("user_id", ""), body.get("user_name", "")


async def actor_for(body: dict[str, Any], services: Services) -> Actor:
    """The Actor for this request; admin rights come from Slack's own data, never the text."""
    team, user, name = user_ids(body)
    is_admin = await services.admins.is_admin(team, user) if team and user else False
    return Actor(Platform.SLACK, team, user, is_admin=is_admin, display_name=name)


def person_for(body: dict[str, Any]) -> Actor:
    """The Actor for a request that only ever concerns the person themself (their reminder,
    their buttons): never an admin, so no users.info or user-group lookup is spent on it."""
    team, user, name = user_ids(body)
    return Actor(Platform.SLACK, team, user, is_admin=False, display_name=name)


def channel_target_key(body: dict[str, Any]) -> str:
    """The rotation key for "the place this was asked in"."""
    team, _, _ = user_ids(body)
    channel = body.get("channel_id") or (body.get("channel") or {}).get("id") or ""
    return Target(Platform.SLACK, team, TargetKind.CHANNEL, channel).key


async def answer(
    respond: AsyncRespond, message: Message, *, replace_original: bool = False
) -> None:
    payload = to_payload(message)
    await respond(
        text=payload["text"],
        blocks=payload["blocks"],
        response_type=None if replace_original else response_type(message),
        replace_original=replace_original or None,
    )


async def run(
    respond: AsyncRespond,
    produce: Callable[[], Awaitable[Message]],
    what: str,
    *,
    replace_original: bool = False,
) -> None:
    """Produce the answer and send it; turn any failure into a polite ephemeral error."""
    try:
        message = await produce()
    except (ParseError, ScheduleError) as exc:
        message = error(str(exc))
    except SchedulingUnavailable:
        message = error("Schedules and reminders are not running in this deskbreak process.")
    except Exception:
        log.exception("Slack %s failed", what)
        message = error("Something went wrong on my side. Please try again in a moment.")
    # An error goes privately to the person; it never replaces the message they clicked on.
    await answer(
        respond,
        message,
        replace_original=replace_original and message.kind is not MessageKind.ERROR,
    )
