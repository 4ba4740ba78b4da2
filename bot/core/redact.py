"""The one way a URL is shown in a log line, an error or a settings dump: password masked.

Parsed by hand, never by a URL library, because the URLs that end up in error messages are
exactly the ones a library gets wrong: a password holding a raw ``@``, ``:``, ``/`` or ``?``
makes SQLAlchemy and urllib split the credentials in the wrong place and print the password's
tail as the host. Here the credentials run to the LAST ``@`` in the URL, so a mistake can only
hide too much, never too little.
"""

from __future__ import annotations

MASK = "***"


def redact_url(url: str) -> str:
    """``url`` with any password replaced by ``***``: ``postgres://u:***@db/x``."""
    scheme, sep, rest = url.partition("://")
    if not sep or rest.startswith("/"):  # no host part (a SQLite file path): no password
        return url
    userinfo, at, location = rest.rpartition("@")
    if not at:
        return url
    user, colon, _password = userinfo.partition(":")
    if not colon:
        # No password; still never show a "user" that holds a "/" or "?": that is a password
        # whose ":" the person forgot to write, or a path we cannot tell from one.
        return url if not any(c in user for c in "/?#") else f"{scheme}://{MASK}@{location}"
    if any(c in user for c in "/?#"):
        user = MASK
    return f"{scheme}://{user}:{MASK}@{location}"
