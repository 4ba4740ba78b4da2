"""What every workspace page does first: find the workspace, check the person may run it (now,
not at sign-in), and build the Actor the scheduling facade will check again."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import aiohttp_jinja2
from aiohttp import web

from bot.core.messages import Message
from bot.core.ports import Actor, Platform
from bot.web.context import WebContext, context_of
from bot.web.directory import Directory, Workspace
from bot.web.session import User, csrf_token, current_user, flash, take_flash


@dataclass(frozen=True, slots=True)
class Page:
    """A request for a workspace page by someone allowed to see it."""

    request: web.Request
    ctx: WebContext
    user: User
    workspace: Workspace
    directory: Directory

    @property
    def actor(self) -> Actor:
        return Actor(self.workspace.platform, self.workspace.id, self.user.user_id,
                     is_admin=True, display_name=self.user.name)

    def back(self, suffix: str = "") -> web.HTTPSeeOther:
        return web.HTTPSeeOther(f"{self.workspace.path}{suffix}")

    async def answered(self, message: Message, suffix: str = "") -> web.HTTPSeeOther:
        """POST-redirect-GET: keep the facade's answer for the next page and go there."""
        await flash(self.request, message)
        return self.back(suffix)


async def page_for(request: web.Request) -> Page:
    """The workspace in the URL, if the signed-in person administers it right now; else 404.

    404 rather than 403 for a workspace someone may not see, so the dashboard never confirms
    which servers the bot is in to people who are not their admins.
    """
    ctx = context_of(request)
    user = await current_user(request)
    if user is None:
        raise web.HTTPSeeOther("/signin")
    try:
        platform = Platform(request.match_info["platform"])
    except ValueError:
        raise web.HTTPNotFound() from None
    workspace_id = request.match_info["workspace"]
    directory = ctx.directories.get(platform)
    if directory is None or platform is not user.platform or len(workspace_id) > 64:
        raise web.HTTPNotFound()
    if not await ctx.access.allowed(directory, workspace_id, user.user_id):
        raise web.HTTPNotFound()
    workspace = await directory.workspace(workspace_id)
    if workspace is None:
        raise web.HTTPNotFound()
    return Page(request, ctx, user, workspace, directory)


async def render(request: web.Request, template: str, context: dict[str, Any],
                 status: int = 200) -> web.Response:
    """A page with what every template needs: the person, the CSRF token, a pending notice."""
    user = await current_user(request)
    base = {"user": user, "csrf": await csrf_token(request) if user else "",
            "notice": await take_flash(request) if user else None}
    # Rendering is pure CPU (a 500-schedule page takes tens of ms): in a worker thread, the
    # event loop keeps serving the scheduler's tick and the chat adapters meanwhile.
    html = await context_of(request).off_loop(aiohttp_jinja2.render_string, template, request,
                                              {**base, **context})
    return web.Response(text=html, content_type="text/html", status=status)


def commands_of(page: Page) -> Any:
    if page.ctx.commands is None:
        raise web.HTTPServiceUnavailable(text="The scheduler is still starting; try again.")
    return page.ctx.commands
