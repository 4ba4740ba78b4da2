"""The dashboard's aiohttp application: sessions, templates, guards and routes.

Order of the guards, outermost first: error pages (so every refusal is a calm page, not a
traceback), then "signed in?" (anonymous visitors get the sign-in page and nothing else), then
CSRF on every POST. Headers (CSP, X-Frame-Options, Referrer-Policy) are added to every
response as it is sent, errors and static files included.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable
from pathlib import Path

import aiohttp_jinja2
import jinja2
from aiohttp import web
from aiohttp_session import get_session
from aiohttp_session import setup as setup_session
from aiohttp_session.cookie_storage import EncryptedCookieStorage
from markupsafe import Markup, escape

from bot.web.context import CONTEXT, WebContext
from bot.web.security import CSRF_FIELD, CSRF_HEADER, add_headers, csrf_ok, same_origin
from bot.web.session import SESSION_MAX_AGE, current_user
from bot.web.views import audit, pictures, schedules, settings, signin, stats, workspaces
from bot.web.views.common import render

log = logging.getLogger(__name__)

HERE = Path(__file__).resolve().parent
COOKIE = "deskbreak_session"
MAX_BODY = 64 * 1024
# Reachable without signing in: the sign-in page and flows, the stylesheet and script, and
# stretch pictures by content hash (Slack's image blocks fetch them without a cookie).
PUBLIC = re.compile(r"^/(signin|login/[^/]+|auth/(discord|slack)(/callback)?|static/.+"
                    r"|pictures/[0-9a-f]{32}\.png)$")
# Anonymous POSTs allowed: only "print a new console link", which reveals nothing to the caller.
NO_SESSION_POSTS = frozenset({"/login/new"})
TITLES = {400: "That request didn't make sense", 403: "Not allowed",
          404: "Nothing here", 405: "Not allowed", 413: "Too much at once",
          429: "Slow down a little", 503: "Not ready yet"}

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@web.middleware
async def error_pages(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except web.HTTPException as exc:
        if exc.status < 400 or exc.status not in TITLES:
            raise
        if request.path.endswith(".json"):
            return web.json_response({"ok": False, "title": TITLES[exc.status]},
                                     status=exc.status)
        return await render(request, "error.html", {
            "title": TITLES[exc.status], "status": exc.status,
            "detail": exc.text if exc.text and not exc.text.startswith(str(exc.status)) else ""},
            status=exc.status)


@web.middleware
async def signed_in_only(request: web.Request, handler: Handler) -> web.StreamResponse:
    if PUBLIC.match(request.path) or await current_user(request) is not None:
        return await handler(request)
    if request.method in ("GET", "HEAD"):
        raise web.HTTPSeeOther("/signin")
    raise web.HTTPForbidden(text="Please sign in first.")


@web.middleware
async def csrf(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Every POST carries the session's token (a form field, or a header from a script) and,
    when the browser names one, our origin; otherwise 403 and nothing runs."""
    if request.method not in ("GET", "HEAD", "OPTIONS") and request.path in NO_SESSION_POSTS:
        if not same_origin(request, request.app[CONTEXT].base_url):
            raise web.HTTPForbidden(text="This form came from another site.")
    elif request.method not in ("GET", "HEAD", "OPTIONS"):
        session = await get_session(request)
        given = request.headers.get(CSRF_HEADER)
        if given is None and request.content_type in (
                "application/x-www-form-urlencoded", "multipart/form-data"):
            given = (await request.post()).get(CSRF_FIELD)  # type: ignore[assignment]
        ctx = request.app[CONTEXT]
        if not csrf_ok(session.get("csrf"), given) or not same_origin(request, ctx.base_url):
            raise web.HTTPForbidden(
                text="This form had expired. Go back, reload the page and try again.")
    return await handler(request)


def ticks(text: str) -> Markup:
    """The facade's messages mark commands with backticks: show them as code, safely."""
    parts = str(escape(text)).split("`")
    return Markup("".join(f"<code>{p}</code>" if i % 2 else p for i, p in enumerate(parts)))  # noqa: S704 - each part was escaped above


def build_web_app(ctx: WebContext, session_key: bytes) -> web.Application:
    """The whole dashboard; ``session_key`` (32 bytes) encrypts and signs the cookie."""
    app = web.Application(middlewares=[error_pages], client_max_size=MAX_BODY)
    app[CONTEXT] = ctx
    setup_session(app, EncryptedCookieStorage(
        session_key, cookie_name=COOKIE, max_age=SESSION_MAX_AGE, httponly=True,
        samesite="Lax", secure=ctx.secure_cookies))
    app.middlewares.extend([signed_in_only, csrf])
    env = aiohttp_jinja2.setup(
        app, loader=jinja2.FileSystemLoader(HERE / "templates"),
        autoescape=jinja2.select_autoescape(default=True), trim_blocks=True,
        lstrip_blocks=True, undefined=jinja2.StrictUndefined)
    env.filters["ticks"] = ticks
    app.on_response_prepare.append(add_headers)
    router = app.router
    for area in (signin, workspaces, schedules, settings, audit, stats, pictures):
        area.register(router)
    static = router.add_static("/static", HERE / "static", name="static", append_version=True)
    env.globals["asset"] = lambda name: str(static.url_for(filename=name))
    return app
