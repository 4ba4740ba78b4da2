"""The audit log: who changed what, when, and whether from here or from a chat command."""

from __future__ import annotations

from aiohttp import web

from bot.scheduling.specs import zone
from bot.storage.audit import PAGE_SIZE
from bot.web.views.common import page_for, render


async def audit_page(request: web.Request) -> web.StreamResponse:
    page = await page_for(request)
    ws = page.workspace
    before_text = request.query.get("before", "")
    before = int(before_text) if before_text.isdigit() and len(before_text) < 19 else None
    rows = await page.ctx.audit.page(str(ws.platform), ws.id, before=before)
    settings = await page.ctx.store.get_workspace(str(ws.platform), ws.id)
    tz = zone(settings.timezone)
    entries = [{"row": r, "when": f"{r.at.astimezone(tz):%a %d %b %Y, %H:%M}",
                "iso": r.at.isoformat()} for r in rows]
    older = rows[-1].id if len(rows) == PAGE_SIZE else None
    return await render(request, "audit.html", {
        "workspace": ws, "section": "audit", "entries": entries, "older": older,
        "timezone": tz.key, "title": f"Audit log · {ws.name}"})


def register(router: web.UrlDispatcher) -> None:
    router.add_get("/w/{platform}/{workspace}/audit", audit_page)
