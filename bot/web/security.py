"""The dashboard's guards: response headers, CSRF on every POST, one-time tokens (the console
link and OAuth ``state``), and the sign-in rate limit.

One-time values live in this process's memory with an expiry, and are removed the moment they
are used: an encrypted cookie can be replayed, so "used once" cannot rest on the cookie alone.
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from aiohttp import web

from bot.core.clock import Clock
from bot.core.cooldown import Cooldown

# script-src 'self' keeps the one small script a file; no inline script or style anywhere.
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "X-Content-Type-Options": "nosniff",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}
CSRF_FIELD = "csrf"
CSRF_HEADER = "X-CSRF-Token"
# Sign-in attempts per client address: a burst of 10, then 10 a minute.
SIGNIN_BURST = 10
SIGNIN_PER_MINUTE = 10.0


async def add_headers(request: web.Request, response: web.StreamResponse) -> None:
    """``on_response_prepare``: every answer, error pages and static files included."""
    response.headers.update(HEADERS)
    cacheable = request.path.startswith("/static/") or (
        request.path.startswith("/pictures/") and response.status == 200)  # content-hashed
    if not cacheable:
        # Pages show a workspace's settings: never keep them in a shared or back-button cache.
        response.headers["Cache-Control"] = "no-store"


def new_csrf_token() -> str:
    return secrets.token_urlsafe(32)


def csrf_ok(expected: object, given: object) -> bool:
    return (
        isinstance(expected, str)
        and isinstance(given, str)
        and bool(expected)
        and hmac.compare_digest(expected.encode(), given.encode())
    )


def same_origin(request: web.Request, origin: str) -> bool:
    """A browser POST names its page's origin; one from another site is refused even with a
    token. No Origin header (old clients, curl) falls back to the token alone."""
    sent = request.headers.get("Origin")
    if sent is None:
        return True
    return sent.rstrip("/") == origin.rstrip("/")


@dataclass(slots=True)
class _Pending:
    value: object
    expires: datetime


class OneTimeTokens:
    """Random tokens that each carry a value, expire after ``ttl`` and work exactly once."""

    def __init__(self, clock: Clock, ttl: timedelta, limit: int = 10_000) -> None:
        self._clock = clock
        self._ttl = ttl
        self._limit = limit
        self._tokens: dict[str, _Pending] = {}

    def issue(self, value: object = True) -> str:
        now = self._clock.now()
        if len(self._tokens) >= self._limit:
            self._tokens = {k: v for k, v in self._tokens.items() if v.expires > now}
            while len(self._tokens) >= self._limit:  # still full: drop the oldest
                self._tokens.pop(next(iter(self._tokens)))
        token = secrets.token_urlsafe(32)
        self._tokens[token] = _Pending(value, now + self._ttl)
        return token

    def redeem(self, token: str) -> object | None:
        """The token's value if it was issued, is unexpired and unused; it is used up now."""
        pending = self._tokens.pop(token, None) if isinstance(token, str) else None
        if pending is None or pending.expires <= self._clock.now():
            return None
        return pending.value


class SignInLimit:
    """Sign-in attempts per client address, on the same token bucket as chat commands."""

    def __init__(self, clock: Clock) -> None:
        self._bucket = Cooldown(clock, burst=SIGNIN_BURST, per_minute=SIGNIN_PER_MINUTE)

    def allow(self, request: web.Request) -> bool:
        return self._bucket.allow(f"signin:{request.remote or 'unknown'}")
