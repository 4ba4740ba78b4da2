"""Why a calendar feed could not be read, in words its owner can act on.

Shared by the fetcher (network, HTTP, limits) and the parser (not a calendar), so the feed
cache handles every failure one way. Messages never contain the URL: it is a secret.
"""

from __future__ import annotations

from enum import StrEnum


class FeedErrorKind(StrEnum):
    REFUSED = "refused"  # the guard said no: nothing was fetched, retrying cannot help
    NOT_FOUND = "not_found"  # 404/410: the link was revoked or mistyped
    DENIED = "denied"  # 401/403
    HTTP = "http"  # any other non-2xx answer
    TOO_LARGE = "too_large"
    TOO_MANY_REDIRECTS = "too_many_redirects"
    TIMEOUT = "timeout"
    NETWORK = "network"  # DNS failure, refused connection, TLS error...
    BAD_ICS = "bad_ics"  # fetched, but not a calendar (raised by bot.meetings.calendar)


_MESSAGES = {
    FeedErrorKind.NOT_FOUND: "The calendar link no longer works (the server says it isn't "
    "there). If you reset the secret address, set the new one.",
    FeedErrorKind.DENIED: "The calendar server refused to share that calendar. "
    "Use the secret iCal/ICS address, which works without signing in.",
    FeedErrorKind.HTTP: "The calendar server answered with an error.",
    FeedErrorKind.TOO_LARGE: "That calendar is too large for me to read (over 2 MB).",
    FeedErrorKind.TOO_MANY_REDIRECTS: "That calendar link redirects too many times.",
    FeedErrorKind.TIMEOUT: "The calendar server took too long to answer.",
    FeedErrorKind.NETWORK: "I couldn't reach the calendar server.",
    FeedErrorKind.BAD_ICS: "That address doesn't serve a calendar I can read (iCal/ICS).",
}


class FeedError(Exception):
    """A feed that could not be fetched; ``str()`` is safe to show its owner and to log."""

    def __init__(self, kind: FeedErrorKind, message: str | None = None, *, status: int = 0
                 ) -> None:
        super().__init__(message or _MESSAGES.get(kind, "I couldn't read that calendar."))
        self.kind = kind
        self.status = status
