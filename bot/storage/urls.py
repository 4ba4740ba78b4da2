"""Database URLs as hosting providers hand them out, read into what SQLAlchemy and asyncpg take.

Providers give ``postgres://user:pass@host:5432/db?sslmode=require`` (Heroku, Render, Neon,
Supabase, DigitalOcean...). SQLAlchemy alone would pick psycopg for ``postgresql://`` (not
installed), refuse ``postgres://``, and hand ``sslmode`` and ``connect_timeout`` to asyncpg,
which does not know them (an 84-line TypeError). So every URL the bot opens goes through
:func:`parse_database_url`: PostgreSQL URLs are read by hand (a password may hold a raw
``@``, ``:`` or ``/``), always use asyncpg, and libpq's two common parameters become asyncpg's
connect arguments. Anything else is refused with one line naming the accepted forms.

This is the only place a database URL is parsed (``paths.py`` asks it for a SQLite file).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, unquote

import sqlalchemy as sa
from sqlalchemy.exc import ArgumentError

from bot.core.redact import redact_url

ACCEPTED = (
    "sqlite+aiosqlite:///path/to/file.sqlite3 (or sqlite:///...),"
    " postgresql://user:password@host:5432/dbname (or postgres://, postgresql+asyncpg://),"
    " optionally with ?sslmode=disable|allow|prefer|require|verify-ca|verify-full"
    " and &connect_timeout=<seconds>"
)
SQLITE_SCHEMES = frozenset({"sqlite", "sqlite+aiosqlite"})
POSTGRES_SCHEMES = frozenset({"postgres", "postgresql", "postgresql+asyncpg"})
SSL_MODES = ("disable", "allow", "prefer", "require", "verify-ca", "verify-full")


class DatabaseUrlError(ValueError):
    """The database URL is not one deskbreak can open; ``str()`` is one line, password masked."""


@dataclass(frozen=True, slots=True)
class DatabaseUrl:
    """What opening the database needs: SQLAlchemy's URL and the driver's connect arguments."""

    url: sa.URL
    connect_args: dict[str, Any] = field(default_factory=dict)

    @property
    def backend(self) -> str:
        return self.url.get_backend_name()


def parse_database_url(raw: str) -> DatabaseUrl:
    """Read ``raw`` (SQLite or PostgreSQL, as above); :class:`DatabaseUrlError` otherwise."""
    scheme, sep, rest = raw.strip().partition("://")
    scheme = scheme.lower()
    if not sep:
        raise _refuse(raw, "it is not a URL")
    if scheme in SQLITE_SCHEMES:
        try:
            url = sa.make_url(f"sqlite+aiosqlite://{rest}")
        except ArgumentError:
            raise _refuse(raw, "it does not parse") from None
        return DatabaseUrl(url)
    if scheme in POSTGRES_SCHEMES:
        return _postgres(raw, rest)
    raise _refuse(raw, f"{scheme}:// is not supported")


def describe(url: sa.URL) -> str:
    """An opened database's URL for messages, password masked the one way (bot/core/redact)."""
    return redact_url(url.render_as_string(hide_password=False))


def _postgres(raw: str, rest: str) -> DatabaseUrl:
    # The credentials run to the last "@": a raw "@", ":" or "/" may sit in a password.
    userinfo, at, location = rest.rpartition("@")
    if not at:
        location = rest
    user, _, password = userinfo.partition(":")
    hostport, slash, tail = location.partition("/")
    if not slash:
        hostport, _, query = hostport.partition("?")
        database = ""
    else:
        database, _, query = tail.partition("?")
    host, port = _host_port(raw, hostport)
    params: dict[str, str] = {}
    for key, value in parse_qsl(query, keep_blank_values=True):
        if key in params:
            raise _refuse(raw, f"{key} is given twice")
        params[key] = value
    connect_args: dict[str, Any] = {}
    if "sslmode" in params:
        mode = params.pop("sslmode").lower()
        if mode not in SSL_MODES:
            raise _refuse(raw, f"sslmode must be one of {', '.join(SSL_MODES)}")
        connect_args["ssl"] = mode  # asyncpg takes libpq's mode names
    if "connect_timeout" in params:
        timeout = _timeout(raw, params.pop("connect_timeout"))
        if timeout is not None:
            connect_args["timeout"] = timeout
    if params:
        raise _refuse(raw, f"unknown parameter {', '.join(sorted(params))}")
    url = sa.URL.create(
        "postgresql+asyncpg",
        username=unquote(user) or None,
        password=unquote(password) or None,
        host=host,
        port=port,
        database=unquote(database) or None,
    )
    return DatabaseUrl(url, connect_args)


def _host_port(raw: str, hostport: str) -> tuple[str | None, int | None]:
    if hostport.startswith("["):  # [::1]:5432
        host, bracket, after = hostport[1:].partition("]")
        if not bracket or (after and not after.startswith(":")):
            raise _refuse(raw, "the host is not readable")
        port_text = after[1:]
    else:
        host, _, port_text = hostport.partition(":")
    if any(c in host for c in "/?#@ ,"):
        raise _refuse(raw, "the host is not readable")
    if not port_text:
        return unquote(host) or None, None
    if not port_text.isdigit() or not 0 < int(port_text) < 65536:
        raise _refuse(raw, "the port must be a number from 1 to 65535")
    return unquote(host) or None, int(port_text)


def _timeout(raw: str, text: str) -> float | None:
    """libpq's connect_timeout: seconds, 0 or empty meaning "wait as long as it takes"
    (asyncpg's own default, 60 s, is the nearest it has)."""
    try:
        seconds = float(text) if text else 0.0
    except ValueError:
        raise _refuse(raw, "connect_timeout must be a number of seconds") from None
    if not 0 <= seconds <= 3600:
        raise _refuse(raw, "connect_timeout must be between 0 and 3600 seconds")
    return seconds or None


def _refuse(raw: str, why: str) -> DatabaseUrlError:
    return DatabaseUrlError(
        f"DESKBREAK_DATABASE_URL {redact_url(raw)!r} cannot be used: {why}. Accepted: {ACCEPTED}"
    )
