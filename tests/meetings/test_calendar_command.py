"""`/remind calendar <url>` typed into the real console REPL: the SSRF guard answers through
the command (private ranges, the metadata address, a name resolving to 127.0.0.1, a
redirect into a private network, other schemes) with one private line, stores nothing, dials
nothing, and never repeats the link; a real feed on the local server is accepted.

(tests/contract plays the metadata, ftp and file cases on Discord and Slack too.)"""

from __future__ import annotations

import io
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.adapters.console import ConsoleAdapter
from bot.adapters.console.adapter import CONSOLE_USER, CONSOLE_WORKSPACE
from bot.app import meetings_for
from bot.core.clock import FakeClock
from bot.core.commands import ContentCommands
from bot.core.messages import Message, MessageKind
from bot.core.ports import Platform
from bot.core.rotation import MemoryRotationStore
from bot.meetings.fetch import FeedFetcher, FetchLimits
from bot.meetings.ssrf import REFUSED_ADDRESS, REFUSED_SCHEME
from bot.scheduling.commands import SchedulingCommands
from bot.storage import Store, create_store
from bot.storage.meetings import CalendarStore
from tests.meetings.conftest import IcsServer, LoopbackOnly, StaticResolver
from tests.meetings.feeds import ALICE, NOT_A_CALENDAR
from tests.meetings.rig import SETTINGS
from tests.scheduling.scheduling_harness import library

NOW = datetime(2027, 3, 29, 9, 0, tzinfo=UTC)


@dataclass
class Console:
    adapter: ConsoleAdapter
    store: Store
    calendars: CalendarStore

    async def type(self, line: str) -> Message:
        message = await self.adapter.table.dispatch(self.adapter.context, line)
        assert message is not None
        return message

    async def has_calendar(self) -> bool:
        return await self.calendars.has_calendar("console", CONSOLE_WORKSPACE, CONSOLE_USER)


async def console_with(fetcher: FeedFetcher, tmp_path: Path) -> Console:
    clock = FakeClock(NOW)
    store = create_store(f"sqlite+aiosqlite:///{tmp_path / 'db.sqlite3'}", clock=clock)
    await store.migrate()
    content = ContentCommands(library(), MemoryRotationStore(), clock)
    adapter = ConsoleAdapter(content, stdin=io.StringIO(), stdout=io.StringIO(),
                             interactive=False)
    meetings = meetings_for(store, clock, SETTINGS, fetcher=fetcher)
    adapter.attach(SchedulingCommands(store, clock, None, None, meetings=meetings))
    return Console(adapter, store, meetings.calendars)


@pytest.fixture
async def strict(resolver: StaticResolver, dialled: LoopbackOnly, tmp_path: Path
                 ) -> AsyncIterator[Console]:
    """As production: no loopback allowance."""
    fetcher = FeedFetcher(FetchLimits(timeout=2.0), resolver=resolver, make_socket=dialled)
    made = await console_with(fetcher, tmp_path)
    yield made
    await fetcher.close()
    await made.store.close()


@pytest.fixture
async def local(fetcher: FeedFetcher, tmp_path: Path) -> AsyncIterator[Console]:
    """With the test-only loopback allowance, to reach the local ICS server."""
    made = await console_with(fetcher, tmp_path)
    yield made
    await made.store.close()


def private(answer: Message, expected: str, secret: str) -> None:
    assert answer.kind is MessageKind.ERROR and answer.ephemeral
    assert answer.body == expected
    assert secret not in answer.plain_text()


@pytest.mark.parametrize("url", [
    "https://10.0.0.7/private-s3cr3t/basic.ics",
    "https://192.168.1.20/private-s3cr3t/basic.ics",
    "https://172.16.4.2/private-s3cr3t/basic.ics",
    "https://100.64.0.9/private-s3cr3t/basic.ics",
    "https://[fd00::1]/private-s3cr3t/basic.ics",
    "https://[::ffff:10.0.0.1]/private-s3cr3t/basic.ics",
    "https://127.0.0.1/private-s3cr3t/basic.ics",
    "https://169.254.169.254/latest/meta-data/private-s3cr3t",
    "webcal://169.254.169.254/private-s3cr3t",
])
async def test_private_and_metadata_addresses_are_refused(
        strict: Console, dialled: LoopbackOnly, url: str, caplog: pytest.LogCaptureFixture
) -> None:
    """Private ranges, shared, unique-local, mapped IPv6, loopback and the cloud metadata
    address: one private line, nothing stored, nothing dialled, the link in no log."""
    caplog.set_level(logging.DEBUG)
    private(await strict.type(f"/remind calendar {url}"), REFUSED_ADDRESS, "s3cr3t")
    assert not await strict.has_calendar()
    assert dialled.dialled == []
    assert "s3cr3t" not in caplog.text


@pytest.mark.parametrize("url", ["file:///etc/private-s3cr3t", "ftp://example.com/private-s3cr3t.ics",
                                 "http://calendar.example.com/private-s3cr3t.ics",
                                 "gopher://example.com/private-s3cr3t"])
async def test_other_schemes_are_refused(strict: Console, dialled: LoopbackOnly, url: str
                                         ) -> None:
    """file:, ftp:, plain http and the rest: only https (and webcal) is fetched."""
    private(await strict.type(f"/remind calendar {url}"), REFUSED_SCHEME, "s3cr3t")
    assert not await strict.has_calendar() and dialled.dialled == []


async def test_a_name_resolving_to_loopback_is_refused_at_connect_time(
        strict: Console, resolver: StaticResolver, dialled: LoopbackOnly) -> None:
    """A public-looking name whose DNS answer is 127.0.0.1 passes the cheap check but is
    refused on the resolved address, before any socket is made."""
    resolver.table["calendar.sneaky.example"] = ["127.0.0.1"]
    answer = await strict.type("/remind calendar https://calendar.sneaky.example/s3cr3t.ics")
    private(answer, REFUSED_ADDRESS, "s3cr3t")
    assert resolver.lookups == ["calendar.sneaky.example"]
    assert dialled.dialled == [] and not await strict.has_calendar()


async def test_a_redirect_into_a_private_network_is_refused(
        local: Console, ics_server: IcsServer, resolver: StaticResolver,
        dialled: LoopbackOnly) -> None:
    """The local server redirects to 10.1.2.3, then to a name resolving to the metadata
    address: each hop is checked like the link itself; only the server was dialled."""
    start = ics_server.redirect("/s3cr3t-start.ics", "https://10.1.2.3/cal.ics")
    private(await local.type(f"/remind calendar {start}"), REFUSED_ADDRESS, "s3cr3t")
    resolver.table["metadata.sneaky.example"] = ["169.254.169.254"]
    second = ics_server.redirect("/s3cr3t-again.ics", "https://metadata.sneaky.example/x")
    private(await local.type(f"/remind calendar {second}"), REFUSED_ADDRESS, "s3cr3t")
    assert set(dialled.dialled) == {"127.0.0.1"}
    assert not await local.has_calendar()


async def test_a_page_that_is_not_a_calendar_is_refused(local: Console,
                                                        ics_server: IcsServer) -> None:
    """A sign-in page instead of a feed: told so, nothing stored."""
    url = ics_server.serve("/s3cr3t-login", NOT_A_CALENDAR, headers={"Content-Type":
                                                                     "text/html"})
    answer = await local.type(f"/remind calendar {url}")
    assert answer.kind is MessageKind.ERROR and "doesn't serve a calendar" in answer.body
    assert not await local.has_calendar()


async def test_a_real_feed_is_accepted_and_only_ever_called_set(
        local: Console, ics_server: IcsServer, caplog: pytest.LogCaptureFixture) -> None:
    """A good feed: "Calendar set" with what it found; status says a calendar is set and
    never shows the link; `off` removes it."""
    caplog.set_level(logging.DEBUG)
    url = ics_server.serve("/alice-s3cr3t.ics", ALICE)
    answer = await local.type(f"/remind calendar {url}")
    assert answer.kind is MessageKind.INFO and answer.title == "Calendar set", answer.body
    assert "3 busy times in the next 24 hours" in answer.body
    assert await local.has_calendar()
    await local.type("/remind on")
    status = (await local.type("/remind status")).plain_text()
    assert "Calendar: set" in status and "s3cr3t" not in status
    assert "s3cr3t" not in caplog.text
    assert (await local.type("/remind calendar off")).title == "Calendar removed"
    assert not await local.has_calendar()
    stored = await local.store.snapshot()
    assert "s3cr3t" not in repr(stored)  # sealed while it was there, gone now


async def test_the_stored_link_is_sealed(local: Console, ics_server: IcsServer) -> None:
    """In the database the link is ciphertext: a dump shows no part of it."""
    url = ics_server.serve("/alice-s3cr3t.ics", ALICE)
    await local.type(f"/remind calendar {url}")
    dump = repr(await local.store.snapshot())
    assert "s3cr3t" not in dump and "alice" not in dump
    assert await local.calendars.get_url(str(Platform.CONSOLE), CONSOLE_WORKSPACE,
                                         CONSOLE_USER) == url
