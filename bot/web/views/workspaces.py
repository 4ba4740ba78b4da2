"""The home page: the workspaces this person administers right now."""

from __future__ import annotations

import asyncio

from aiohttp import web

from bot.web.context import context_of
from bot.web.directory import Workspace
from bot.web.session import current_user
from bot.web.views.common import render


async def home(request: web.Request) -> web.StreamResponse:
    ctx = context_of(request)
    user = await current_user(request)
    if user is None:
        raise web.HTTPSeeOther("/signin")
    directory = ctx.directories.get(user.platform)
    found: list[Workspace] = []
    if directory is not None:
        candidates = list(dict.fromkeys(user.workspaces))
        allowed = await asyncio.gather(*(ctx.access.allowed(directory, w, user.user_id)
                                         for w in candidates))
        for workspace_id, ok in zip(candidates, allowed, strict=True):
            workspace = await directory.workspace(workspace_id) if ok else None
            if workspace is not None:
                found.append(workspace)
    rows = []
    for workspace in found:
        settings = await ctx.store.get_workspace(str(workspace.platform), workspace.id)
        count = await ctx.store.count_schedules(str(workspace.platform), workspace.id)
        rows.append({"workspace": workspace, "timezone": settings.timezone, "count": count})
    return await render(request, "workspaces.html", {"rows": rows, "title": "Your workspaces"})


def register(router: web.UrlDispatcher) -> None:
    router.add_get("/", home)
