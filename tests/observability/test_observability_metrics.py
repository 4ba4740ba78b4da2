"""Metrics: what the scheduler and notifiers record ends up in the app's own registry."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.core.clock import FakeClock
from bot.core.ports import DeliveryResult, DeliveryStatus, Platform
from bot.observability.metrics import Metrics, StoredCounts

START = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)


def value(metrics: Metrics, name: str, **labels: str) -> float | None:
    return metrics.registry.get_sample_value(name, labels)


def test_sent_delivery_counts_and_observes_lag() -> None:
    """delivery_sent increments the counter and puts the lag in the right bucket."""
    metrics = Metrics()
    metrics.delivery_sent(Platform.DISCORD, "break", 3.5)
    labels = {"platform": "discord", "kind": "break"}
    assert value(metrics, "deskbreak_deliveries_sent_total", **labels) == 1
    assert value(metrics, "deskbreak_delivery_lag_seconds_sum", **labels) == 3.5
    assert value(metrics, "deskbreak_delivery_lag_seconds_bucket", **labels, le="2.0") == 0
    assert value(metrics, "deskbreak_delivery_lag_seconds_bucket", **labels, le="5.0") == 1


def test_negative_lag_counts_as_zero() -> None:
    """A clock-skewed negative lag is recorded as 0 rather than corrupting the sum."""
    metrics = Metrics()
    metrics.delivery_sent("slack", "tip", -2.0)
    assert value(metrics, "deskbreak_delivery_lag_seconds_sum", platform="slack", kind="tip") == 0


def test_failed_delivery_is_labelled_with_reason() -> None:
    """delivery_failed counts per platform, kind and reason."""
    metrics = Metrics()
    metrics.delivery_failed(Platform.SLACK, "break", DeliveryStatus.FORBIDDEN)
    metrics.delivery_failed(Platform.SLACK, "break", DeliveryStatus.FORBIDDEN)
    labels = {"platform": "slack", "kind": "break", "reason": "forbidden"}
    assert value(metrics, "deskbreak_deliveries_failed_total", **labels) == 2


def test_delivery_result_routes_sent_and_failed() -> None:
    """delivery_result records SENT as sent and any other status as a failure with its reason."""
    metrics = Metrics()
    metrics.delivery_result("discord", "tip", DeliveryResult(DeliveryStatus.SENT), 1.0)
    metrics.delivery_result("discord", "tip", DeliveryResult(DeliveryStatus.RETRY), 1.0)
    assert value(metrics, "deskbreak_deliveries_sent_total", platform="discord", kind="tip") == 1
    assert value(
        metrics, "deskbreak_deliveries_failed_total", platform="discord", kind="tip", reason="retry"
    ) == 1


async def test_paced_sleep_counts_waits_and_still_sleeps() -> None:
    """paced_sleep records each positive wait and passes it on to the wrapped sleep."""
    metrics = Metrics()
    slept: list[float] = []

    async def fake_sleep(seconds: float) -> None:
        slept.append(seconds)

    sleep = metrics.paced_sleep("slack", fake_sleep)
    await sleep(0.75)
    await sleep(0.5)
    await sleep(0)
    assert slept == [0.75, 0.5, 0]
    assert value(metrics, "deskbreak_rate_limit_waits_total", platform="slack") == 2
    assert value(metrics, "deskbreak_rate_limit_wait_seconds_total", platform="slack") == 1.25


def test_each_instance_owns_its_registry() -> None:
    """Two Metrics objects never share counts (no process-global registry)."""
    first, second = Metrics(), Metrics()
    first.delivery_sent("discord", "break", 0)
    assert value(first, "deskbreak_deliveries_sent_total", platform="discord", kind="break") == 1
    labels = {"platform": "discord", "kind": "break"}
    assert value(second, "deskbreak_deliveries_sent_total", **labels) is None


async def test_refresh_asks_the_store_at_most_once_per_interval() -> None:
    """watch_store's source is called on refresh, then not again until the interval passes."""
    clock = FakeClock(START)
    metrics = Metrics(clock=clock)
    calls = 0

    async def counts() -> StoredCounts:
        nonlocal calls
        calls += 1
        return StoredCounts(schedules=calls * 10, reminders=calls)

    metrics.watch_store(counts, min_interval=timedelta(seconds=30))
    await metrics.refresh()
    clock.advance(timedelta(seconds=29))
    await metrics.refresh()
    assert calls == 1
    assert value(metrics, "deskbreak_schedules_stored") == 10
    clock.advance(timedelta(seconds=1))
    await metrics.refresh()
    assert calls == 2
    assert value(metrics, "deskbreak_schedules_stored") == 20
    assert value(metrics, "deskbreak_reminders_stored") == 2


async def test_failed_count_keeps_last_values_and_is_counted() -> None:
    """A store error during refresh leaves the gauges alone and bumps the error counter."""
    clock = FakeClock(START)
    metrics = Metrics(clock=clock)
    metrics.set_stored(schedules=4, reminders=7)

    async def broken() -> StoredCounts:
        raise ConnectionError("database is down")

    metrics.watch_store(broken)
    await metrics.refresh()
    assert value(metrics, "deskbreak_schedules_stored") == 4
    assert value(metrics, "deskbreak_reminders_stored") == 7
    assert value(metrics, "deskbreak_store_count_errors_total") == 1


async def test_failed_count_is_retried_on_next_refresh() -> None:
    """A failed count does not start the interval, so the next scrape tries again."""
    metrics = Metrics(clock=FakeClock(START))
    answers: list[StoredCounts | Exception] = [OSError("blip"), StoredCounts(3, 5)]

    async def flaky() -> StoredCounts:
        answer = answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    metrics.watch_store(flaky)
    await metrics.refresh()
    await metrics.refresh()
    assert value(metrics, "deskbreak_schedules_stored") == 3


@pytest.mark.parametrize("lag", [0.0, 600.0, 7200.0])
def test_every_lag_lands_in_the_inf_bucket(lag: float) -> None:
    """Any lag, however large, is counted in the +Inf bucket."""
    metrics = Metrics()
    metrics.delivery_sent("console", "break", lag)
    labels = {"platform": "console", "kind": "break", "le": "+Inf"}
    assert value(metrics, "deskbreak_delivery_lag_seconds_bucket", **labels) == 1
