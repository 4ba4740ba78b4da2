"""Guided stretches on Slack: the run lives in the person's DM with the bot, edited with
``chat.update``.

Why the DM: a slash command's answer and a click on a private card are ephemeral messages,
which only ``response_url`` can replace, and a ``response_url`` takes at most 5 posts in
30 minutes: a routine changes 20-odd times. So the opening frame is posted in the DM (or
replaces the clicked DM message in place, e.g. Start on a DM nudge) and every later change is
a ``chat.update`` on it; the command or click itself is answered with one private line saying
where the run is.

``chat.update`` is a Tier 3 method (about 50 a minute per workspace), so the updates of every
run in one workspace share one :class:`UpdatePacer`. Slack has no self-updating countdown,
so a running hold is redrawn every ``REFRESH`` seconds with the seconds left; when the pacer
makes a run wait, it draws where it is by then (the runner skips the stale frames).
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from slack_bolt.context.respond.async_respond import AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from bot.adapters.slack.render import to_payload
from bot.adapters.slack.respond import answer, user_ids
from bot.core.clock import Clock
from bot.core.guided.session import LiveMessage
from bot.core.messages import Message, info

log = logging.getLogger(__name__)

UPDATES_PER_MINUTE = 50  # chat.update, Tier 3, per workspace
REFRESH = 10.0  # seconds between redraws of a running hold

Sleep = Callable[[float], Awaitable[None]]
OpenDm = Callable[[str, str], Awaitable[str]]  # (team, user) -> DM channel id


class UpdatePacer:
    """At most ``per_minute`` chat.update calls per workspace in any 60 s."""

    def __init__(self, clock: Clock, sleep: Sleep = asyncio.sleep,
                 per_minute: int = UPDATES_PER_MINUTE) -> None:
        self._clock = clock
        self._sleep = sleep
        self._per_minute = per_minute
        self._sent: dict[str, deque[datetime]] = {}
        self._locks: dict[str, asyncio.Lock] = {}

    async def wait_turn(self, team: str) -> None:
        sent = self._sent.setdefault(team, deque())
        async with self._locks.setdefault(team, asyncio.Lock()):
            while True:
                now = self._clock.now()
                while sent and now - sent[0] >= timedelta(minutes=1):
                    sent.popleft()
                if len(sent) < self._per_minute:
                    sent.append(now)
                    return
                await self._sleep((sent[0] + timedelta(minutes=1) - now).total_seconds())


class DmSurface:
    """One message in a DM, updated paced."""

    def __init__(self, client: AsyncWebClient, pacer: UpdatePacer, team: str, channel: str,
                 ts: str) -> None:
        self.client, self.pacer, self.team, self.channel, self.ts = (
            client, pacer, team, channel, ts)

    async def show(self, draw: Callable[[], Message]) -> None:
        if not self.ts:
            raise RuntimeError("the guided message was never posted")
        await self.pacer.wait_turn(self.team)
        await self.client.chat_update(channel=self.channel, ts=self.ts, **to_payload(draw()))


class SlackGuided:
    def __init__(self, client: AsyncWebClient, open_dm: OpenDm, pacer: UpdatePacer) -> None:
        self.client = client
        self.open_dm = open_dm
        self.pacer = pacer

    async def start(self, live: LiveMessage, body: dict[str, Any], respond: AsyncRespond
                    ) -> None:
        """Show the run's opening frame in the DM and run the rest there."""
        session = live.session
        assert session is not None
        team, user, _ = user_ids(body)
        first = replace(session.opening(refresh=REFRESH), ephemeral=False)
        # Registered before the post (its first edit is a whole beat away), so a Stop pressed
        # the moment the message appears finds it; the surface learns its message below.
        surface = DmSurface(self.client, self.pacer, team, "", "")
        run = session.begin(surface)
        try:
            clicked = _clicked_dm_message(body)
            if clicked is not None:
                surface.channel, surface.ts = clicked
                await self.client.chat_update(channel=surface.channel, ts=surface.ts,
                                              **to_payload(first))
                return
            surface.channel = await self.open_dm(team, user)
            posted = await self.client.chat_postMessage(channel=surface.channel,
                                                        **to_payload(first))
            surface.ts = str(posted["ts"])
        except BaseException:
            await run.stop()
            raise
        await answer(respond, info(
            f"Started in your DM with me: {first.title}",
            "Follow along there; it updates at each step, and Stop ends it."))


def _clicked_dm_message(body: dict[str, Any]) -> tuple[str, str] | None:
    """(channel, ts) of the clicked message when it is a normal message in a DM."""
    container = body.get("container") or {}
    channel = container.get("channel_id") or (body.get("channel") or {}).get("id") or ""
    ts = container.get("message_ts")
    if container.get("type") != "message" or container.get("is_ephemeral") or not ts:
        return None
    return (channel, str(ts)) if str(channel).startswith("D") else None
