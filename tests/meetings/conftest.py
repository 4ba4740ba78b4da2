"""A local ICS server (loopback only), a name resolver the tests control, and a socket guard
that fails a test before anything but loopback could ever be dialled."""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

import pytest
from aiohttp import web
from aiohttp.abc import AbstractResolver, ResolveResult

from bot.meetings.fetch import FeedError, FeedFetcher, FetchLimits


@dataclass
class Route:
    body: bytes = b""
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    hold: asyncio.Event | None = None  # answer only once set: a server that hangs
    chunked: bool = False  # stream without Content-Length


@dataclass
class IcsServer:
    """Serves registered paths on 127.0.0.1; ``hits`` lists every path asked for."""

    routes: dict[str, Route] = field(default_factory=dict)
    hits: list[str] = field(default_factory=list)
    port: int = 0
    arrived: asyncio.Event = field(default_factory=asyncio.Event)  # set by every request

    def url(self, path: str, host: str = "127.0.0.1") -> str:
        return f"http://{host}:{self.port}{path}"

    def serve(self, path: str, body: str | bytes, *, status: int = 200,
              headers: dict[str, str] | None = None, chunked: bool = False) -> str:
        data = body.encode() if isinstance(body, str) else body
        self.routes[path] = Route(data, status, dict(headers or {}), chunked=chunked)
        return self.url(path)

    def redirect(self, path: str, location: str, status: int = 302) -> str:
        self.routes[path] = Route(status=status, headers={"Location": location})
        return self.url(path)

    def hang(self, path: str) -> asyncio.Event:
        gate = asyncio.Event()
        self.routes[path] = Route(b"BEGIN:VCALENDAR\nEND:VCALENDAR\n", hold=gate)
        return gate

    async def handle(self, request: web.Request) -> web.StreamResponse:
        self.hits.append(request.path)
        self.arrived.set()
        route = self.routes.get(request.path)
        if route is None:
            return web.Response(status=404, text="no such calendar")
        if route.hold is not None:
            await route.hold.wait()
        if route.chunked:
            response = web.StreamResponse(status=route.status, headers=route.headers)
            response.enable_chunked_encoding()
            await response.prepare(request)
            for start in range(0, len(route.body), 65536):
                await response.write(route.body[start:start + 65536])
            await response.write_eof()
            return response
        return web.Response(status=route.status, body=route.body, headers=route.headers,
                            content_type=None if "Content-Type" in route.headers
                            else "text/calendar")


@pytest.fixture
async def ics_server() -> AsyncIterator[IcsServer]:
    server = IcsServer()
    app = web.Application()
    app.router.add_route("GET", "/{tail:.*}", server.handle)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    server.port = runner.addresses[0][1]
    yield server
    for route in server.routes.values():
        if route.hold is not None:
            route.hold.set()
    await runner.cleanup()


class StaticResolver(AbstractResolver):
    """Answers names from a table the test sets (no real DNS); unknown names fail."""

    def __init__(self, table: dict[str, list[str]] | None = None) -> None:
        self.table = dict(table or {})
        self.lookups: list[str] = []

    async def resolve(self, host: str, port: int = 0,
                      family: socket.AddressFamily = socket.AF_INET) -> list[ResolveResult]:
        self.lookups.append(host)
        if host not in self.table:
            raise OSError(socket.EAI_NONAME, f"no such name: {host}")
        out: list[ResolveResult] = []
        for address in self.table[host]:
            ip = ipaddress.ip_address(address)
            out.append({"hostname": host, "host": address, "port": port,
                        "family": socket.AF_INET6 if ip.version == 6 else socket.AF_INET,
                        "proto": 0, "flags": socket.AI_NUMERICHOST})
        return out

    async def close(self) -> None:
        return None


class LoopbackOnly:
    """The socket maker handed to the guard: it records every address the guard let through
    and fails the test (instead of dialling) for anything but loopback."""

    def __init__(self) -> None:
        self.dialled: list[str] = []

    def __call__(self, addr_info: tuple[int, int, int, str, tuple[object, ...]]
                 ) -> socket.socket:
        family, type_, proto, _, sockaddr = addr_info
        host = str(sockaddr[0])
        self.dialled.append(host)
        if not ipaddress.ip_address(host.split("%")[0]).is_loopback:
            raise AssertionError(f"the guard let {host} through to a real socket")
        return socket.socket(family=family, type=type_, proto=proto)


@pytest.fixture
def dialled() -> LoopbackOnly:
    return LoopbackOnly()


@pytest.fixture
def resolver() -> StaticResolver:
    return StaticResolver({"localhost": ["127.0.0.1"]})


@pytest.fixture
async def fetcher(resolver: StaticResolver, dialled: LoopbackOnly
                  ) -> AsyncIterator[FeedFetcher]:
    """A fetcher with the test-only loopback allowance, as the local server needs."""
    made = FeedFetcher(FetchLimits(timeout=2.0), allow_loopback=True, resolver=resolver,
                       make_socket=dialled)
    yield made
    await made.close()


@pytest.fixture
async def strict_fetcher(resolver: StaticResolver, dialled: LoopbackOnly
                         ) -> AsyncIterator[FeedFetcher]:
    """A fetcher as production builds it (no loopback), with the test's resolver."""
    made = FeedFetcher(FetchLimits(timeout=2.0), resolver=resolver, make_socket=dialled)
    yield made
    await made.close()


@asynccontextmanager
async def made_fetcher(resolver: StaticResolver, dialled: LoopbackOnly,
                       limits: FetchLimits | None = None, *, allow_loopback: bool = True
                       ) -> AsyncIterator[FeedFetcher]:
    """A fetcher (loopback allowed unless told otherwise) with its own limits, closed after."""
    made = FeedFetcher(limits or FetchLimits(timeout=2.0), allow_loopback=allow_loopback,
                       resolver=resolver, make_socket=dialled)
    try:
        yield made
    finally:
        await made.close()


async def fetch_error(fetcher: FeedFetcher, url: str) -> FeedError:
    """The FeedError fetching ``url`` raises (the test fails if it succeeds)."""
    with pytest.raises(FeedError) as caught:
        await fetcher.fetch(url)
    return caught.value
