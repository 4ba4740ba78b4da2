"""The bot's Prometheus metrics, owned by the app rather than by the module.

prometheus_client's default ``REGISTRY`` is a process-wide global: two apps in one test run
would share counters and a second registration of the same name raises. So :class:`Metrics`
builds its own ``CollectorRegistry``; the app creates one instance and hands it to the
scheduler service and the notifiers. Counting is always on (a counter increment is a few
hundred nanoseconds); only the HTTP server that exposes it is optional.

The API the rest of the bot calls:

- ``delivery_sent(platform, kind, lag_seconds)``: a nudge went out, ``lag_seconds`` after its
  slot (negative lags, from clock skew, count as 0).
- ``delivery_failed(platform, kind, reason)``: it did not; ``reason`` is a
  :class:`~bot.core.ports.DeliveryStatus` value such as ``"forbidden"`` or ``"retry"``.
- ``delivery_result(platform, kind, result, lag_seconds)``: either of the above, from a
  :class:`~bot.core.ports.DeliveryResult`.
- ``rate_limit_wait(platform, seconds)``: we held a request back to stay under a platform limit;
  ``paced_sleep(platform, sleep)`` wraps a pacer's injected sleep so every wait is counted.
- ``set_stored(schedules, reminders)`` or ``watch_store(source)``: how many schedules and
  personal reminders the store holds. ``source`` is awaited at scrape time (``refresh()``), at
  most once per ``min_interval``, so a busy Prometheus cannot turn into a busy database.

Label values must come from small fixed sets (platform names, nudge kinds, delivery statuses):
every distinct value is a new time series.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

from bot.core.clock import Clock, SystemClock
from bot.core.ports import DeliveryResult, DeliveryStatus

log = logging.getLogger(__name__)

Sleep = Callable[[float], Awaitable[None]]

# Slot-to-sent lag: the tick runs every few seconds and the grace window is 10 minutes by
# default, so resolution matters most below a minute and the tail ends past the grace window.
LAG_BUCKETS = (1.0, 2.0, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0, 600.0, 1800.0, 3600.0)


@dataclass(frozen=True, slots=True)
class StoredCounts:
    schedules: int
    reminders: int


CountSource = Callable[[], Awaitable[StoredCounts]]


class Metrics:
    def __init__(
        self,
        clock: Clock | None = None,
        registry: CollectorRegistry | None = None,
        namespace: str = "deskbreak",
    ) -> None:
        self.registry = registry if registry is not None else CollectorRegistry()
        self._clock = clock if clock is not None else SystemClock()
        reg = self.registry
        self._sent = Counter(
            "deliveries_sent", "Nudges delivered to a platform.",
            ["platform", "kind"], namespace=namespace, registry=reg,
        )
        self._failed = Counter(
            "deliveries_failed", "Nudges a platform refused or that must be retried.",
            ["platform", "kind", "reason"], namespace=namespace, registry=reg,
        )
        self._lag = Histogram(
            "delivery_lag_seconds", "Seconds from a nudge's scheduled slot to its delivery.",
            ["platform", "kind"], buckets=LAG_BUCKETS, namespace=namespace, registry=reg,
        )
        self._schedules = Gauge(
            "schedules_stored", "Channel schedules in the store.",
            namespace=namespace, registry=reg,
        )
        self._reminders = Gauge(
            "reminders_stored", "Personal reminders in the store.",
            namespace=namespace, registry=reg,
        )
        self._count_errors = Counter(
            "store_count_errors", "Failed attempts to count stored schedules and reminders.",
            namespace=namespace, registry=reg,
        )
        self._waits = Counter(
            "rate_limit_waits", "Requests held back to stay under a platform rate limit.",
            ["platform"], namespace=namespace, registry=reg,
        )
        self._wait_seconds = Counter(
            "rate_limit_wait_seconds", "Seconds spent holding requests back for rate limits.",
            ["platform"], namespace=namespace, registry=reg,
        )
        self._source: CountSource | None = None
        self._min_interval = timedelta(seconds=30)
        self._refreshed_at: datetime | None = None
        self._refresh_lock = asyncio.Lock()

    # -- deliveries ------------------------------------------------------------------------

    def delivery_sent(self, platform: str, kind: str, lag_seconds: float) -> None:
        """Count one delivered nudge and how late it was against its slot."""
        self._sent.labels(str(platform), str(kind)).inc()
        self._lag.labels(str(platform), str(kind)).observe(max(lag_seconds, 0.0))

    def delivery_failed(self, platform: str, kind: str, reason: str) -> None:
        """Count one nudge that did not go out; ``reason`` is a DeliveryStatus value."""
        self._failed.labels(str(platform), str(kind), str(reason)).inc()

    def delivery_result(
        self, platform: str, kind: str, result: DeliveryResult, lag_seconds: float
    ) -> None:
        """Record whatever a notifier answered, so callers need no branch of their own."""
        if result.status is DeliveryStatus.SENT:
            self.delivery_sent(platform, kind, lag_seconds)
        else:
            self.delivery_failed(platform, kind, result.status)

    # -- rate limiting ---------------------------------------------------------------------

    def rate_limit_wait(self, platform: str, seconds: float) -> None:
        """Count one wait imposed by our own pacing or a platform's Retry-After."""
        self._waits.labels(str(platform)).inc()
        self._wait_seconds.labels(str(platform)).inc(max(seconds, 0.0))

    def paced_sleep(self, platform: str, sleep: Sleep = asyncio.sleep) -> Sleep:
        """Wrap a pacer's sleep so every wait it takes is counted before it happens."""

        async def counted(seconds: float) -> None:
            if seconds > 0:
                self.rate_limit_wait(platform, seconds)
            await sleep(seconds)

        return counted

    # -- stored objects --------------------------------------------------------------------

    def set_stored(self, schedules: int, reminders: int) -> None:
        self._schedules.set(schedules)
        self._reminders.set(reminders)

    def watch_store(
        self, source: CountSource, min_interval: timedelta = timedelta(seconds=30)
    ) -> None:
        """Have ``refresh()`` ask ``source`` for the stored counts, at most once per interval."""
        self._source = source
        self._min_interval = min_interval
        self._refreshed_at = None

    async def refresh(self) -> None:
        """Bring the stored-object gauges up to date if they are older than the interval.

        Called before every scrape. A failing count keeps the last good values and is counted
        in ``deskbreak_store_count_errors_total``: the store's health is the health endpoint's
        business, and a scrape should still return everything else.
        """
        if self._source is None:
            return
        async with self._refresh_lock:
            now = self._clock.now()
            if self._refreshed_at is not None and now - self._refreshed_at < self._min_interval:
                return
            try:
                counts = await self._source()
            except Exception:
                self._count_errors.inc()
                log.warning("counting stored schedules and reminders failed", exc_info=True)
                return
            self.set_stored(counts.schedules, counts.reminders)
            self._refreshed_at = now
