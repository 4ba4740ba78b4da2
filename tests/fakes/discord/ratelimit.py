"""Rate-limit accounting the way Discord documents it: a global 50 requests/second per bot and
per-route buckets (message create: 5 per 5 seconds per channel).

Off by default in the fake; the benchmark and the pacing tests switch it on to prove the bot
never draws a 429.
"""

from __future__ import annotations

import time
from collections import deque
from dataclasses import dataclass, field


@dataclass
class Verdict:
    allowed: bool
    headers: dict[str, str]
    retry_after: float = 0.0
    is_global: bool = False


@dataclass
class _Window:
    limit: int
    period: float
    hits: deque[float] = field(default_factory=deque)

    def trim(self, now: float) -> None:
        while self.hits and now - self.hits[0] >= self.period:
            self.hits.popleft()

    def retry_after(self, now: float) -> float:
        return max(0.0, self.period - (now - self.hits[0])) if self.hits else 0.0


class RateLimiter:
    """Sliding windows keyed by bucket; counts every refusal in ``violations``."""

    def __init__(
        self,
        *,
        global_limit: int = 50,
        global_period: float = 1.0,
        channel_limit: int = 5,
        channel_period: float = 5.0,
    ) -> None:
        self._global = _Window(global_limit, global_period)
        self._channel_limit = channel_limit
        self._channel_period = channel_period
        self._buckets: dict[str, _Window] = {}
        self.violations = 0
        self.global_violations = 0
        self.requests = 0

    def check(self, bucket: str | None) -> Verdict:
        now = time.monotonic()
        self.requests += 1
        self._global.trim(now)
        if len(self._global.hits) >= self._global.limit:
            self.violations += 1
            self.global_violations += 1
            wait = self._global.retry_after(now)
            return Verdict(False, {"X-RateLimit-Global": "true", "X-RateLimit-Scope": "global"},
                           wait, True)
        headers: dict[str, str] = {}
        window: _Window | None = None
        if bucket is not None:
            window = self._buckets.setdefault(
                bucket, _Window(self._channel_limit, self._channel_period)
            )
            window.trim(now)
            if len(window.hits) >= window.limit:
                self.violations += 1
                wait = window.retry_after(now)
                return Verdict(False, self._bucket_headers(bucket, window, now)
                               | {"X-RateLimit-Scope": "user"}, wait)
        self._global.hits.append(now)
        if window is not None and bucket is not None:
            window.hits.append(now)
            headers = self._bucket_headers(bucket, window, now)
        return Verdict(True, headers)

    def _bucket_headers(self, bucket: str, window: _Window, now: float) -> dict[str, str]:
        reset_after = window.retry_after(now)
        return {
            "X-RateLimit-Limit": str(window.limit),
            "X-RateLimit-Remaining": str(max(0, window.limit - len(window.hits))),
            "X-RateLimit-Reset": f"{time.time() + reset_after:.3f}",
            "X-RateLimit-Reset-After": f"{reset_after:.3f}",
            "X-RateLimit-Bucket": f"bucket-{abs(hash(bucket.split(':')[0])) % 10**8:x}",
        }
