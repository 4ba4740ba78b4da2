"""The global pacer keeps any one-second window at or under its rate, without real waiting."""

from __future__ import annotations

import asyncio

import pytest

from bot.adapters.discord.pacer import Pacer, pace_requests


class FakeTime:
    """A monotonic clock that only moves when the pacer sleeps."""

    def __init__(self) -> None:
        self.now = 0.0

    def monotonic(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += seconds


async def test_never_more_than_rate_in_any_period() -> None:
    """200 back-to-back acquisitions fit 45 per sliding second and finish in ~4.4 s."""
    t = FakeTime()
    pacer = Pacer(45, 1.0, monotonic=t.monotonic, sleep=t.sleep)
    stamps = []
    for _ in range(200):
        async with pacer:
            stamps.append(t.now)
    for i in range(len(stamps) - 45):
        assert stamps[i + 45] - stamps[i] >= 1.0
    assert stamps[-1] == pytest.approx(4.0)


async def test_first_burst_goes_out_at_once() -> None:
    """Up to the rate, requests are not delayed at all."""
    t = FakeTime()
    pacer = Pacer(45, 1.0, monotonic=t.monotonic, sleep=t.sleep)
    for _ in range(45):
        await pacer.__aenter__()
    assert t.now == 0.0


async def test_requests_in_flight_count_until_a_period_after_they_finish() -> None:
    """With 45 requests in flight the 46th waits for one to finish, then a full period."""
    t = FakeTime()
    pacer = Pacer(45, 1.0, monotonic=t.monotonic, sleep=t.sleep)
    for _ in range(45):
        await pacer.__aenter__()
    late = asyncio.create_task(pacer.__aenter__())
    for _ in range(5):
        await asyncio.sleep(0)
    assert not late.done()
    t.now = 0.5
    await pacer.__aexit__(None, None, None)
    await late
    assert t.now == 1.5


def test_rejects_nonsense_rates() -> None:
    """A zero rate would deadlock; it is refused up front."""
    with pytest.raises(ValueError):
        Pacer(0)


async def test_default_rate_is_discords_global_limit_and_reached() -> None:
    """500 instant requests under the default pacer: never 51 in a second, 50 per second."""
    t = FakeTime()
    pacer = Pacer(monotonic=t.monotonic, sleep=t.sleep)
    stamps = []
    for _ in range(500):
        async with pacer:
            stamps.append(t.now)
    for i in range(len(stamps) - 50):
        assert stamps[i + 50] - stamps[i] >= 1.0
    assert stamps[-1] == pytest.approx(9.0)  # 50 at once, then 50 more every second


class FakeHTTP:
    """The slice of discord.py's HTTPClient the pacer wraps: ``request(route, **kwargs)``."""

    def __init__(self, t: FakeTime) -> None:
        self.t = t
        self.calls: list[tuple[str, float]] = []

    async def request(self, route: object, **kwargs: object) -> str:
        path = str(getattr(route, "path", ""))
        self.calls.append((path, self.t.now))
        return path


class Route:
    def __init__(self, path: str) -> None:
        self.path = path


async def test_every_rest_call_of_the_client_is_paced_but_interactions_are_not() -> None:
    """Once installed, any REST call counts (a sync, a fetch); interaction callbacks do not."""
    t = FakeTime()
    http = FakeHTTP(t)
    pacer = Pacer(50, 1.0, monotonic=t.monotonic, sleep=t.sleep)
    pace_requests(http, pacer)
    pace_requests(http, Pacer(1, 1.0))  # installing twice keeps the first pacer
    for i in range(50):
        await http.request(Route(f"/channels/{i}/messages"))
    await http.request(Route("/interactions/1/tok/callback"))
    assert t.now == 0.0  # the callback did not wait and did not take a slot
    await http.request(Route("/applications/1/commands"))
    assert t.now == pytest.approx(1.0)
    assert [path for path, _ in http.calls][-2:] == [
        "/interactions/1/tok/callback", "/applications/1/commands"
    ]
