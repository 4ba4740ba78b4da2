"""The audit log: who changed what, when, and whether from here or from a chat command."""

from __future__ import annotations

import re

from aiohttp import web

from bot.scheduling.specs import zone
from bot.storage.audit import PAGE_SIZE
from bot.web.views.common import page_for, render

CHANNEL = re.compile(r"channel ([A-Za-z0-9_-]{1,64})")


async def audit_page(request: web.Request) -> web.StreamResponse:
    page = await page_for(request)
    ws = page.workspace
    before_text = request.query.get("before", "")
    before = int(before_text) if before_text.isdigit() and len(before_text) < 19 else None
    rows = await page.ctx.audit.page(str(ws.platform), ws.id, before=before)
    settings = await page.ctx.store.get_workspace(str(ws.platform), ws.id)
    tz = zone(settings.timezone)
    channels = {c.id: c.name for c in await page.directory.channels(ws.id)}
    entries = [{"row": r, "when": f"{r.at.astimezone(tz):%a %d %b %Y, %H:%M}",
                "iso": r.at.isoformat(), "detail": named(r.detail, channels)} for r in rows]
    older = rows[-1].id if len(rows) == PAGE_SIZE else None
    return await render(request, "audit.html", {
        "workspace": ws, "section": "audit", "entries": entries, "older": older,
        "timezone": tz.key, "title": f"Audit log · {ws.name}"})


def named(detail: str, channels: dict[str, str]) -> str:
    """The facade words changes with channel ids; people know channels by name."""
    return CHANNEL.sub(lambda m: f"#{channels[m[1]]}" if m[1] in channels else m[0], detail)


def register(router: web.UrlDispatcher) -> None:
    router.add_get("/w/{platform}/{workspace}/audit", audit_page)
