"""Fairness across workspaces: a workspace with many sends due never queues another
workspace's nudge behind them (bot/scheduling/lanes.py)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.core.clock import FakeClock
from bot.core.commands import ContentCommands
from bot.core.content.loader import load_library
from bot.core.messages import Message
from bot.core.ports import Delivery, DeliveryResult, DeliveryStatus, Platform, Target, TargetKind
from bot.core.rotation import MemoryRotationStore
from bot.scheduling.lanes import Lanes
from bot.scheduling.report import TickReport
from bot.scheduling.service import SchedulerService
from bot.storage import Spec, create_store
from bot.storage.records import DeliveryRow, NewDelivery

CONTENT = Path(__file__).resolve().parents[2] / "content"
T0 = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)
GUARD = 5.0  # only against a hang: every wait ends when its event happens


class StuckBigWorkspace:
    """Sends to TBIG hang until released (a platform slow for that workspace); TSMALL's
    succeed at once."""

    platform = Platform.SLACK
    dedupes_resends = False

    def __init__(self) -> None:
        self.release = asyncio.Event()
        self.small_sent = asyncio.Event()
        self.big_in_flight = 0
        self.most_big_in_flight = 0
        self.order: list[str] = []

    async def deliver(self, delivery: Delivery, message: Message) -> DeliveryResult:
        workspace = delivery.target.workspace_id
        self.order.append(workspace)
        if workspace == "TSMALL":
            self.small_sent.set()
            return DeliveryResult(DeliveryStatus.SENT)
        self.big_in_flight += 1
        self.most_big_in_flight = max(self.most_big_in_flight, self.big_in_flight)
        await self.release.wait()
        self.big_in_flight -= 1
        return DeliveryResult(DeliveryStatus.SENT)

    async def notify_admin(self, workspace_id: str, channel_id: str | None,
                           message: Message) -> None:
        return None


async def test_small_workspace_is_sent_while_a_big_one_is_stuck(tmp_path: Path) -> None:
    """40 schedules due in TBIG are claimed ahead of TSMALL's one; with TBIG's sends hanging,
    TSMALL's nudge still goes out, and TBIG never has more than its 4 slots in flight."""
    clock = FakeClock(T0)
    store = create_store(f"sqlite+aiosqlite:///{tmp_path / 'db.sqlite3'}", clock=clock)
    await store.migrate()
    try:
        for i, workspace in enumerate(["TBIG"] * 40 + ["TSMALL"]):
            await store.add_schedule(platform="slack", workspace_id=workspace,
                                     channel_id=f"C{i}", kind="tip",
                                     spec=Spec(cron="0 9 * * *"), timezone="UTC",
                                     next_due=T0, created_by="U1")
        notifier = StuckBigWorkspace()
        content = ContentCommands(load_library([CONTENT]), MemoryRotationStore(), clock)
        service = SchedulerService(store, {Platform.SLACK: notifier}, content, clock,
                                   instance_id="one", max_concurrency=4)
        tick = asyncio.ensure_future(service.tick())
        await asyncio.wait_for(notifier.small_sent.wait(), GUARD)
        assert not tick.done()
        assert notifier.order.count("TBIG") == 4  # its 4 slots, the other 36 queued
        notifier.release.set()
        report = await asyncio.wait_for(tick, GUARD)
        assert report.sent == 41
        assert notifier.most_big_in_flight == 4
    finally:
        await store.close()


async def test_lanes_are_first_come_within_a_lane_and_dropped_when_idle() -> None:
    """Within one lane slots are handed out in arrival order; another lane is not queued
    behind it; a lane with nothing waiting is forgotten."""
    lanes = Lanes(per_lane=1, total=4)
    gate = asyncio.Event()
    order: list[str] = []

    async def send(lane: str, name: str) -> None:
        async with lanes.slot(lane):
            order.append(name)
            if lane == "big":
                await gate.wait()

    big = [asyncio.ensure_future(send("big", f"b{i}")) for i in range(3)]
    small = asyncio.ensure_future(send("small", "s"))
    await asyncio.wait_for(small, GUARD)
    assert order == ["b0", "s"]
    gate.set()
    await asyncio.wait_for(asyncio.gather(*big), GUARD)
    assert order == ["b0", "s", "b1", "b2"]
    assert len(lanes) == 0


def test_lanes_refuse_a_total_below_one_lane() -> None:
    with pytest.raises(ValueError):
        Lanes(per_lane=4, total=2)


class OneDmAtATime:
    """Each DM hangs until the test lets one through (a fan-out's sends under way); channel
    posts succeed at once. Records the order sends started in."""

    platform = Platform.SLACK
    dedupes_resends = False

    def __init__(self) -> None:
        self.permits = asyncio.Semaphore(0)
        self.started: list[str] = []
        self.changed = asyncio.Event()

    async def deliver(self, delivery: Delivery, message: Message) -> DeliveryResult:
        self.started.append(delivery.target.id)
        self.changed.set()
        if delivery.target.kind is TargetKind.DM:
            await self.permits.acquire()
        return DeliveryResult(DeliveryStatus.SENT)

    async def notify_admin(self, workspace_id: str, channel_id: str | None,
                           message: Message) -> None:
        return None

    async def until_started(self, count: int) -> None:
        async def watch() -> None:
            while len(self.started) < count:
                self.changed.clear()
                await self.changed.wait()
        await asyncio.wait_for(watch(), GUARD)


async def test_a_channel_post_goes_ahead_of_its_workspaces_waiting_dms(tmp_path: Path) -> None:
    """A workspace's 10 DMs hold its 2 slots and 8 wait when a channel post of the same
    workspace comes: it takes the next free slot, ahead of the 8 (a post is paced by its
    channel too; at the back of the queue its channel's next posts finished late)."""
    clock = FakeClock(T0)
    store = create_store(f"sqlite+aiosqlite:///{tmp_path / 'db.sqlite3'}", clock=clock)
    await store.migrate()
    try:
        notifier = OneDmAtATime()
        content = ContentCommands(load_library([CONTENT]), MemoryRotationStore(), clock)
        service = SchedulerService(store, {Platform.SLACK: notifier}, content, clock,
                                   instance_id="one", max_concurrency=2)

        async def row(kind: TargetKind, target: str) -> DeliveryRow:
            made = await store.record_delivery(
                NewDelivery.for_target(Target(Platform.SLACK, "T1", kind, target),
                                       source=f"test:{target}", slot=T0, kind="break"),
                owner="one", now=T0, send_lease=timedelta(minutes=5))
            assert made is not None
            return made

        dms = [await row(TargetKind.DM, f"U{i}") for i in range(10)]
        post = await row(TargetKind.CHANNEL, "C1")
        sending = asyncio.ensure_future(service.dispatcher.send_all(dms, TickReport()))
        await notifier.until_started(2)
        posting = asyncio.ensure_future(service.dispatcher.send_all([post], TickReport()))
        for _ in range(50):  # the post reaches its lane and waits there, behind nobody
            await asyncio.sleep(0)
        assert notifier.started == ["U0", "U1"]
        notifier.permits.release()
        await notifier.until_started(3)
        assert notifier.started[2] == "C1"
        for _ in range(9):
            notifier.permits.release()
        await asyncio.wait_for(asyncio.gather(sending, posting), GUARD)
        assert notifier.started == ["U0", "U1", "C1"] + [f"U{i}" for i in range(2, 10)]
    finally:
        await store.close()


async def test_a_first_send_passes_the_waiting_ones_and_cancelled_waiters_pass_on() -> None:
    """Within a lane, ``first`` sends are served before the others that wait, in their own
    arrival order; a waiter cancelled while queued (or just as its turn came) gives its turn
    to the next, so no slot is lost."""
    lanes = Lanes(per_lane=1, total=4)
    gate = asyncio.Event()
    order: list[str] = []

    async def send(name: str, *, first: bool = False) -> None:
        async with lanes.slot("lane", first=first):
            order.append(name)
            if name == "d0":
                await gate.wait()

    held = asyncio.ensure_future(send("d0"))
    await asyncio.sleep(0)
    waiting = [asyncio.ensure_future(send("d1")), asyncio.ensure_future(send("d2"))]
    quitter = asyncio.ensure_future(send("p-quits", first=True))
    posts = [asyncio.ensure_future(send("p1", first=True)),
             asyncio.ensure_future(send("p2", first=True))]
    for _ in range(5):
        await asyncio.sleep(0)
    quitter.cancel()
    gate.set()
    await asyncio.wait_for(asyncio.gather(held, *waiting, *posts), GUARD)
    assert quitter.cancelled()
    assert order == ["d0", "p1", "p2", "d1", "d2"]
    assert len(lanes) == 0
