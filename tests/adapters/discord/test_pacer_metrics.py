"""The Discord pacer's waits are counted when its sleep is the metrics' counted sleep."""

from __future__ import annotations

from bot.adapters.discord.pacer import Pacer
from bot.core.ports import Platform
from bot.observability import Metrics


class FakeTime:
    """A monotonic clock that only moves when the pacer sleeps."""

    def __init__(self) -> None:
        self.now = 0.0

    def monotonic(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += seconds


async def test_held_back_requests_are_counted_with_their_wait() -> None:
    """At 1 per second, the second and third requests wait a second each; both are counted."""
    t = FakeTime()
    metrics = Metrics()
    # As bot/adapters/discord/runner.py builds it.
    pacer = Pacer(1, 1.0, monotonic=t.monotonic,
                  sleep=metrics.paced_sleep(Platform.DISCORD, t.sleep))
    for _ in range(3):
        async with pacer:
            pass
    labels = {"platform": "discord"}
    assert metrics.registry.get_sample_value("deskbreak_rate_limit_waits_total", labels) == 2.0
    assert metrics.registry.get_sample_value(
        "deskbreak_rate_limit_wait_seconds_total", labels) == 2.0
