"""The scheduler counts what it delivers: sent and failed per platform and kind, and the lag."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aiohttp
import pytest

from bot.core.clock import FakeClock
from bot.core.ports import DeliveryResult, DeliveryStatus
from bot.observability import HealthChecks, Metrics, ObservabilityServer
from bot.scheduling.service import SchedulerService
from tests.scheduling.scheduling_harness import ADMIN, PLATFORM, Rig, make_rig

T0 = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)  # a Monday
LABELS = {"platform": str(PLATFORM), "kind": "tip"}


@pytest.fixture
async def rig(tmp_path: Path) -> AsyncIterator[Rig]:
    r = await make_rig(tmp_path / "db.sqlite3", FakeClock(T0))
    yield r
    await r.store.close()


def counted(rig: Rig) -> tuple[Metrics, SchedulerService]:
    """The rig's scheduler rebuilt with a Metrics, as build_scheduling wires it."""
    metrics = Metrics(rig.clock)
    service = SchedulerService(
        rig.store,
        {PLATFORM: rig.notifier},
        rig.service.content,
        rig.clock,
        instance_id="test",
        metrics=metrics,
    )
    return metrics, service


async def hourly_tip(rig: Rig) -> None:
    await rig.commands.schedule_add(ADMIN, "chan1", "tip", cron="0 * * * *", timezone="UTC")


def value(metrics: Metrics, name: str, **labels: str) -> float | None:
    return metrics.registry.get_sample_value(name, {**LABELS, **labels})


async def test_a_sent_nudge_counts_once_with_its_lag(rig: Rig) -> None:
    """A tick 90 s after the slot counts one sent tip and observes a 90 s lag."""
    metrics, service = counted(rig)
    await hourly_tip(rig)
    rig.clock.set(T0 + timedelta(hours=1, seconds=90))
    assert (await service.tick()).sent == 1
    assert value(metrics, "deskbreak_deliveries_sent_total") == 1.0
    assert value(metrics, "deskbreak_delivery_lag_seconds_count") == 1.0
    assert value(metrics, "deskbreak_delivery_lag_seconds_sum") == 90.0


async def test_a_refused_nudge_counts_as_failed_with_its_reason(rig: Rig) -> None:
    """A channel that refuses the post counts a failure labelled forbidden, and no send."""
    metrics, service = counted(rig)
    rig.notifier.script = lambda _d: DeliveryResult(DeliveryStatus.FORBIDDEN, "403")
    await hourly_tip(rig)
    rig.clock.set(T0 + timedelta(hours=1))
    await service.tick()
    assert value(metrics, "deskbreak_deliveries_failed_total", reason="forbidden") == 1.0
    assert value(metrics, "deskbreak_deliveries_sent_total") is None


async def test_each_retried_attempt_counts(rig: Rig) -> None:
    """A transient failure counts as reason retry; the later successful resend as sent."""
    metrics, service = counted(rig)
    answers = iter(
        [DeliveryResult(DeliveryStatus.RETRY, "503"), DeliveryResult(DeliveryStatus.SENT)]
    )
    rig.notifier.script = lambda _d: next(answers)
    await hourly_tip(rig)
    rig.clock.set(T0 + timedelta(hours=1))
    await service.tick()
    rig.clock.advance(timedelta(minutes=1))
    await service.tick()
    assert value(metrics, "deskbreak_deliveries_failed_total", reason="retry") == 1.0
    assert value(metrics, "deskbreak_deliveries_sent_total") == 1.0
    assert value(metrics, "deskbreak_delivery_lag_seconds_sum") == 60.0


async def test_metrics_page_shows_the_counter_after_a_tick(rig: Rig) -> None:
    """/metrics, scraped over HTTP after a delivering tick, carries the sent counter."""
    metrics, service = counted(rig)
    await hourly_tip(rig)
    rig.clock.set(T0 + timedelta(hours=1))
    await service.tick()
    async with (
        ObservabilityServer(metrics, HealthChecks(), port=0) as server,
        aiohttp.ClientSession() as session,
        session.get(f"http://127.0.0.1:{server.port}/metrics") as response,
    ):
        page = await response.text()
    assert 'deskbreak_deliveries_sent_total{kind="tip",platform="discord"} 1.0' in page
