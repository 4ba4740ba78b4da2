"""HTTP mode: serve Slack's signed requests with aiohttp on the process's own event loop.

Bolt checks the v0 signature and rejects timestamps more than five minutes off, but accepts
the same signed request twice. :class:`ReplayGuard` remembers each signature for that
five-minute window and refuses a repeat, so a captured request cannot be replayed to run a
command again. Slack's own retries of events carry ``X-Slack-Retry-Num`` and a fresh
signature, so they are unaffected.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncApp
from slack_sdk.signature import SignatureVerifier

from bot.core.clock import Clock

log = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
WINDOW = timedelta(minutes=5)
MAX_BODY_BYTES = 512 * 1024


class ReplayGuard:
    def __init__(self, clock: Clock, window: timedelta = WINDOW) -> None:
        self._clock = clock
        self._window = window
        self._seen: dict[str, datetime] = {}

    def first_time(self, signature: str) -> bool:
        """True the first time a signature is seen within the window, False for a replay."""
        now = self._clock.now()
        if len(self._seen) > 1_000:
            self._seen = {s: t for s, t in self._seen.items() if now - t <= self._window}
        seen = self._seen.get(signature)
        if seen is not None and now - seen <= self._window:
            return False
        self._seen[signature] = now
        return True


def build_web_app(bolt: AsyncApp, signing_secret: str, guard: ReplayGuard) -> web.Application:
    verifier = SignatureVerifier(signing_secret)

    async def events(request: web.Request) -> web.Response:
        body = await request.text()
        headers = {k.lower(): v for k, v in request.headers.items()}
        # Verified here as well as in Bolt so that only genuine, fresh requests reach the
        # replay table: forged ones can neither fill it nor block a real request.
        try:
            valid = verifier.is_valid_request(body, headers)
        except ValueError:  # a timestamp header that is not a number
            valid = False
        if not valid:
            return web.Response(status=401, text="invalid request")
        if not guard.first_time(headers.get("x-slack-signature", "")):
            log.warning("Rejected a replayed Slack request")
            return web.Response(status=401, text="replayed request")
        bolt_response = await bolt.async_dispatch(await to_bolt_request(request))
        return await to_aiohttp_response(bolt_response)

    app = web.Application(client_max_size=MAX_BODY_BYTES)
    app.router.add_post(EVENTS_PATH, events)
    return app
