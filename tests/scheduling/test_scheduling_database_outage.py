"""A PostgreSQL outage while the scheduler runs (issue 11 item 14): one line per failed tick,
one line when it ends, no tracebacks, and /healthz says the database is down without naming
its host or port. The outage is real: the store talks to PostgreSQL through a proxy the test
cuts (tests/faultproxy.py)."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import aiohttp
import pytest
import sqlalchemy as sa

from bot.core.clock import FakeClock
from bot.core.commands import ContentCommands
from bot.core.rotation import MemoryRotationStore
from bot.observability import HealthChecks, Metrics, ObservabilityServer
from bot.observability.store_probe import store_health
from bot.scheduling.service import SchedulerService
from bot.storage import Store, create_store
from tests.faultproxy import FaultProxy
from tests.scheduling.scheduling_harness import library

NOW = datetime(2027, 3, 1, 8, 0, tzinfo=UTC)
FAILED = "scheduler tick failed: the database refused (cannot reach the database server"
RECOVERED = "scheduler tick works again after 3 failed tick(s)"


@pytest.fixture
async def proxied(pg_url: str) -> AsyncIterator[tuple[Store, FaultProxy]]:
    """A migrated PostgreSQL database and a store that reaches it only through the proxy."""
    direct = create_store(pg_url)
    await direct.migrate()
    await direct.close()
    url = sa.make_url(pg_url)
    proxy = FaultProxy(url.host or "127.0.0.1", url.port or 5432)
    await proxy.up()
    store = create_store(url.set(host="127.0.0.1", port=proxy.port).render_as_string(
        hide_password=False), clock=FakeClock(NOW))
    try:
        yield store, proxy
    finally:
        await store.close()
        await proxy.down()


async def test_an_outage_is_one_line_per_tick_and_one_line_when_it_ends(
    proxied: tuple[Store, FaultProxy], caplog: pytest.LogCaptureFixture
) -> None:
    store, proxy = proxied
    clock = FakeClock(NOW)
    content = ContentCommands(library(), MemoryRotationStore(), clock)
    service = SchedulerService(store, {}, content, clock, instance_id="outage")
    health = HealthChecks()
    health.add("store", store_health(store))
    with caplog.at_level(logging.INFO):
        await service._guarded_tick()  # a working tick first: the pool holds a connection
        assert not [r for r in caplog.records if r.levelno >= logging.WARNING]
        await proxy.down()
        for _ in range(3):
            await service._guarded_tick()
        async with ObservabilityServer(Metrics(clock), health, "127.0.0.1", 0) as server, \
                aiohttp.ClientSession() as http, \
                http.get(f"http://127.0.0.1:{server.port}/healthz") as response:
            status, body = response.status, await response.text()
        failed = [r for r in caplog.records if r.getMessage().startswith(FAILED)]
        assert len(failed) == 3
        assert all(r.exc_info is None and "\n" not in r.getMessage() for r in failed)
        await proxy.up()
        await service._guarded_tick()
        await service._guarded_tick()
    assert status == 503 and "the database: cannot reach the database server" in body
    assert str(proxy.port) not in body and "127.0.0.1" not in body
    messages = [r.getMessage() for r in caplog.records]
    assert messages.count(RECOVERED) == 1
    assert len([r for r in caplog.records if r.levelno >= logging.WARNING]) == 4
    assert "Traceback" not in caplog.text
