"""A per-person command cooldown: a token bucket every platform adapter shares.

One person hammering a slash command (or a script doing it for them) should slow down only
themselves, and neither the database nor the platform's rate limits for everyone else. A token
bucket allows a natural burst (opening a few stretches in a row) and then a steady rate, which
feels fairer than a fixed "one command per N seconds". It lives in the core, on the injected
clock, so Discord, Slack and the console refuse alike and tests walk time without sleeping.
Autocomplete is not counted: every keystroke is a request, and refusing one only empties a menu.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from bot.core.clock import Clock
from bot.core.messages import Message, error

# Buckets kept in memory; full ones are dropped first when there are more (they hold no state
# a fresh bucket would not), so memory stays bounded however many people write.
MAX_BUCKETS = 10_000


@dataclass(slots=True)
class _Bucket:
    tokens: float
    at: float  # the clock's seconds(): every command reads it, and a float is cheap to read


class Cooldown:
    """``allow(key)`` spends one token of ``key``'s bucket; ``check`` also words the refusal.

    ``burst`` and ``per_minute`` come from DESKBREAK_COOLDOWN_BURST and
    DESKBREAK_COOLDOWN_PER_MINUTE (``settings.limits``), where their defaults live.
    """

    def __init__(
        self,
        clock: Clock,
        burst: int,
        per_minute: float,
        max_buckets: int = MAX_BUCKETS,
    ) -> None:
        if burst < 1 or per_minute <= 0:
            raise ValueError("a cooldown needs burst >= 1 and per_minute > 0")
        self._clock = clock
        self.burst = burst
        self.per_second = per_minute / 60.0
        self._max_buckets = max_buckets
        self._buckets: dict[str, _Bucket] = {}

    def _refill(self, key: str) -> _Bucket:
        now = self._clock.seconds()
        bucket = self._buckets.get(key)
        if bucket is None:
            if len(self._buckets) >= self._max_buckets:
                self._forget_full(now)
            bucket = self._buckets[key] = _Bucket(float(self.burst), now)
            return bucket
        elapsed = max(0.0, now - bucket.at)
        bucket.tokens = min(float(self.burst), bucket.tokens + elapsed * self.per_second)
        bucket.at = now
        return bucket

    def _forget_full(self, now: float) -> None:
        refill = self.burst / self.per_second
        self._buckets = {k: b for k, b in self._buckets.items() if now - b.at < refill}
        if len(self._buckets) >= self._max_buckets:  # all busy: drop the oldest half
            keep = sorted(self._buckets.items(), key=lambda kv: kv[1].at)[len(self._buckets) // 2:]
            self._buckets = dict(keep)

    def allow(self, key: str) -> bool:
        """Spend a token for ``key`` if one is left."""
        bucket = self._refill(key)
        if bucket.tokens >= 1.0:
            bucket.tokens -= 1.0
            return True
        return False

    def retry_after(self, key: str) -> float:
        """Seconds until ``key`` has a token again (0 when it has one now)."""
        bucket = self._refill(key)
        return max(0.0, (1.0 - bucket.tokens) / self.per_second)

    def check(self, key: str) -> Message | None:
        """None when ``key`` may go ahead (a token is spent), else the refusal to show them."""
        if self.allow(key):
            return None
        return refusal(self.retry_after(key))


def refusal(wait_seconds: float) -> Message:
    """A friendly, private "slow down" naming how long to wait."""
    seconds = max(1, math.ceil(wait_seconds))
    when = f"{seconds} second{'s' if seconds != 1 else ''}"
    return error(
        f"You're sending commands faster than I can keep up with. Try again in {when}.",
        title="One moment, please",
    )
