"""One guarded, bounded download of a person's calendar feed.

Limits, and why:

* **https only, every hop checked** (:mod:`bot.meetings.ssrf`): redirects are followed by hand,
  at most ``max_redirects`` of them, and each ``Location`` goes through the same check as the
  URL the person typed; an https -> http downgrade is refused like any http URL. The connector
  re-checks the address actually dialled, so a redirect to a name that resolves privately is
  refused at connect time too.
* **at most 2 MB** of body (after decompression: counted as it is read, so a small gzip bomb
  cannot blow up memory); a larger ``Content-Length`` is refused before reading.
* **10 s for the whole fetch**, redirects included: a feed that trickles bytes cannot hold a
  check open past the person's nudge.
* no proxies from the environment (``trust_env=False``): a proxy would make every address
  check moot, since the bot would only ever connect to the proxy.

Errors are :class:`FeedError` with a ``kind`` the cache can act on and a message for the
person; neither holds the URL, which is a secret.
"""

from __future__ import annotations

import asyncio
import logging
import ssl
from collections.abc import Mapping
from dataclasses import dataclass

import aiohttp
from aiohttp.abc import AbstractResolver
from yarl import URL

from bot.meetings.errors import FeedError, FeedErrorKind
from bot.meetings.ssrf import (
    REFUSED_ADDRESS,
    BlockedAddress,
    GuardedResolver,
    SocketFactory,
    UrlRefused,
    check_url,
    guarded_socket_factory,
)

log = logging.getLogger(__name__)

MAX_BYTES = 2 * 1024 * 1024
TIMEOUT_SECONDS = 10.0
MAX_REDIRECTS = 3
USER_AGENT = "deskbreak-calendar/1 (+https://github.com/deskbreak)"
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_CHUNK = 64 * 1024


@dataclass(frozen=True, slots=True)
class FetchLimits:
    max_bytes: int = MAX_BYTES
    timeout: float = TIMEOUT_SECONDS
    max_redirects: int = MAX_REDIRECTS


class FeedFetcher:
    """Downloads ICS feeds through the SSRF guard; one aiohttp session, made on first use.

    ``allow_loopback`` is the test-only setting (see :mod:`bot.meetings.ssrf`). ``resolver``
    is the name lookup to guard (default: aiohttp's); ``make_socket`` and ``ssl_context`` let
    tests prove what is dialled and trust a local certificate.
    """

    def __init__(
        self,
        limits: FetchLimits = FetchLimits(),
        *,
        allow_loopback: bool = False,
        resolver: AbstractResolver | None = None,
        make_socket: SocketFactory | None = None,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        self.limits = limits
        self.allow_loopback = allow_loopback
        self._resolver = resolver
        self._make_socket = make_socket
        self._ssl = ssl_context
        self._session: aiohttp.ClientSession | None = None

    def check(self, url: str) -> URL:
        """The URL that would be fetched, or :class:`UrlRefused`: for ``/remind calendar``
        to answer at once, before the first fetch."""
        return check_url(url, allow_loopback=self.allow_loopback)

    def _client(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            connector = aiohttp.TCPConnector(
                resolver=GuardedResolver(self._resolver, allow_loopback=self.allow_loopback),
                socket_factory=guarded_socket_factory(
                    allow_loopback=self.allow_loopback, make=self._make_socket),
                ssl=self._ssl if self._ssl is not None else True,
                limit=32,
                ttl_dns_cache=60,
            )
            self._session = aiohttp.ClientSession(
                connector=connector,
                trust_env=False,
                headers={"User-Agent": USER_AGENT, "Accept": "text/calendar, */*;q=0.5"},
                cookie_jar=aiohttp.DummyCookieJar(),
            )
        return self._session

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def fetch(self, raw_url: str) -> bytes:
        """The feed's bytes, following at most ``max_redirects`` checked redirects."""
        try:
            url = self.check(raw_url)
        except UrlRefused as exc:
            raise FeedError(FeedErrorKind.REFUSED, str(exc)) from None
        try:
            async with asyncio.timeout(self.limits.timeout):
                return await self._follow(url)
        except TimeoutError:
            raise FeedError(FeedErrorKind.TIMEOUT) from None

    async def _follow(self, url: URL) -> bytes:
        session = self._client()
        for _ in range(self.limits.max_redirects + 1):
            try:
                async with session.get(url, allow_redirects=False,
                                       timeout=aiohttp.ClientTimeout(total=None)) as response:
                    if response.status in _REDIRECTS:
                        url = self._next_hop(url, response.headers)
                        continue
                    _raise_for_status(response.status)
                    return await self._read(response)
            except FeedError:
                raise
            except aiohttp.ClientConnectorError as exc:
                raise _connect_error(exc) from None
            except BlockedAddress as exc:
                raise _blocked(exc.why) from None
            except aiohttp.ClientPayloadError:
                raise FeedError(FeedErrorKind.NETWORK) from None
            except aiohttp.ClientError as exc:
                log.info("calendar fetch failed: %s", type(exc).__name__)
                raise FeedError(FeedErrorKind.NETWORK) from None
        raise FeedError(FeedErrorKind.TOO_MANY_REDIRECTS)

    def _next_hop(self, current: URL, headers: Mapping[str, str]) -> URL:
        location = headers.get("Location")
        if not location:
            raise FeedError(FeedErrorKind.HTTP, status=302)
        try:
            target = current.join(URL(location))
        except ValueError:
            raise FeedError(FeedErrorKind.HTTP) from None
        try:
            return check_url(str(target), allow_loopback=self.allow_loopback)
        except UrlRefused as exc:
            log.info("calendar redirect refused: %s", exc.why)
            raise FeedError(FeedErrorKind.REFUSED, str(exc)) from None

    async def _read(self, response: aiohttp.ClientResponse) -> bytes:
        limit = self.limits.max_bytes
        if response.content_length is not None and response.content_length > limit:
            raise FeedError(FeedErrorKind.TOO_LARGE)
        body = bytearray()
        async for chunk in response.content.iter_chunked(_CHUNK):
            body += chunk
            if len(body) > limit:
                raise FeedError(FeedErrorKind.TOO_LARGE)
        return bytes(body)


def _raise_for_status(status: int) -> None:
    if 200 <= status < 300:
        return
    if status in (404, 410):
        raise FeedError(FeedErrorKind.NOT_FOUND, status=status)
    if status in (401, 403):
        raise FeedError(FeedErrorKind.DENIED, status=status)
    raise FeedError(FeedErrorKind.HTTP, status=status)


def _blocked(why: str) -> FeedError:
    log.info("calendar fetch refused at connect time: %s", why)
    return FeedError(FeedErrorKind.REFUSED, REFUSED_ADDRESS)


def _connect_error(exc: aiohttp.ClientConnectorError) -> FeedError:
    """A connect failure; the guard's refusal hides in ``os_error`` (or in the text of the
    combined error happy eyeballs raises when every address failed)."""
    cause = exc.os_error
    if isinstance(cause, BlockedAddress):
        return _blocked(cause.why)
    if "refused to connect:" in str(cause):
        return _blocked(str(cause).split("refused to connect:", 1)[1].strip())
    return FeedError(FeedErrorKind.NETWORK)
