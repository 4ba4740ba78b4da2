"""The fake Socket Mode websocket: says hello, pushes envelopes and collects acks.

Slack's protocol: after connecting, the server sends ``{"type": "hello"}``; each request
arrives as an envelope ``{"envelope_id", "type", "payload", "accepts_response_payload"}`` and
the app must answer ``{"envelope_id": ...}`` (optionally with a ``payload``) within 3 seconds.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from typing import Any

from aiohttp import WSMsgType, web

# Only a guard against a hung test: every wait ends as soon as the awaited event happens.
GUARD_SECONDS = 5.0


class FakeSocketMode:
    def __init__(self) -> None:
        self.connections = 0
        self.acks: dict[str, dict[str, Any]] = {}
        self._socket: web.WebSocketResponse | None = None
        self._connected = asyncio.Event()
        self._acked: dict[str, asyncio.Future[dict[str, Any]]] = {}

    async def handle(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(autoping=True)
        await ws.prepare(request)
        self.connections += 1
        self._socket = ws
        await ws.send_json(
            {
                "type": "hello",
                "num_connections": 1,
                "debug_info": {"host": "fake-slack", "approximate_connection_time": 3600},
                "connection_info": {"app_id": "A0FAKE"},
            }
        )
        self._connected.set()
        async for msg in ws:
            if msg.type != WSMsgType.TEXT:
                continue
            data = json.loads(msg.data)
            envelope_id = data.get("envelope_id")
            if envelope_id:
                self.acks[envelope_id] = data
                future = self._acked.get(envelope_id)
                if future is not None and not future.done():
                    future.set_result(data)
        self._socket = None
        return ws

    async def wait_connected(self) -> None:
        await asyncio.wait_for(self._connected.wait(), GUARD_SECONDS)

    async def send_envelope(self, kind: str, payload: dict[str, Any]) -> dict[str, Any]:
        """Push one envelope and return the app's ack for it."""
        assert self._socket is not None, "no Socket Mode client connected"
        envelope_id = str(uuid.uuid4())
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._acked[envelope_id] = future
        await self._socket.send_json(
            {
                "envelope_id": envelope_id,
                "type": kind,
                "payload": payload,
                "accepts_response_payload": kind == "slash_commands",
                "retry_attempt": 0,
                "retry_reason": "",
            }
        )
        return await asyncio.wait_for(future, GUARD_SECONDS)

    async def close(self) -> None:
        if self._socket is not None:
            await self._socket.close()
