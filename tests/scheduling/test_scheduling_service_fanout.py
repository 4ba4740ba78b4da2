"""A fan-out's bookkeeping stays cheap: batched sent marks, pipelined claims, aligned ticks."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from bot.core.clock import FakeClock
from bot.core.messages import Message
from bot.core.ports import Actor, Delivery, DeliveryResult, PreparesTargets, Target
from bot.scheduling.dispatcher import MARK_BATCH
from bot.scheduling.service import aligned_tick
from bot.storage import bulk
from bot.storage.records import LedgerStatus
from tests.scheduling.scheduling_harness import PLATFORM, RecordingNotifier, Rig, make_rig

T0 = datetime(2027, 3, 1, 8, 0, tzinfo=UTC)  # a Monday
PEOPLE = 250


@pytest.fixture
async def rig(tmp_path: Path) -> AsyncIterator[Rig]:
    r = await make_rig(tmp_path / "db.sqlite3", FakeClock(T0))
    yield r
    await r.store.close()


async def _people_due(rig: Rig, count: int) -> None:
    for i in range(count):
        await rig.commands.remind_on(Actor(PLATFORM, "@me", f"p{i}"), every="30")
    reminder = await rig.store.get_reminder(str(PLATFORM), "@me", "p0")
    assert reminder is not None and reminder.next_due is not None
    rig.clock.set(reminder.next_due)


def _count_statements(rig: Rig, needle: str) -> list[str]:
    seen: list[str] = []

    def listen(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if needle in statement:
            seen.append(statement)

    sa.event.listen(rig.store.engine.sync_engine, "before_cursor_execute", listen)
    return seen


async def test_sent_marks_are_written_in_batches(rig: Rig) -> None:
    """250 sends cost a handful of sent marks, not one transaction per send: at most one per
    MARK_BATCH sends plus one as each claimed batch (here 50, then 200) finishes."""
    await _people_due(rig, PEOPLE)
    updates = _count_statements(rig, bulk._SQLITE_MARK)  # the mark, sent as it is written
    report = await rig.service.tick()
    assert report.sent == PEOPLE
    assert 1 <= len(updates) <= -(-PEOPLE // MARK_BATCH) + 2
    rows = await rig.store.list_deliveries()
    assert len(rows) == PEOPLE
    assert {r.status for r in rows} == {LedgerStatus.SENT}
    assert all(r.attempts == 1 and r.sent_at == rig.clock.now() for r in rows)


async def test_every_claimed_batch_is_sent_in_one_tick(rig: Rig) -> None:
    """More due rows than one claim holds are all sent by the same tick, each exactly once."""
    rig.service.batch_size = 60
    await _people_due(rig, PEOPLE)
    report = await rig.service.tick()
    assert report.sent == PEOPLE
    targets = [s.delivery.target.id for s in rig.notifier.sent]
    assert sorted(targets) == sorted(f"p{i}" for i in range(PEOPLE))


async def test_finish_sent_leaves_rows_that_are_no_longer_pending(rig: Rig) -> None:
    """A batch mark never overwrites a row another process already finished."""
    await _people_due(rig, 2)
    await rig.service.tick()
    first, second = await rig.store.list_deliveries()  # both already marked sent
    later = rig.clock.now() + timedelta(minutes=1)
    await rig.store.finish_sent_deliveries([first.id, second.id], now=later)
    after = {r.id: r for r in await rig.store.list_deliveries()}
    assert after[first.id].updated_at == first.updated_at
    assert after[second.id].updated_at == second.updated_at


@pytest.mark.parametrize(
    ("now", "seconds", "expected"),
    [
        (datetime(2027, 3, 1, 8, 0, 7, 500, tzinfo=UTC), 15.0, datetime(2027, 3, 1, 8, 0, 0,
                                                                         tzinfo=UTC)),
        (datetime(2027, 3, 1, 8, 0, 59, tzinfo=UTC), 15.0, datetime(2027, 3, 1, 8, 0, 45,
                                                                     tzinfo=UTC)),
        (datetime(2027, 3, 1, 8, 0, 30, tzinfo=UTC), 15.0, datetime(2027, 3, 1, 8, 0, 30,
                                                                     tzinfo=UTC)),
        (datetime(2027, 3, 1, 8, 0, 3, 250000, tzinfo=UTC), 1.0, datetime(2027, 3, 1, 8, 0, 3,
                                                                          tzinfo=UTC)),
    ],
)
def test_ticks_fall_on_the_interval_grid(now: datetime, seconds: float,
                                         expected: datetime) -> None:
    """The first tick is at most one interval back, on a grid that whole minutes lie on."""
    assert aligned_tick(now, seconds) == expected


async def test_a_notifier_that_prepares_is_told_each_batch_before_its_sends(
        tmp_path: Path) -> None:
    """A notifier with ``prepare`` (Discord's and Slack's read a batch's DM channel ids in
    one query) hears every claimed batch's targets before any of that batch is delivered."""

    @dataclass
    class Preparing(RecordingNotifier):
        prepared: list[list[str]] = field(default_factory=list)
        unprepared_sends: int = 0

        async def prepare(self, targets: Sequence[Target]) -> None:
            self.prepared.append([t.id for t in targets])

        async def deliver(self, delivery: Delivery, message: Message) -> DeliveryResult:
            if not any(delivery.target.id in batch for batch in self.prepared):
                self.unprepared_sends += 1
            return await super().deliver(delivery, message)

    clock = FakeClock(T0)
    notifier = Preparing(clock)
    rig = await make_rig(tmp_path / "db.sqlite3", clock, notifier)
    try:
        await _people_due(rig, 120)
        report = await rig.service.tick()
        assert report.sent == 120
        assert isinstance(rig.service.dispatcher.notifiers[PLATFORM], PreparesTargets)
        assert len(notifier.prepared) >= 2  # one per claimed batch (here 50, then 70)
        assert sorted(p for batch in notifier.prepared for p in batch) == sorted(
            f"p{i}" for i in range(120))
        assert notifier.unprepared_sends == 0
    finally:
        await rig.store.close()
