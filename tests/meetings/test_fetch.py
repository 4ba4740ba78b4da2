"""Fetching a feed from the local ICS server: limits, HTTP errors, timeouts, redirects."""

from __future__ import annotations

import gzip
import socket

import pytest

from bot.meetings.errors import FeedErrorKind
from bot.meetings.fetch import FeedFetcher, FetchLimits
from tests.meetings.conftest import (
    IcsServer,
    LoopbackOnly,
    StaticResolver,
    fetch_error,
    made_fetcher,
)
from tests.meetings.feeds import ALICE


async def test_a_feed_is_fetched(ics_server: IcsServer, fetcher: FeedFetcher) -> None:
    """The body comes back byte for byte."""
    url = ics_server.serve("/alice.ics", ALICE)
    assert await fetcher.fetch(url) == ALICE.encode()


@pytest.mark.parametrize(("status", "kind"), [
    (404, FeedErrorKind.NOT_FOUND), (410, FeedErrorKind.NOT_FOUND),
    (401, FeedErrorKind.DENIED), (403, FeedErrorKind.DENIED),
    (500, FeedErrorKind.HTTP), (503, FeedErrorKind.HTTP),
])
async def test_http_errors_have_a_kind_and_a_message_without_the_url(
    status: int, kind: FeedErrorKind, ics_server: IcsServer, fetcher: FeedFetcher
) -> None:
    """Each failure has a kind the cache acts on and words without the secret URL."""
    url = ics_server.serve("/secret-token-abc/basic.ics", "nope", status=status)
    error = await fetch_error(fetcher, url)
    assert error.kind is kind
    assert "secret-token-abc" not in str(error)
    assert "127.0.0.1" not in str(error)


async def test_a_body_over_the_limit_is_refused_by_its_length(
    ics_server: IcsServer, fetcher: FeedFetcher
) -> None:
    """A Content-Length over 2 MB is refused without reading the body."""
    url = ics_server.serve("/big.ics", b"X" * (2 * 1024 * 1024 + 1))
    error = await fetch_error(fetcher, url)
    assert error.kind is FeedErrorKind.TOO_LARGE


async def test_a_streamed_body_is_cut_off_at_the_limit(
    ics_server: IcsServer, resolver: StaticResolver, dialled: LoopbackOnly
) -> None:
    """Without a Content-Length, reading stops as soon as the limit is passed."""
    url = ics_server.serve("/stream.ics", b"Y" * 300_000, chunked=True)
    async with made_fetcher(resolver, dialled, FetchLimits(max_bytes=200_000)) as fetcher:
        error = await fetch_error(fetcher, url)
    assert error.kind is FeedErrorKind.TOO_LARGE


async def test_the_limit_counts_decompressed_bytes(
    ics_server: IcsServer, fetcher: FeedFetcher
) -> None:
    """A small gzip body that inflates past 2 MB is refused (no zip bomb)."""
    bomb = gzip.compress(b"A" * (3 * 1024 * 1024))
    assert len(bomb) < 50_000
    url = ics_server.serve("/bomb.ics", bomb, headers={"Content-Encoding": "gzip",
                                                       "Content-Type": "text/calendar"})
    error = await fetch_error(fetcher, url)
    assert error.kind is FeedErrorKind.TOO_LARGE


async def test_a_server_that_never_answers_times_out(
    ics_server: IcsServer, resolver: StaticResolver, dialled: LoopbackOnly
) -> None:
    """The whole fetch is bounded by the timeout (shortened here; 10 s by default)."""
    ics_server.hang("/slow.ics")
    async with made_fetcher(resolver, dialled, FetchLimits(timeout=0.2)) as fetcher:
        error = await fetch_error(fetcher, ics_server.url("/slow.ics"))
    assert error.kind is FeedErrorKind.TIMEOUT


async def test_a_closed_port_is_a_network_error(fetcher: FeedFetcher) -> None:
    """Nothing listening: a NETWORK error, not a crash."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    error = await fetch_error(fetcher, f"http://127.0.0.1:{port}/a.ics")
    assert error.kind is FeedErrorKind.NETWORK


async def test_redirects_are_followed_up_to_the_limit(
    ics_server: IcsServer, fetcher: FeedFetcher
) -> None:
    """Three hops are fine; a fourth is refused."""
    ics_server.serve("/final.ics", ALICE)
    ics_server.redirect("/r3", "/final.ics", status=301)
    ics_server.redirect("/r2", ics_server.url("/r3"), status=307)
    ics_server.redirect("/r1", "/r2", status=308)
    assert await fetcher.fetch(ics_server.url("/r1")) == ALICE.encode()
    ics_server.redirect("/r0", "/r1")
    error = await fetch_error(fetcher, ics_server.url("/r0"))
    assert error.kind is FeedErrorKind.TOO_MANY_REDIRECTS


async def test_a_redirect_without_location_is_an_http_error(
    ics_server: IcsServer, fetcher: FeedFetcher
) -> None:
    """A 302 with no Location header is a server error, not a loop."""
    ics_server.serve("/odd.ics", "", status=302)
    error = await fetch_error(fetcher, ics_server.url("/odd.ics"))
    assert error.kind is FeedErrorKind.HTTP


async def test_a_refused_url_is_a_refused_feed_error(fetcher: FeedFetcher) -> None:
    """The guard's refusal reaches the caller as FeedError(REFUSED) with its message."""
    error = await fetch_error(fetcher, "file:///etc/passwd")
    assert error.kind is FeedErrorKind.REFUSED
    assert "https://" in str(error)
