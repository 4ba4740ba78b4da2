"""HTTP mode: serve Slack's signed requests with aiohttp on the process's own event loop.

Every request is checked here, before anything reads it as text: the v0 signature is computed
over the raw bytes, and the timestamp must be within five minutes of now. Decoding first (as
Bolt's aiohttp adapter does) let an unsigned body with invalid UTF-8 or an unknown charset
raise a 500 with a traceback; now such a body is simply unsigned, 401. Bolt's own check
would repeat this one with the wall clock, so the adapter turns it off in HTTP mode and this
module is the single gate.

A correctly signed request is still valid for as long as its timestamp is fresh, so
:class:`ReplayGuard` remembers each accepted signature until the verifier would refuse it
anyway: its timestamp plus five minutes, not first sight plus five minutes (with Slack's clock
200 s ahead of ours, the latter let a replay 301 s later run the command twice). Slack's own
retries of events carry ``X-Slack-Retry-Num`` and a fresh signature, so they are unaffected.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from collections.abc import Mapping
from datetime import timedelta

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response
from slack_bolt.async_app import AsyncApp
from slack_bolt.request.async_request import AsyncBoltRequest

from bot.core.clock import Clock

log = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
WINDOW = timedelta(minutes=5)
MAX_BODY_BYTES = 512 * 1024
_MAX_TIMESTAMP_DIGITS = 12


class ReplayGuard:
    """Each accepted signature, kept until its request's timestamp leaves the window.

    ``clock`` must be the clock Slack's timestamps are checked against (the real one in
    production): the guard and :func:`signed_timestamp` share it, so "still fresh" and
    "still remembered" are the same instant.
    """

    def __init__(self, clock: Clock, window: timedelta = WINDOW) -> None:
        self.clock = clock
        self.window = window
        self._until: dict[str, float] = {}  # signature -> epoch second it may be forgotten

    def now(self) -> float:
        return self.clock.now().timestamp()

    def first_time(self, signature: str, timestamp: int) -> bool:
        """True the first time a signature is seen while its timestamp is fresh, False for
        a replay."""
        now = self.now()
        if len(self._until) > 1_000:
            self._until = {s: t for s, t in self._until.items() if t >= now}
        until = self._until.get(signature)
        if until is not None and until >= now:
            return False
        self._until[signature] = timestamp + self.window.total_seconds()
        return True


def signed_timestamp(raw: bytes, headers: Mapping[str, str], secret: bytes,
                     now: float, window: timedelta = WINDOW) -> int | None:
    """The request's timestamp if ``raw`` carries Slack's v0 signature and is fresh; else
    None. Nothing here decodes the body, and no header value can raise."""
    stamp = headers.get("x-slack-request-timestamp", "")
    signature = headers.get("x-slack-signature", "")
    if not (stamp.isascii() and stamp.isdigit()) or len(stamp) > _MAX_TIMESTAMP_DIGITS:
        return None
    timestamp = int(stamp)
    if abs(now - timestamp) > window.total_seconds():
        return None
    digest = hmac.new(secret, b"v0:" + stamp.encode() + b":" + raw, hashlib.sha256).hexdigest()
    expected = b"v0=" + digest.encode()
    given = signature.encode("utf-8", "surrogateescape")
    return timestamp if hmac.compare_digest(expected, given) else None


def build_web_app(bolt: AsyncApp, signing_secret: str, guard: ReplayGuard) -> web.Application:
    secret = signing_secret.encode()

    async def events(request: web.Request) -> web.Response:
        raw = await request.read()
        headers = {k.lower(): v for k, v in request.headers.items()}
        # Verified before anything else, so only genuine, fresh requests reach the replay
        # table: forged ones can neither fill it nor block a real request.
        timestamp = signed_timestamp(raw, headers, secret, guard.now(), guard.window)
        if timestamp is None:
            return web.Response(status=401, text="invalid request")
        if not guard.first_time(headers["x-slack-signature"], timestamp):
            log.warning("Rejected a replayed Slack request")
            return web.Response(status=401, text="replayed request")
        try:
            body = raw.decode("utf-8")  # Slack sends UTF-8, whatever the header says
        except UnicodeDecodeError:
            log.warning("Rejected a signed Slack request whose body is not UTF-8")
            return web.Response(status=400, text="body is not UTF-8")
        bolt_request = AsyncBoltRequest(
            body=body, query=request.query_string, headers=dict(request.headers))
        return await to_aiohttp_response(await bolt.async_dispatch(bolt_request))

    app = web.Application(client_max_size=MAX_BODY_BYTES)
    app.router.add_post(EVENTS_PATH, events)
    return app
