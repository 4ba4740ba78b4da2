"""The per-person command cooldown as one Bolt middleware, ahead of every command and button.

It runs after Bolt has verified the request, so only genuine requests spend tokens. A refused
request is acknowledged (Slack would otherwise show "operation timed out") and answered with a
private "slow down" through ``response_url``; the listener never runs, so nothing changes.
The bucket is the person's: ``slack:{team}:{user}`` (Slack user ids are per workspace).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.context.async_context import AsyncBoltContext
from slack_bolt.response import BoltResponse

from bot.adapters.slack.respond import answer, user_ids
from bot.adapters.slack.services import Services

log = logging.getLogger(__name__)

# Payload types a person triggers on purpose; anything else (events) passes untouched.
COUNTED = frozenset({"slash_command", "block_actions"})


def register(app: AsyncApp, services: Services) -> None:
    async def cooldown(
        body: dict[str, Any], context: AsyncBoltContext, next: Callable[[], Awaitable[None]]
    ) -> BoltResponse | None:
        limiter = services.cooldown
        kind = "slash_command" if "command" in body else body.get("type")
        team, user, _ = user_ids(body)
        if limiter is None or kind not in COUNTED or not user:
            await next()
            return None
        refusal = limiter.check(f"slack:{team}:{user}")
        if refusal is None:
            await next()
            return None
        log.info("cooldown: refused a %s from %s in %s", kind, user, team)
        if context.response_url and context.respond is not None:
            await answer(context.respond, refusal)
        return BoltResponse(status=200, body="")

    app.use(cooldown)
