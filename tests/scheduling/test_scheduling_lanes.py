"""Fairness across workspaces: a workspace with many sends due never queues another
workspace's nudge behind them (bot/scheduling/lanes.py)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.core.clock import FakeClock
from bot.core.commands import ContentCommands
from bot.core.content.loader import load_library
from bot.core.messages import Message
from bot.core.ports import Delivery, DeliveryResult, DeliveryStatus, Platform
from bot.core.rotation import MemoryRotationStore
from bot.scheduling.lanes import Lanes
from bot.scheduling.service import SchedulerService
from bot.storage import Spec, create_store

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
