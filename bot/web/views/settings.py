"""Workspace settings: time zone, quiet hours and skip dates, each one /config call."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from bot.core.messages import Message
from bot.core.ports import Actor
from bot.scheduling.timezones import POPULAR_ZONES, timezone_names
from bot.web.views.common import commands_of, page_for, render


async def settings_page(request: web.Request) -> web.StreamResponse:
    page = await page_for(request)
    ws = await page.ctx.store.get_workspace(str(page.workspace.platform), page.workspace.id)
    return await render(request, "settings.html", {
        "workspace": page.workspace, "section": "settings", "settings": ws,
        "zones": timezone_names(), "popular": POPULAR_ZONES,
        "skip_dates": sorted(ws.skip_dates), "title": f"Settings · {page.workspace.name}"})


def _field(data: object, name: str, limit: int = 64) -> str:
    value = data.get(name) if hasattr(data, "get") else None
    return value.strip()[:limit] if isinstance(value, str) else ""


async def _changed(request: web.Request, change: Callable[[Any, Actor, Any], Awaitable[Message]]
                   ) -> web.StreamResponse:
    """One /config call with the posted form, then back to the settings page with its answer."""
    page = await page_for(request)
    message = await change(commands_of(page), page.actor, await request.post())
    raise await page.answered(message, "/settings")


async def set_timezone(request: web.Request) -> web.StreamResponse:
    return await _changed(request, lambda c, actor, data: c.config_timezone(
        actor, _field(data, "timezone")))


async def set_quiet(request: web.Request) -> web.StreamResponse:
    return await _changed(request, lambda c, actor, data: c.config_quiet(actor, "off") if _field(
        data, "off") else c.config_quiet(actor, _field(data, "start"), _field(data, "end")))


async def add_skip(request: web.Request) -> web.StreamResponse:
    return await _changed(request, lambda c, actor, data: c.config_skip(
        actor, _field(data, "date")))


async def remove_skip(request: web.Request) -> web.StreamResponse:
    return await _changed(request, lambda c, actor, data: c.config_skip(
        actor, _field(data, "date"), remove=True))


def register(router: web.UrlDispatcher) -> None:
    base = "/w/{platform}/{workspace}/settings"
    router.add_get(base, settings_page)
    router.add_post(f"{base}/timezone", set_timezone)
    router.add_post(f"{base}/quiet", set_quiet)
    router.add_post(f"{base}/skip", add_skip)
    router.add_post(f"{base}/skip/remove", remove_skip)
