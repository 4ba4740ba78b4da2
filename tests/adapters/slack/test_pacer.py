"""The Slack pacer keeps chat.postMessage within Slack's per-channel and per-workspace limits,
and one workspace's queue never delays another's: checked against the fake Slack enforcing
both limits, on the pacer alone with many posts waiting at once, and with posts that reach
the fake's limiter late, as from a starved process (all in virtual time)."""

from __future__ import annotations

import asyncio
import heapq
import itertools
import random
from datetime import timedelta

import pytest

from bot.adapters.slack.client import build_web_client
from bot.adapters.slack.notifier import SlackNotifier
from bot.adapters.slack.pacer import MARGIN, ChannelPacer
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


def _bucket_holds(times: list[float], burst: int = 3, interval: float = 0.2) -> bool:
    """Whether posts at ``times`` fit a leaky bucket of ``burst`` and one per ``interval``
    (what the fake Slack enforces): any span of L seconds holds at most burst + L / interval,
    i.e. sorted posts i < j are at least (j - i - burst + 1) intervals apart."""
    ordered = sorted(times)
    return all(ordered[j] - ordered[i] >= (j - i - burst + 1) * interval - 1e-9
               for i in range(len(ordered)) for j in range(i + 1, len(ordered)))


async def test_a_busy_workspace_is_paced_and_never_delays_another(clock: FakeClock) -> None:
    """30 DMs at once in workspace A go three at once and then one per 0.2 s (300 a minute
    with a burst of three); workspace B's post, asked for last, goes at once; three posts to
    one channel of A go a second apart."""
    sleep = VirtualSleep(clock)
    pacer = ChannelPacer(clock, sleep)
    start = clock.now().timestamp()
    granted: dict[str, list[float]] = {}

    async def post(workspace: str, channel: str) -> None:
        async with pacer.turn(channel, workspace):
            granted.setdefault(f"{workspace}/{channel}", []).append(_at(clock, start))

    work = [asyncio.ensure_future(post("TA", f"D{i}")) for i in range(30)]
    work += [asyncio.ensure_future(post("TA", "CSAME")) for _ in range(3)]
    work.append(asyncio.ensure_future(post("TB", "DB")))
    await sleep.run(*work)

    assert granted["TB/DB"] == [0.0]
    a_times = [t for key, times in granted.items() if key.startswith("TA/") for t in times]
    assert len(a_times) == 33
    assert _bucket_holds(a_times)
    step = 0.2 + MARGIN.total_seconds()
    dms = sorted(granted[f"TA/D{i}"][0] for i in range(30))
    assert dms == pytest.approx([step * max(0, i - 2) for i in range(30)])
    same = granted["TA/CSAME"]
    assert same[0] == pytest.approx(step * 28)
    second = 1 + MARGIN.total_seconds()
    assert [b - a for a, b in itertools.pairwise(same)] == pytest.approx([second, second])


async def _through_the_fake(
    pacer: ChannelPacer, limits: PostLimits, sleep: VirtualSleep, posts: list[tuple[str, float]],
    workspace: str = "TA",
) -> list[float]:
    """Make ``posts`` (channel, transit seconds) at once through ``pacer``; each reaches the
    fake's limiter its transit time after it was let through and is answered at once. The
    admission times, in seconds from the start."""
    clock = sleep.clock
    start = clock.now().timestamp()
    admitted: list[float] = []

    async def post(channel: str, transit: float) -> None:
        async with pacer.turn(channel, workspace):
            await sleep(transit)
            now = clock.now().timestamp()
            if limits.check(workspace, channel, now) is None:
                admitted.append(round(now - start, 6))

    await sleep.run(*(asyncio.ensure_future(post(c, d)) for c, d in posts))
    return sorted(admitted)


async def test_late_arrivals_in_one_channel_are_never_bunched(clock: FakeClock) -> None:
    """Six posts to one channel whose first three reach Slack 3, 2 and 1 s after they were let
    through (a starved process): counting each post until a second after its answer keeps
    them a second apart at the fake, so none is refused. Spacing the moments posts are let
    through (the old pacer: 0, 1, 2, 3 s) has four arrive at 3 s and draws a 429."""
    limits = PostLimits()
    sleep = VirtualSleep(clock)
    admitted = await _through_the_fake(
        ChannelPacer(clock, sleep), limits, sleep,
        [("C1", 3.0), ("C1", 2.0), ("C1", 1.0), ("C1", 0.0), ("C1", 0.0), ("C1", 0.0)])
    assert limits.refusals == 0
    assert len(admitted) == 6
    assert all(b - a >= 1.0 for a, b in itertools.pairwise(admitted))


async def test_late_arrivals_in_one_workspace_stay_within_its_limit(clock: FakeClock) -> None:
    """30 DMs in one workspace, every fourth reaching Slack on time and the three before it
    0.6, 0.4 and 0.2 s late: none is refused and the fake's admissions fit its bucket (the old
    pacer's even 0.2 s turns had four arrive together, a 429 in every four)."""
    limits = PostLimits()
    sleep = VirtualSleep(clock)
    lateness = [0.6, 0.4, 0.2, 0.0]
    admitted = await _through_the_fake(
        ChannelPacer(clock, sleep), limits, sleep,
        [(f"D{i}", lateness[i % 4]) for i in range(30)])
    assert limits.refusals == 0
    assert len(admitted) == 30
    assert _bucket_holds(admitted)


@pytest.mark.parametrize("transit", [0.0, 0.05, 0.3, 0.6, 1.5])
async def test_round_trips_of_any_length_draw_no_429(clock: FakeClock, transit: float) -> None:
    """110 posts in one workspace, each reaching Slack (and answered) ``transit`` seconds after
    it was let through: none is refused at any round trip, since each post is counted as
    arriving as late as its answer."""
    limits = PostLimits()
    sleep = VirtualSleep(clock)
    admitted = await _through_the_fake(
        ChannelPacer(clock, sleep), limits, sleep, [(f"D{i}", transit) for i in range(110)])
    assert limits.refusals == 0
    assert len(admitted) == 110
    assert _bucket_holds(admitted)


@pytest.mark.parametrize("seed", range(5))
async def test_posts_seen_anywhere_before_their_answer_draw_no_429(
        clock: FakeClock, seed: int) -> None:
    """200 posts over 4 channels of one workspace, each reaching Slack a random 0-0.5 s after
    it was let through and answered a random 0-0.5 s after that (a post seen early and
    answered late, or the other way round): none is refused by the fake's two buckets."""
    rng = random.Random(seed)
    limits = PostLimits()
    sleep = VirtualSleep(clock)
    pacer = ChannelPacer(clock, sleep)
    start = clock.now().timestamp()
    admitted: list[float] = []

    async def post(channel: str, reach: float, answer: float) -> None:
        async with pacer.turn(channel, "TA"):
            await sleep(reach)
            now = clock.now().timestamp()
            if limits.check("TA", channel, now) is None:
                admitted.append(now - start)
            await sleep(answer)

    await sleep.run(*(asyncio.ensure_future(post(
        rng.choice(["C1", "C2", "D1", "D2"]) if i % 10 == 0 else f"D{i}",
        rng.uniform(0, 0.5), rng.uniform(0, 0.5))) for i in range(200)))
    assert limits.refusals == 0
    assert len(admitted) == 200
    assert _bucket_holds(admitted)


@pytest.mark.parametrize("transit", [0.0, 0.05])
async def test_posts_keep_the_floor(clock: FakeClock, transit: float) -> None:
    """110 posts in one workspace (the benchmark's share), answered at once or after a 50 ms
    round trip, are all admitted within 1 % of the earliest the fake's limits allow (21.4 s:
    three at once, then one per 0.2 s): the burst allowance absorbs the round trip, where the
    three-per-0.6 s pacer paid it once per three posts (36 x 50 ms = 1.8 s more)."""
    limits = PostLimits()
    sleep = VirtualSleep(clock)
    admitted = await _through_the_fake(
        ChannelPacer(clock, sleep), limits, sleep, [(f"D{i}", transit) for i in range(110)])
    floor = limits.floor({"TA": 110}, {})
    assert limits.refusals == 0
    assert floor == pytest.approx(21.4)
    assert floor <= admitted[-1] <= floor * 1.01


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
        async with pacer.turn(channel, workspace):
            times[channel] = _at(clock, start)

    await sleep.run(*(asyncio.ensure_future(post(w, c))
                      for w, c in (("TA", "C1"), ("TA", "C2"), ("TB", "C3"))))
    assert times["C3"] == 0.0
    assert times["C1"] >= 5.0 and times["C2"] >= 5.0
