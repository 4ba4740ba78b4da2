"""The Slack pacer keeps chat.postMessage within Slack's per-channel and per-workspace limits,
and one workspace's queue never delays another's: checked against the fake Slack enforcing
both limits, and on the pacer alone with many posts waiting at once (virtual time)."""

from __future__ import annotations

import asyncio
import heapq
import itertools
from datetime import timedelta

import pytest

from bot.adapters.slack.client import build_web_client
from bot.adapters.slack.notifier import SlackNotifier
from bot.adapters.slack.pacer import ChannelPacer
from bot.core.clock import FakeClock
from bot.core.messages import Message, MessageKind
from bot.core.ports import Delivery, DeliveryStatus, Platform, Target, TargetKind
from tests.adapters.slack.conftest import Sleeps
from tests.fakes.slack import BOT_TOKEN, FakeSlack
from tests.fakes.slack.ratelimits import PostLimits

NUDGE = Message(kind=MessageKind.NUDGE, title="Break", body="Look away from the screen.")


class VirtualSleep:
    """Sleeps that end in deadline order as virtual time moves, so many waiters at once see
    one consistent clock (the plain ``Sleeps`` moves the clock per call)."""

    def __init__(self, clock: FakeClock) -> None:
        self.clock = clock
        self._heap: list[tuple[float, int, asyncio.Future[None]]] = []
        self._seq = itertools.count()

    async def __call__(self, seconds: float) -> None:
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        deadline = self.clock.now().timestamp() + seconds
        heapq.heappush(self._heap, (deadline, next(self._seq), future))
        await future

    async def run(self, *work: asyncio.Future[object]) -> None:
        """Drive ``work`` to completion, waking the earliest sleeper whenever all are idle."""
        pending = set(work)
        while pending:
            for _ in range(20):
                await asyncio.sleep(0)
            pending = {w for w in pending if not w.done()}
            if pending and self._heap:
                deadline, _, future = heapq.heappop(self._heap)
                gap = deadline - self.clock.now().timestamp()
                if gap > 0:
                    self.clock.advance(timedelta(seconds=gap))
                future.set_result(None)
        for w in work:
            w.result()


def _at(clock: FakeClock, start: float) -> float:
    return round(clock.now().timestamp() - start, 6)


async def test_a_busy_workspace_is_spaced_and_never_delays_another(clock: FakeClock) -> None:
    """30 DMs at once in workspace A go one every 0.2 s (300 a minute); workspace B's post,
    asked for last, goes at once; three posts to one channel of A take the workspace's next
    turn and then go a second apart."""
    sleep = VirtualSleep(clock)
    pacer = ChannelPacer(clock, sleep)
    start = clock.now().timestamp()
    granted: dict[str, list[float]] = {}

    async def post(workspace: str, channel: str) -> None:
        await pacer.wait_turn(channel, workspace)
        granted.setdefault(f"{workspace}/{channel}", []).append(_at(clock, start))

    work = [asyncio.ensure_future(post("TA", f"D{i}")) for i in range(30)]
    work += [asyncio.ensure_future(post("TA", "CSAME")) for _ in range(3)]
    work.append(asyncio.ensure_future(post("TB", "DB")))
    await sleep.run(*work)

    assert granted["TB/DB"] == [0.0]
    a_times = sorted(t for key, times in granted.items() if key.startswith("TA/") for t in times)
    assert len(a_times) == 33
    assert all(b - a >= 0.2 - 1e-6 for a, b in itertools.pairwise(a_times))
    dms = sorted(granted[f"TA/D{i}"][0] for i in range(30))
    assert dms == pytest.approx([0.2 * i for i in range(30)])
    assert granted["TA/CSAME"] == pytest.approx([6.0, 7.0, 8.0])


def _delivery(workspace: str, kind: TargetKind, target_id: str, n: int) -> Delivery:
    return Delivery(n, Target(Platform.SLACK, workspace, kind, target_id), f"n{n}", "schedule:1")


@pytest.mark.parametrize("paced", [True, False], ids=["paced", "unpaced"])
async def test_a_fan_out_over_two_workspaces_draws_no_429(
    clock: FakeClock, sleeps: Sleeps, paced: bool
) -> None:
    """Against the fake enforcing both limits, 40 DMs and 6 posts to one channel over two
    workspaces are all admitted with no 429 when paced; unpaced, the fake refuses (so the
    check can fail)."""
    fake = await FakeSlack(clock=clock, post_limits=PostLimits()).start()
    try:
        for team in ("TA", "TB"):
            fake.add_channel(f"C{team}", team=team)
        for i in range(40):
            fake.users[f"U{i}"] = {"name": f"u{i}", "team_id": "TA" if i % 2 else "TB"}
        pacer = (ChannelPacer(clock, sleeps) if paced else
                 ChannelPacer(clock, sleeps, timedelta(0), per_minute=1_000_000))
        client = build_web_client(BOT_TOKEN, base_url=fake.base_url, sleep=sleeps)
        notifier = SlackNotifier(client, pacer)
        results = []
        for n in range(46):
            if n < 40:
                team = "TA" if n % 2 else "TB"
                delivery = _delivery(team, TargetKind.DM, f"U{n}", n)
            else:
                delivery = _delivery("TA", TargetKind.CHANNEL, "CTA", n)
            results.append(await notifier.deliver(delivery, NUDGE))
        assert fake.post_limits is not None
        if paced:
            assert fake.post_limits.refusals == 0
            assert {r.status for r in results} == {DeliveryStatus.SENT}
            assert fake.posted["CTA"] == 6 and len(fake.posted) == 41
        else:
            assert fake.post_limits.refusals > 0
    finally:
        await fake.stop()


async def test_retry_after_pushes_back_the_channel_and_its_workspace(clock: FakeClock) -> None:
    """After a 429 with Retry-After 5, neither that channel nor another in the same workspace
    posts for 5 s; another workspace is not held back."""
    sleep = VirtualSleep(clock)
    pacer = ChannelPacer(clock, sleep)
    start = clock.now().timestamp()
    pacer.push_back("C1", 5, "TA")
    times: dict[str, float] = {}

    async def post(workspace: str, channel: str) -> None:
        await pacer.wait_turn(channel, workspace)
        times[channel] = _at(clock, start)

    await sleep.run(*(asyncio.ensure_future(post(w, c))
                      for w, c in (("TA", "C1"), ("TA", "C2"), ("TB", "C3"))))
    assert times["C3"] == 0.0
    assert times["C1"] >= 5.0 and times["C2"] >= 5.0
