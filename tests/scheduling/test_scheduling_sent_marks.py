"""Where a resend is not dropped by the platform, a send is recorded as sent at once."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

from bot.core.clock import FakeClock
from bot.core.commands import ContentCommands
from bot.core.content.loader import load_library
from bot.core.messages import Message
from bot.core.ports import Delivery, DeliveryResult, DeliveryStatus, Platform
from bot.core.rotation import MemoryRotationStore
from bot.scheduling.service import SchedulerService
from bot.storage import LedgerStatus, Spec, Store, create_store

CONTENT = Path(__file__).resolve().parents[2] / "content"
T0 = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)


class LedgerWatchingNotifier:
    """Sends always succeed; the last one first waits (boundedly) for the ledger to show
    every earlier send as sent, the moment a kill would cost a batched mark."""

    platform = Platform.SLACK
    dedupes_resends = False  # no nonce on chat.postMessage

    def __init__(self, store: Store, total: int) -> None:
        self.store = store
        self.total = total
        self.calls = 0
        self.seen_sent_before_last = -1

    async def deliver(self, delivery: Delivery, message: Message) -> DeliveryResult:
        self.calls += 1
        if self.calls == self.total:
            loop = asyncio.get_running_loop()
            deadline = loop.time() + 2.0
            while True:
                sent = len(await self.store.list_deliveries(status=LedgerStatus.SENT))
                if sent == self.total - 1 or loop.time() > deadline:
                    break
                await asyncio.sleep(0.01)
            self.seen_sent_before_last = sent
        return DeliveryResult(DeliveryStatus.SENT)

    async def notify_admin(self, workspace_id: str, channel_id: str | None,
                           message: Message) -> None:
        return None


async def test_slack_sends_are_marked_sent_without_waiting_for_a_batch(tmp_path: Path) -> None:
    """Slack has no nonce: a kill after a post must not leave it pending (it would repeat)."""
    clock = FakeClock(T0)
    store = create_store(f"sqlite+aiosqlite:///{tmp_path / 'db.sqlite3'}", clock=clock)
    await store.migrate()
    try:
        for channel in ("C1", "C2", "C3"):
            await store.add_schedule(platform="slack", workspace_id="T1", channel_id=channel,
                                     kind="tip", spec=Spec(cron="0 9 * * *"), timezone="UTC",
                                     next_due=T0, created_by="U1")
        notifier = LedgerWatchingNotifier(store, total=3)
        content = ContentCommands(load_library([CONTENT]), MemoryRotationStore(), clock)
        service = SchedulerService(store, {Platform.SLACK: notifier}, content, clock,
                                   instance_id="one", max_concurrency=1)
        report = await service.tick()
        assert report.sent == 3
        assert notifier.seen_sent_before_last == 2  # not held back for a batch of 100
    finally:
        await store.close()
