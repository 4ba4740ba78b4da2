"""Signing in and out: the console's one-time link, Discord OAuth2 and Slack OpenID Connect.

Every sign-in route is rate-limited per client address. OAuth ``state`` is bound twice: to the
browser (kept in its session) and to this process (a one-time token), so a callback works once,
only in the browser that started it, and only within ten minutes.
"""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable

from aiohttp import web
from aiohttp_session import get_session

from bot.core.ports import Platform
from bot.web.context import WebContext, context_of
from bot.web.oauth import SignedIn, SignInFailed
from bot.web.platforms.console import CONSOLE_USER
from bot.web.session import current_user, start_session
from bot.web.views.common import render

CONSOLE_WORKSPACE = "console"
EXPIRED = ("That sign-in link has expired or was already used. Each link works once, for ten "
           "minutes: restart deskbreak to print a new one.")
STALE_STATE = "That sign-in attempt expired or was already used. Please start again."


def providers(ctx: WebContext) -> list[dict[str, object]]:
    """The sign-in options for the platforms this process serves, and why one is missing."""
    out: list[dict[str, object]] = []
    if Platform.DISCORD in ctx.directories:
        out.append({"id": "discord", "label": "Sign in with Discord", "ready": bool(ctx.discord),
                    "missing": "DISCORD_CLIENT_ID and DISCORD_CLIENT_SECRET"})
    if Platform.SLACK in ctx.directories:
        out.append({"id": "slack", "label": "Sign in with Slack", "ready": bool(ctx.slack),
                    "missing": "SLACK_CLIENT_ID and SLACK_CLIENT_SECRET"})
    return out


async def signin_page(request: web.Request, *, problem: str | None = None,
                      status: int = 200, printed: bool = False) -> web.StreamResponse:
    ctx = context_of(request)
    if problem is None and await current_user(request) is not None:
        raise web.HTTPSeeOther("/")
    return await render(request, "signin.html", {
        "providers": providers(ctx), "console": Platform.CONSOLE in ctx.directories,
        "problem": problem, "printed": printed, "title": "Sign in"}, status=status)


def _limited(request: web.Request) -> None:
    limit = context_of(request).signin_limit
    if limit is not None and not limit.allow(request):
        raise web.HTTPTooManyRequests(text="Too many sign-in attempts; wait a minute.")


async def console_login(request: web.Request) -> web.StreamResponse:
    _limited(request)
    ctx = context_of(request)
    links = ctx.console_links
    if Platform.CONSOLE not in ctx.directories or links is None or not links.redeem(
            request.match_info["token"]):
        return await signin_page(request, problem=EXPIRED, status=403)
    await start_session(request, SignedIn(Platform.CONSOLE, CONSOLE_USER, "you",
                                          (CONSOLE_WORKSPACE,)))
    raise web.HTTPSeeOther(f"/w/console/{CONSOLE_WORKSPACE}/schedules")


async def new_console_link(request: web.Request) -> web.StreamResponse:
    """"Print a new link": the link goes to the terminal that runs deskbreak, never to the
    browser, so asking for one grants nothing; only whoever sees that terminal can use it."""
    _limited(request)
    ctx = context_of(request)
    if Platform.CONSOLE not in ctx.directories or ctx.print_console_link is None:
        raise web.HTTPNotFound()
    ctx.print_console_link()
    return await signin_page(request, printed=True)


def _callback(ctx: WebContext, provider: str) -> str:
    return f"{ctx.base_url}/auth/{provider}/callback"


async def _begin(request: web.Request, provider: str, value: object) -> str:
    ctx = context_of(request)
    assert ctx.oauth_states is not None
    state = ctx.oauth_states.issue((provider, value))
    session = await get_session(request)
    session["oauth"] = state
    return state


async def _finish(request: web.Request, provider: str) -> object:
    """The value stored with a valid, unused state from this browser; the state is used up."""
    ctx = context_of(request)
    session = await get_session(request)
    expected = session.pop("oauth", None)
    state = request.query.get("state", "")
    assert ctx.oauth_states is not None
    stored = ctx.oauth_states.redeem(state) if state else None
    if not state or state != expected or not isinstance(stored, tuple) or stored[0] != provider:
        raise _Refused(STALE_STATE)
    if "error" in request.query:
        raise _Refused("Sign-in was cancelled. You can try again whenever you like.")
    if not request.query.get("code"):
        raise _Refused(STALE_STATE)
    return stored[1]


class _Refused(Exception):
    pass


async def discord_start(request: web.Request) -> web.StreamResponse:
    _limited(request)
    ctx = context_of(request)
    if ctx.discord is None or Platform.DISCORD not in ctx.directories:
        raise web.HTTPNotFound()
    state = await _begin(request, "discord", None)
    raise web.HTTPSeeOther(ctx.discord.authorize_url(_callback(ctx, "discord"), state))


async def _complete(request: web.Request, provider: str,
                    sign_in: Callable[[str, object], Awaitable[SignedIn]]) -> web.StreamResponse:
    """Check the callback's state, let the platform say who this is, start their session."""
    try:
        stored = await _finish(request, provider)
        who = await sign_in(request.query["code"], stored)
    except _Refused as exc:
        return await signin_page(request, problem=str(exc), status=403)
    except SignInFailed as exc:
        return await signin_page(request, problem=str(exc), status=502)
    await start_session(request, who)
    raise web.HTTPSeeOther("/")


async def discord_callback(request: web.Request) -> web.StreamResponse:
    _limited(request)
    ctx = context_of(request)
    oauth, http = ctx.discord, ctx.http
    if oauth is None or http is None:
        raise web.HTTPNotFound()
    return await _complete(request, "discord", lambda code, _: oauth.sign_in(
        http, code, _callback(ctx, "discord")))


async def slack_start(request: web.Request) -> web.StreamResponse:
    _limited(request)
    ctx = context_of(request)
    directory = ctx.directories.get(Platform.SLACK)
    if ctx.slack is None or directory is None:
        raise web.HTTPNotFound()
    nonce = secrets.token_urlsafe(16)
    state = await _begin(request, "slack", nonce)
    team = await directory.team_id() if hasattr(directory, "team_id") else None
    raise web.HTTPSeeOther(ctx.slack.authorize_url(_callback(ctx, "slack"), state, nonce, team))


async def slack_callback(request: web.Request) -> web.StreamResponse:
    _limited(request)
    ctx = context_of(request)
    oidc = ctx.slack
    if oidc is None:
        raise web.HTTPNotFound()
    return await _complete(request, "slack", lambda code, nonce: oidc.sign_in(
        code, _callback(ctx, "slack"), str(nonce)))


async def sign_out(request: web.Request) -> web.StreamResponse:
    session = await get_session(request)
    session.invalidate()
    raise web.HTTPSeeOther("/signin")


async def signin(request: web.Request) -> web.StreamResponse:
    return await signin_page(request)


def register(router: web.UrlDispatcher) -> None:
    router.add_get("/signin", signin)
    router.add_get("/login/{token}", console_login)
    router.add_post("/login/new", new_console_link)
    router.add_get("/auth/discord", discord_start)
    router.add_get("/auth/discord/callback", discord_callback)
    router.add_get("/auth/slack", slack_start)
    router.add_get("/auth/slack/callback", slack_callback)
    router.add_post("/signout", sign_out)
