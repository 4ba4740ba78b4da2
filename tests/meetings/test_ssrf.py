"""The SSRF guard: schemes, non-public addresses (IPv4, IPv6, embedded IPv4), names that
resolve privately, redirects, and the connect-time check that DNS rebinding cannot pass."""

from __future__ import annotations

import ipaddress
import socket

import aiohttp
import pytest

from bot.meetings.errors import FeedErrorKind
from bot.meetings.fetch import FeedFetcher, FetchLimits
from bot.meetings.ssrf import (
    REFUSED_ADDRESS,
    BlockedAddress,
    GuardedResolver,
    UrlRefused,
    address_problem,
    check_url,
    guarded_socket_factory,
)
from tests.meetings.conftest import (
    IcsServer,
    LoopbackOnly,
    StaticResolver,
    fetch_error,
    made_fetcher,
)
from tests.meetings.feeds import ALICE

PRIVATE_HOSTS = [
    "127.0.0.1", "127.8.9.10", "10.1.2.3", "172.16.0.1", "172.31.255.254", "192.168.1.1",
    "169.254.169.254", "169.254.0.1", "0.0.0.0", "100.64.0.1", "224.0.0.1", "239.1.2.3",
    "240.0.0.1", "255.255.255.255", "192.0.0.1", "198.18.0.1",
    "[::1]", "[::]", "[fe80::1]", "[fc00::1]", "[fd00:ec2::254]", "[ff02::1]", "[fec0::1]",
    "[::ffff:127.0.0.1]", "[::ffff:169.254.169.254]", "[::ffff:10.0.0.1]",
    "[2002:7f00:1::]", "[2002:a9fe:a9fe::1]", "[64:ff9b::a00:1]", "[64:ff9b::7f00:1]",
    "[2001:0:4136:e378:8000:63bf:80ff:fffe]",  # Teredo; its client is 127.0.0.1
]


@pytest.mark.parametrize("host", PRIVATE_HOSTS)
def test_bare_non_public_ips_are_refused(host: str) -> None:
    """A bare IP in a non-public range is refused before any I/O, with the private message."""
    with pytest.raises(UrlRefused) as caught:
        check_url(f"https://{host}/calendar.ics")
    assert str(caught.value) == REFUSED_ADDRESS
    assert host.strip("[]") not in str(caught.value)


@pytest.mark.parametrize("url", [
    "file:///etc/passwd", "ftp://calendar.example.com/a.ics", "http://calendar.example.com/a.ics",
    "gopher://calendar.example.com/", "javascript:alert(1)", "data:text/calendar,BEGIN",
    "calendar.example.com/a.ics", "//calendar.example.com/a.ics", "",
])
def test_schemes_other_than_https_and_webcal_are_refused(url: str) -> None:
    """file:, ftp:, plain http and scheme-less input are refused with a clear message."""
    with pytest.raises(UrlRefused) as caught:
        check_url(url)
    assert "https://" in str(caught.value) or "calendar link" in str(caught.value)


@pytest.mark.parametrize("url", [
    "https://2130706433/a.ics", "https://0x7f.1/a.ics", "https://017700000001/a.ics",
    "https://intranet/a.ics", "https://user:secret@calendar.example.com/a.ics",
])
def test_disguised_addresses_and_credentials_are_refused(url: str) -> None:
    """Numeric host forms, single-label names and credentials in the URL are refused."""
    with pytest.raises(UrlRefused):
        check_url(url)


def test_webcal_is_fetched_as_https() -> None:
    """webcal://host/path becomes https://host/path; https stays as typed."""
    assert str(check_url("webcal://calendar.google.com/calendar/ical/x/basic.ics")) == \
        "https://calendar.google.com/calendar/ical/x/basic.ics"
    assert str(check_url(" https://outlook.office365.com/owa/calendar/a/b/calendar.ics ")) == \
        "https://outlook.office365.com/owa/calendar/a/b/calendar.ics"


def test_the_test_setting_allows_loopback_and_nothing_else() -> None:
    """allow_loopback lets 127.0.0.1 (and http to it) through; private ranges stay refused."""
    assert check_url("http://127.0.0.1:8080/a.ics", allow_loopback=True).port == 8080
    assert check_url("https://[::1]/a.ics", allow_loopback=True).host == "::1"
    for url in ("https://10.0.0.1/a.ics", "https://169.254.169.254/", "http://example.com/a",
                "file:///etc/passwd"):
        with pytest.raises(UrlRefused):
            check_url(url, allow_loopback=True)


@pytest.mark.parametrize("address", ["93.184.216.34", "8.8.8.8", "2606:4700:4700::1111"])
def test_public_addresses_pass(address: str) -> None:
    """Public IPv4 and IPv6 addresses are the only ones with no problem."""
    assert address_problem(ipaddress.ip_address(address)) is None


@pytest.mark.parametrize("sockaddr", [
    ("10.0.0.1", 443), ("169.254.169.254", 443), ("::ffff:127.0.0.1", 443, 0, 0),
    ("fe80::1%1", 443, 0, 1), ("127.0.0.1", 443),
])
def test_socket_factory_refuses_before_making_a_socket(
    sockaddr: tuple[object, ...], dialled: LoopbackOnly
) -> None:
    """The connect-time check raises BlockedAddress and never calls the socket maker."""
    factory = guarded_socket_factory(make=dialled)
    family = socket.AF_INET6 if ":" in str(sockaddr[0]) else socket.AF_INET
    with pytest.raises(BlockedAddress):
        factory((family, socket.SOCK_STREAM, 6, "", sockaddr))
    assert dialled.dialled == []


async def test_a_name_resolving_to_loopback_is_refused(
    strict_fetcher: FeedFetcher, resolver: StaticResolver, dialled: LoopbackOnly
) -> None:
    """A DNS name pointing at 127.0.0.1 is refused on its resolved address; nothing is dialled."""
    resolver.table["calendar.evil.test"] = ["127.0.0.1"]
    error = await fetch_error(strict_fetcher, "https://calendar.evil.test/feed.ics")
    assert error.kind is FeedErrorKind.REFUSED
    assert "evil" not in str(error)
    assert resolver.lookups == ["calendar.evil.test"]
    assert dialled.dialled == []


@pytest.mark.parametrize("answer", [["169.254.169.254"], ["10.0.0.8"], ["::ffff:192.168.0.1"],
                                    ["93.184.216.34", "10.0.0.8"]])
@pytest.mark.parametrize("test_setting", [False, True])
async def test_names_resolving_to_metadata_or_private_ranges_are_refused(
    answer: list[str], test_setting: bool, resolver: StaticResolver, dialled: LoopbackOnly
) -> None:
    """Cloud metadata, private ranges, mapped IPv6, and a public/private mix are all refused,
    with the loopback test setting on or off."""
    resolver.table["cal.example.com"] = answer
    async with made_fetcher(resolver, dialled, allow_loopback=test_setting) as fetcher:
        error = await fetch_error(fetcher, "webcal://cal.example.com/feed.ics")
    assert error.kind is FeedErrorKind.REFUSED
    assert dialled.dialled == []


async def test_connect_time_check_holds_even_if_resolution_is_not_guarded(
    dialled: LoopbackOnly
) -> None:
    """With an unguarded resolver handing out 10.0.0.9, the socket factory still refuses."""
    connector = aiohttp.TCPConnector(
        resolver=StaticResolver({"rebound.example.com": ["10.0.0.9"]}),
        socket_factory=guarded_socket_factory(make=dialled))
    async with aiohttp.ClientSession(connector=connector) as session:
        with pytest.raises(aiohttp.ClientConnectorError) as caught:
            await session.get("http://rebound.example.com/feed.ics")
    assert isinstance(caught.value.os_error, BlockedAddress)
    assert dialled.dialled == []


async def test_dns_rebinding_after_a_good_fetch_is_refused(
    ics_server: IcsServer, resolver: StaticResolver, dialled: LoopbackOnly
) -> None:
    """The name resolved to the (allowed) local server once; when it rebinds to a private
    address the next connection is refused on the new answer."""
    ics_server.serve("/feed.ics", ALICE)
    resolver.table["localhost"] = ["127.0.0.1"]
    async with made_fetcher(resolver, dialled) as fetcher:
        body = await fetcher.fetch(ics_server.url("/feed.ics", "localhost"))
    assert body.startswith(b"BEGIN:VCALENDAR")
    resolver.table["localhost"] = ["10.0.0.7"]
    async with made_fetcher(resolver, dialled) as fetcher:
        error = await fetch_error(fetcher, ics_server.url("/feed.ics", "localhost"))
    assert error.kind is FeedErrorKind.REFUSED
    assert dialled.dialled == ["127.0.0.1"]


@pytest.mark.parametrize("location", [
    "https://10.0.0.5/feed.ics", "https://169.254.169.254/latest/meta-data/",
    "https://[::ffff:127.0.0.1]/x", "file:///etc/passwd", "ftp://files.example.com/a.ics",
    "https://internal.example.com/feed.ics",
])
async def test_redirects_to_private_addresses_are_refused(
    location: str, ics_server: IcsServer, resolver: StaticResolver, dialled: LoopbackOnly
) -> None:
    """A redirect is checked like the URL itself: private targets (by IP, by name, by scheme)
    are refused and never dialled."""
    resolver.table["internal.example.com"] = ["192.168.10.4"]
    url = ics_server.redirect("/feed.ics", location)
    async with made_fetcher(resolver, dialled) as fetcher:
        error = await fetch_error(fetcher, url)
    assert error.kind is FeedErrorKind.REFUSED
    assert set(dialled.dialled) <= {"127.0.0.1"}


async def test_redirect_to_plain_http_is_refused(
    ics_server: IcsServer, fetcher: FeedFetcher, resolver: StaticResolver, dialled: LoopbackOnly
) -> None:
    """A redirect cannot downgrade to http, even with the loopback test setting on."""
    resolver.table["calendar.example.com"] = ["93.184.216.34"]
    url = ics_server.redirect("/feed.ics", "http://calendar.example.com/feed.ics")
    error = await fetch_error(fetcher, url)
    assert error.kind is FeedErrorKind.REFUSED
    assert resolver.lookups == []
    assert dialled.dialled == ["127.0.0.1"]


async def test_guarded_resolver_passes_public_answers_through() -> None:
    """Public answers are returned unchanged, so aiohttp dials exactly what was checked."""
    inner = StaticResolver({"cal.example.com": ["93.184.216.34", "2606:4700:4700::1111"]})
    answers = await GuardedResolver(inner).resolve("cal.example.com", 443)
    assert [a["host"] for a in answers] == ["93.184.216.34", "2606:4700:4700::1111"]


def test_limits_default_to_two_megabytes_ten_seconds_three_redirects() -> None:
    """The documented limits are the defaults."""
    assert FetchLimits() == FetchLimits(max_bytes=2 * 1024 * 1024, timeout=10.0,
                                        max_redirects=3)
