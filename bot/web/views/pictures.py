"""Stretch pictures by content hash, for anyone: ``GET /pictures/<key>.png``.

Slack shows a Block Kit ``image`` block by fetching its URL itself, without a cookie, so the
pictures a stretch card shows must be reachable without signing in. Only stretch drawings are
served (``StretchPictures.by_key``: the picture cache, looked up by the hash of a pose and the
drawing code): they are the same for everyone and say nothing about anybody. Nothing private
(a stats chart) is ever cached there, so nothing private can be fetched here; those travel
only as uploads into the person's own DM.

The key is the content hash, so a URL's bytes never change: browsers and Slack's image proxy
may keep it for a year.
"""

from __future__ import annotations

import asyncio
import re

from aiohttp import web

from bot.web.context import CONTEXT

ROUTE = re.compile(r"^/pictures/[0-9a-f]{32}\.png$")  # also reachable without a session
CACHE = "public, max-age=31536000, immutable"


async def picture(request: web.Request) -> web.StreamResponse:
    source = request.app[CONTEXT].pictures
    key = request.match_info["key"]
    data = None if source is None else await asyncio.to_thread(source.by_key, key)
    if data is None:
        raise web.HTTPNotFound()
    response = web.Response(body=data, content_type="image/png")
    response.headers["Cache-Control"] = CACHE
    return response


def register(router: web.UrlDispatcher) -> None:
    router.add_get(r"/pictures/{key:[0-9a-f]{32}}.png", picture)
