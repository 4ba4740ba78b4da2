"""Which calendar addresses the bot may fetch: the SSRF guard.

A calendar URL is typed by anyone, and the bot fetches it from inside the operator's network.
Without a guard, ``/remind calendar http://169.254.169.254/latest/meta-data/`` would make the
bot read its cloud metadata (credentials included) or probe the office network. So:

* only ``https://`` is fetched (``webcal://`` is the same feed, fetched as https); ``http:``,
  ``file:``, ``ftp:`` and anything else are refused before any I/O;
* an address that is not public - loopback, private, link-local (169.254.x.x, where cloud
  metadata lives), multicast, reserved, unspecified, shared (100.64/10) - is refused, for IPv4
  and IPv6 alike, including IPv6 forms that carry an IPv4 address inside (``::ffff:10.0.0.1``,
  6to4, Teredo, NAT64);
* the check is made on the address the connection is actually opened to, not on the name in
  the URL: :class:`GuardedResolver` refuses a name that resolves to any such address, and
  :func:`guarded_socket_factory` checks the address once more as the socket is created. aiohttp
  connects to exactly the addresses its resolver returned, so a DNS answer that changes between
  a check and the connect (DNS rebinding) cannot slip through, and a bare IP in the URL (which
  aiohttp never resolves) is still checked at the socket;
* the same holds after every redirect, which :mod:`bot.meetings.fetch` follows by hand.

Error messages never contain the URL: a private calendar address is a secret (anyone holding
it can read the calendar), so it must not end up in a channel, a log or a stack trace.

Tests run a local ICS server on 127.0.0.1. ``allow_loopback`` (a test-only setting) lets
loopback addresses through, and plain ``http`` to them; nothing else is loosened by it.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable
from typing import Any

from aiohttp.abc import AbstractResolver, ResolveResult
from aiohttp.resolver import DefaultResolver
from yarl import URL

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
AddrInfo = tuple[int, int, int, str, tuple[Any, ...]]
SocketFactory = Callable[[AddrInfo], socket.socket]

ALLOWED_SCHEMES = frozenset({"https", "webcal"})
# 64:ff9b::/96 maps IPv4 addresses for NAT64 gateways (RFC 6052): ::7f00:1 there is 127.0.0.1.
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")

REFUSED_SCHEME = (
    "I can only read calendars published at an https:// (or webcal://) address. "
    "Copy the calendar's secret iCal/ICS link and try again."
)
REFUSED_ADDRESS = (
    "That calendar address points at a private or local network, so I won't fetch it. "
    "Use the public iCal/ICS link your calendar service gives you."
)
REFUSED_SHAPE = "That doesn't look like a calendar link. Paste the full iCal/ICS address."


class UrlRefused(ValueError):
    """A calendar URL the guard refuses; ``str()`` is a private message for the person.

    ``why`` is a short operator-facing reason (e.g. "link-local address") that never holds
    the URL, so it can be logged.
    """

    def __init__(self, message: str, why: str) -> None:
        super().__init__(message)
        self.why = why


class BlockedAddress(OSError):
    """Raised at connect time for an address the guard refuses (a socket is never made)."""

    def __init__(self, why: str) -> None:
        super().__init__(f"refused to connect: {why}")
        self.why = why


def address_problem(ip: IPAddress, *, allow_loopback: bool = False) -> str | None:
    """Why ``ip`` must not be fetched from, or None when it is a public address."""
    if isinstance(ip, ipaddress.IPv6Address):
        for embedded in _embedded_ipv4(ip):
            problem = address_problem(embedded, allow_loopback=allow_loopback)
            if problem is not None:
                return f"{problem} (inside an IPv6 address)"
    if ip.is_loopback:
        return None if allow_loopback else "loopback address"
    if ip.is_link_local:
        return "link-local address (cloud metadata lives there)"
    if ip.is_multicast:
        return "multicast address"
    if ip.is_unspecified:
        return "unspecified address"
    if ip.is_private:
        return "private address"
    if ip.is_reserved:
        return "reserved address"
    if isinstance(ip, ipaddress.IPv6Address) and ip.is_site_local:
        return "site-local address"
    if not ip.is_global:
        return "non-public address"
    return None


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> list[ipaddress.IPv4Address]:
    """IPv4 addresses an IPv6 address routes to: mapped, 6to4, Teredo client, NAT64."""
    found: list[ipaddress.IPv4Address] = []
    if ip.ipv4_mapped is not None:
        found.append(ip.ipv4_mapped)
    if ip.sixtofour is not None:
        found.append(ip.sixtofour)
    if ip.teredo is not None:
        found.append(ip.teredo[1])
    if ip in _NAT64:
        found.append(ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF))
    return found


def parse_ip(host: str) -> IPAddress | None:
    """``host`` as an IP address (brackets and a zone id allowed), or None for a name."""
    text = host.strip("[]").split("%", 1)[0]
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def check_url(raw: str, *, allow_loopback: bool = False) -> URL:
    """The URL to fetch for ``raw`` (webcal:// becomes https://), or :class:`UrlRefused`.

    This is the cheap check made before any I/O (scheme, shape, a bare IP); names are checked
    on their resolved addresses when the connection is made.
    """
    text = raw.strip()
    try:
        url = URL(text)
    except (ValueError, TypeError) as exc:
        raise UrlRefused(REFUSED_SHAPE, "unparseable URL") from exc
    scheme = (url.scheme or "").lower()
    loopback_http = allow_loopback and scheme == "http"
    if scheme not in ALLOWED_SCHEMES and not loopback_http:
        raise UrlRefused(REFUSED_SCHEME, f"scheme {scheme or 'missing'!r}")
    host = url.host
    if not host or not url.is_absolute():
        raise UrlRefused(REFUSED_SHAPE, "no host")
    if url.user is not None or url.password is not None:
        # Credentials in the URL would be sent along to wherever a redirect points.
        raise UrlRefused(REFUSED_SHAPE, "credentials in the URL")
    if scheme == "webcal":
        url = url.with_scheme("https")
    ip = parse_ip(host)
    if ip is not None:
        problem = address_problem(ip, allow_loopback=allow_loopback)
        if problem is not None:
            raise UrlRefused(REFUSED_ADDRESS, problem)
    elif loopback_http:
        # Plain http is for the local test server only: a name could resolve anywhere.
        if host.lower() != "localhost":
            raise UrlRefused(REFUSED_SCHEME, "http to a name")
    elif not _looks_like_a_host_name(host):
        raise UrlRefused(REFUSED_SHAPE, "bad host name")
    return url


def _looks_like_a_host_name(host: str) -> bool:
    """A DNS name with a dot in it: ``intranet``, ``0x7f.1`` or ``2130706433`` are not.

    Single-label names resolve through search domains to internal hosts, and numeric forms
    (``2130706433`` is 127.0.0.1 to ``inet_aton``) are IP addresses in disguise.
    """
    name = host.rstrip(".").lower()
    if "." not in name:
        return False
    labels = name.split(".")
    if all(label.isdigit() or label.startswith("0x") for label in labels):
        return False
    return all(label and len(label) <= 63 for label in labels)


class GuardedResolver(AbstractResolver):
    """An aiohttp resolver that refuses names resolving to any non-public address.

    A name with one private address among public ones is refused outright rather than
    filtered: happy eyeballs could otherwise still reach the private one, and such a mix is
    a sign of someone steering the lookup.
    """

    def __init__(self, inner: AbstractResolver | None = None, *, allow_loopback: bool = False
                 ) -> None:
        self._inner = inner if inner is not None else DefaultResolver()
        self._allow_loopback = allow_loopback

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        results = await self._inner.resolve(host, port, family)
        for result in results:
            ip = parse_ip(result["host"])
            problem = "unparseable address" if ip is None else address_problem(
                ip, allow_loopback=self._allow_loopback)
            if problem is not None:
                raise BlockedAddress(f"the name resolves to a {problem}")
        return results

    async def close(self) -> None:
        await self._inner.close()


def guarded_socket_factory(
    *, allow_loopback: bool = False, make: SocketFactory | None = None
) -> SocketFactory:
    """A socket factory for aiohttp's connector that checks the address being connected to.

    This is the last word: it sees the sockaddr itself, whatever produced it (the resolver,
    a bare IP in the URL, a redirect). ``make`` creates the socket once the address passed
    (tests use it to prove nothing else is ever dialled).
    """

    def factory(addr_info: AddrInfo) -> socket.socket:
        family, type_, proto, _, sockaddr = addr_info
        ip = parse_ip(str(sockaddr[0]))
        problem = "unparseable address" if ip is None else address_problem(
            ip, allow_loopback=allow_loopback)
        if problem is not None:
            raise BlockedAddress(problem)
        if make is not None:
            return make(addr_info)
        sock = socket.socket(family=family, type=type_, proto=proto)
        sock.setblocking(False)
        return sock

    return factory
