"""Team stats: the same answer as the admin's ``/teamstats``, chart included, as a page.

The numbers and the chart come from the stats feature (issue 13) through the
:class:`bot.web.context.TeamStats` port; this page only lays out the Message it returns, so a
figure the chat command hides (fewer than 3 people) is hidden here too.
"""

from __future__ import annotations

import base64

from aiohttp import web

from bot.core.messages import MessageKind
from bot.web.views.common import page_for, render

PERIODS = ("week", "month", "year")


async def stats_page(request: web.Request) -> web.StreamResponse:
    page = await page_for(request)
    period = request.query.get("period", "week")
    period = period if period in PERIODS else "week"
    context: dict[str, object] = {"workspace": page.workspace, "section": "stats",
                                  "period": period, "periods": PERIODS,
                                  "title": f"Team stats · {page.workspace.name}"}
    stats = page.ctx.stats
    if stats is not None:
        message = await stats.teamstats(page.actor, period)
        chart = next((a for a in message.attachments if a.filename == message.image), None)
        context["message"] = message
        context["error"] = message.kind is MessageKind.ERROR
        if chart is not None and chart.content_type in ("image/png", "image/jpeg"):
            data = base64.b64encode(chart.data).decode("ascii")
            context["chart"] = {"src": f"data:{chart.content_type};base64,{data}",
                                "alt": chart.alt}
    return await render(request, "stats.html", context)


def register(router: web.UrlDispatcher) -> None:
    router.add_get("/w/{platform}/{workspace}/stats", stats_page)
