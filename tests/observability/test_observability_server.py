"""The /healthz and /metrics server, scraped over real HTTP on 127.0.0.1."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest
from prometheus_client.parser import text_string_to_metric_families

from bot.observability import HealthChecks, Metrics, ObservabilityServer, StoredCounts


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


def samples(text: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    return {
        (s.name, frozenset(s.labels.items())): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


async def test_metrics_page_parses_as_prometheus_text(http: aiohttp.ClientSession) -> None:
    """/metrics serves text that prometheus_client's parser reads back with our counts."""
    metrics = Metrics()
    metrics.delivery_sent("discord", "break", 2.0)
    metrics.delivery_failed("slack", "tip", "dm_closed")
    async with ObservabilityServer(metrics, HealthChecks(), "127.0.0.1", 0) as server:
        async with http.get(f"http://127.0.0.1:{server.port}/metrics") as response:
            assert response.status == 200
            assert response.headers["Content-Type"].startswith("text/plain")
            parsed = samples(await response.text())
    sent = ("deskbreak_deliveries_sent_total", frozenset({("platform", "discord"),
                                                          ("kind", "break")}))
    failed = ("deskbreak_deliveries_failed_total", frozenset({("platform", "slack"),
                                                              ("kind", "tip"),
                                                              ("reason", "dm_closed")}))
    assert parsed[sent] == 1
    assert parsed[failed] == 1


async def test_metrics_page_refreshes_store_gauges(http: aiohttp.ClientSession) -> None:
    """A scrape awaits the store count source so the gauges show current numbers."""
    metrics = Metrics()

    async def counts() -> StoredCounts:
        return StoredCounts(schedules=12, reminders=34)

    metrics.watch_store(counts)
    async with ObservabilityServer(metrics, HealthChecks(), "127.0.0.1", 0) as server:
        async with http.get(f"http://127.0.0.1:{server.port}/metrics") as response:
            parsed = samples(await response.text())
    assert parsed[("deskbreak_schedules_stored", frozenset())] == 12
    assert parsed[("deskbreak_reminders_stored", frozenset())] == 34


async def test_healthz_is_200_when_all_checks_pass(http: aiohttp.ClientSession) -> None:
    """/healthz answers 200 with a JSON status when every check passes."""
    health = HealthChecks()
    health.add("store", lambda: None)
    async with ObservabilityServer(Metrics(), health, "127.0.0.1", 0) as server:
        async with http.get(f"http://127.0.0.1:{server.port}/healthz") as response:
            assert response.status == 200
            assert await response.json() == {"status": "ok", "checks": {"store": "ok"}}


async def test_healthz_is_503_when_a_check_fails(http: aiohttp.ClientSession) -> None:
    """/healthz answers 503 naming the failing check and its reason."""
    health = HealthChecks()
    health.add("store", lambda: None)
    health.add("slack", lambda: "socket mode disconnected")
    async with ObservabilityServer(Metrics(), health, "127.0.0.1", 0) as server:
        async with http.get(f"http://127.0.0.1:{server.port}/healthz") as response:
            assert response.status == 503
            body = await response.json()
    assert body == {"status": "unhealthy",
                    "checks": {"store": "ok", "slack": "socket mode disconnected"}}


async def test_stopped_server_releases_its_port(http: aiohttp.ClientSession) -> None:
    """After stop() nothing listens on the port any more."""
    server = ObservabilityServer(Metrics(), HealthChecks(), "127.0.0.1", 0)
    await server.start()
    port = server.port
    await server.stop()
    with pytest.raises(aiohttp.ClientConnectionError):
        async with http.get(f"http://127.0.0.1:{port}/healthz"):
            pass


async def test_port_before_start_is_an_error() -> None:
    """Asking for the bound port of a server that is not running raises."""
    with pytest.raises(RuntimeError, match="not running"):
        _ = ObservabilityServer(Metrics(), HealthChecks()).port
