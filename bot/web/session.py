"""The signed-in person and the little state a page carries between requests, kept in the
encrypted session cookie: who they are, their CSRF token and a one-shot notice.

The cookie holds no platform token and no right: which workspaces someone may open is asked
again (through :class:`bot.web.directory.Access`) on every request.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from aiohttp import web
from aiohttp_session import Session, get_session, new_session

from bot.core.messages import Message, MessageKind
from bot.core.ports import Platform
from bot.web.oauth import SignedIn
from bot.web.security import new_csrf_token

SESSION_MAX_AGE = 12 * 60 * 60  # seconds: sign in again after half a day


@dataclass(frozen=True, slots=True)
class User:
    platform: Platform
    user_id: str
    name: str
    workspaces: tuple[str, ...] = ()


async def current_user(request: web.Request) -> User | None:
    session = await get_session(request)
    data = session.get("user")
    if not isinstance(data, dict):
        return None
    try:
        return User(Platform(data["p"]), str(data["u"]), str(data["n"]),
                    tuple(str(w) for w in data.get("w") or ()))
    except (KeyError, ValueError):
        return None


async def start_session(request: web.Request, who: SignedIn) -> None:
    """A fresh session for a person who just signed in (never reuse the anonymous one, so a
    session id planted before sign-in is worth nothing after it)."""
    session = await new_session(request)
    session["user"] = {"p": str(who.platform), "u": who.user_id, "n": who.name,
                       "w": list(who.workspaces)}
    session["csrf"] = new_csrf_token()


async def csrf_token(request: web.Request) -> str:
    session = await get_session(request)
    token = session.get("csrf")
    if not isinstance(token, str):
        token = session["csrf"] = new_csrf_token()
    return token


async def flash(request: web.Request, message: Message) -> None:
    """Keep a facade answer to show once on the next page (POST, redirect, GET)."""
    session = await get_session(request)
    session["flash"] = {"error": message.kind is MessageKind.ERROR, "title": message.title,
                        "body": message.body,
                        "lines": [line for s in message.sections for line in s.lines][:10]}


async def take_flash(request: web.Request) -> dict[str, Any] | None:
    session: Session = await get_session(request)
    notice = session.pop("flash", None)
    return notice if isinstance(notice, dict) else None
