"""A fan-out with meeting checks on: nobody's nudge waits for checks it does not need.

The scheduler ticks on a FakeClock against a real SQLite store; the presence source answers
at once for most people and holds the answers for a few "slow" people until the test lets
them go (as Slack's presence calls do for people it is slow to answer). The gate waits as
long as it takes (``wait`` and ``presence_wait`` an hour), so what is sent early can only be
what the dispatcher did not tie to the slow checks.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from bot.core.clock import FakeClock
from bot.core.messages import Message
from bot.core.ports import Delivery, DeliveryResult, Platform, TargetKind
from bot.meetings.presence import CachedPresence, Presence
from bot.scheduling.dispatcher import FIRST_GATE_CHUNK, GATE_CHUNK, gate_chunks
from bot.scheduling.meetings import MeetingGate
from bot.scheduling.service import SchedulerService
from bot.storage import Store, create_store
from bot.storage import tables as t
from bot.storage.holds import Holds
from bot.storage.records import DeliveryRow, LedgerStatus
from tests.meetings.rig import SETTINGS, RecordingEvents, content
from tests.scheduling.scheduling_harness import RecordingNotifier

WEEKDAY_0900 = datetime(2027, 3, 24, 9, 0, tzinfo=UTC)
GUILD = "guild1"
HOUR = 3600.0
WAITED_FOR = 30.0  # how long the test waits for what must happen (only a failure waits)


@dataclass
class SlowFor:
    """A presence source: everyone is available; the answers for ``slow`` people (and for
    everyone asked in the same call) wait until ``release`` is set."""

    slow: set[str] = field(default_factory=set)
    release: asyncio.Event = field(default_factory=asyncio.Event)
    asked: list[str] = field(default_factory=list)
    slow_asked: asyncio.Event = field(default_factory=asyncio.Event)

    async def statuses(self, workspace_id: str, user_ids: Sequence[str]
                       ) -> dict[str, Presence]:
        self.asked.extend(user_ids)
        if self.slow.intersection(user_ids):
            self.slow_asked.set()
            await self.release.wait()
        return {user: Presence.available() for user in user_ids}


@dataclass
class Fanout:
    store: Store
    clock: FakeClock
    notifier: Watched
    source: SlowFor
    service: SchedulerService
    gate: MeetingGate

    def sent_to(self, kind: TargetKind) -> list[str]:
        return [s.delivery.target.id for s in self.notifier.sent
                if s.delivery.target.kind is kind]

    async def until(self, what: str, done: Callable[[], bool]) -> None:
        """Wait for ``done`` to hold, looking again after every delivery."""
        async def watch() -> None:
            while not done():
                self.notifier.delivered.clear()
                await self.notifier.delivered.wait()
        try:
            await asyncio.wait_for(watch(), WAITED_FOR)
        except TimeoutError:
            pytest.fail(f"never happened: {what}")


@dataclass
class Watched(RecordingNotifier):
    """Says when it delivered something."""

    delivered: asyncio.Event = field(default_factory=asyncio.Event)

    async def deliver(self, delivery: Delivery, message: Message) -> DeliveryResult:
        result = await super().deliver(delivery, message)
        self.delivered.set()
        return result


@pytest.fixture
async def fanout(tmp_path: Path) -> AsyncIterator[Fanout]:
    clock = FakeClock(WEEKDAY_0900 - timedelta(seconds=30))
    store = create_store(f"sqlite+aiosqlite:///{tmp_path / 'db.sqlite3'}", clock=clock)
    await store.migrate()
    notifier = Watched(clock)
    source = SlowFor()
    gate = MeetingGate(store, Holds(store), clock, SETTINGS.scheduler.grace,
                       presence={Platform.DISCORD: CachedPresence(source, clock, wait=HOUR)},
                       presence_wait=HOUR)
    service = SchedulerService(store, {Platform.DISCORD: notifier}, content(clock), clock,
                               SETTINGS.scheduler, instance_id="test", gate=gate,
                               events=RecordingEvents())
    yield Fanout(store, clock, notifier, source, service, gate)
    source.release.set()
    await gate.close()
    await store.close()


async def due_together(store: Store, people: int, *, channels: int = 0,
                       guild: str = GUILD) -> list[str]:
    """``people`` hourly reminders and ``channels`` channel schedules of one guild, all due
    at 09:00; the users in the order they were stored (the order they are claimed in)."""
    users = [f"{guild}-u{n:04d}" for n in range(people)]
    now = WEEKDAY_0900 - timedelta(days=1)
    async with store.engine.begin() as conn:
        await conn.execute(sa.insert(t.reminders), [{
            "platform": "discord", "workspace_id": guild, "user_id": user,
            "every_minutes": 60, "start_time": "00:00", "end_time": "23:59",
            "days": "0,1,2,3,4,5,6", "timezone": None, "enabled": True,
            "next_due": WEEKDAY_0900, "created_at": now, "updated_at": now} for user in users])
        if channels:
            await conn.execute(sa.insert(t.schedules), [{
                "platform": "discord", "workspace_id": guild, "channel_id": f"c{n}",
                "kind": "break", "cron": "0 9 * * *", "paused": False,
                "next_due": WEEKDAY_0900, "created_by": "test", "created_at": now}
                for n in range(channels)])
    return users


async def test_channel_posts_go_out_while_the_dms_checks_wait(fanout: Fanout) -> None:
    """Every person's presence answer is slow: the channel posts due with their DMs are sent
    meanwhile (a channel has no one to be busy), the DMs once the answers are in."""
    users = await due_together(fanout.store, 5, channels=2)
    fanout.source.slow = set(users)
    fanout.clock.set(WEEKDAY_0900)
    tick = asyncio.ensure_future(fanout.service.tick())
    await fanout.until("the channel posts are sent",
                       lambda: len(fanout.sent_to(TargetKind.CHANNEL)) == 2)
    assert fanout.sent_to(TargetKind.DM) == []
    assert not tick.done()
    fanout.source.release.set()
    await asyncio.wait_for(tick, WAITED_FOR)
    assert sorted(fanout.sent_to(TargetKind.DM)) == users
    assert sorted(fanout.sent_to(TargetKind.CHANNEL)) == ["c0", "c1"]


async def test_a_big_batch_is_sent_while_its_last_checks_are_still_out(
        fanout: Fanout) -> None:
    """400 people due at once, the presence answers of the last 40 slow: everyone before
    them is nudged while those answers are still out, the 40 once their answers come; each
    exactly once. (The tick claims 10 rows, then 50, then the 340 left; the checks of those
    340 are asked for a chunk at a time, 100, 200 and 40, and each chunk is sent as soon as
    its own answers are in. Checked all together, the 300 would wait for the slow 40.)"""
    users = await due_together(fanout.store, 400)
    slow = users[-40:]
    fanout.source.slow = set(slow)
    fanout.clock.set(WEEKDAY_0900)
    tick = asyncio.ensure_future(fanout.service.tick())
    await fanout.until("the 360 people with prompt answers are nudged",
                       lambda: len(fanout.sent_to(TargetKind.DM)) >= 360)
    assert set(fanout.sent_to(TargetKind.DM)) == set(users[:360])
    assert set(slow) <= set(fanout.source.asked)  # asked for, not answered yet
    assert not tick.done()
    fanout.source.release.set()
    await asyncio.wait_for(tick, WAITED_FOR)
    assert sorted(fanout.sent_to(TargetKind.DM)) == users
    rows = await fanout.store.list_deliveries()
    assert len(rows) == 400 and {r.status for r in rows} == {LedgerStatus.SENT}


async def test_a_cancelled_tick_takes_its_chunks_sends_with_it(fanout: Fanout) -> None:
    """The process is stopping hard (its tick cancelled) while a batch's last checks are out
    and the sends of its first chunks hang at the platform: the tick ends at once and takes
    those sends with it, as a batch's sends always went, instead of waiting for them."""
    users = await due_together(fanout.store, 400)
    fanout.source.slow = set(users[-40:])
    fanout.notifier.block = asyncio.Event()  # never set: every send hangs
    fanout.clock.set(WEEKDAY_0900)
    tick = asyncio.ensure_future(fanout.service.tick())

    await asyncio.wait_for(fanout.source.slow_asked.wait(), WAITED_FOR)
    await asyncio.wait_for(fanout.notifier.entered.wait(), WAITED_FOR)
    tick.cancel()
    with pytest.raises(asyncio.CancelledError):
        await asyncio.wait_for(tick, WAITED_FOR)
    sends = [t for t in asyncio.all_tasks() if not t.done()
             and t.get_coro().__qualname__.endswith(("_send_batch", "_send_one"))]
    if sends:  # cancelled, and winding down: none of them goes on to deliver
        done, _ = await asyncio.wait(sends, timeout=WAITED_FOR)
        assert len(done) == len(sends) and all(t.cancelled() for t in sends)
    assert fanout.notifier.sent == []


async def test_the_workspaces_zones_are_read_once_per_batch(fanout: Fanout) -> None:
    """100 people in 20 guilds due at once: the checks read the guilds' settings (for their
    time zones) a few times in all, not once per person (they all missed the cache at once
    and each asked for its own: 100 queries)."""
    for g in range(20):
        await due_together(fanout.store, 5, guild=f"g{g:02d}")
    seen: list[str] = []

    def listen(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if "FROM workspaces" in statement:
            seen.append(statement)

    sa.event.listen(fanout.store.engine.sync_engine, "before_cursor_execute", listen)
    fanout.source.release.set()
    fanout.clock.set(WEEKDAY_0900)
    report = await fanout.service.tick()
    assert report.sent == 100
    assert len(seen) <= 4, seen  # the claim's lookup and the gate's, per claimed batch


def _rows(per_workspace: dict[str, int]) -> list[DeliveryRow]:
    rows = []
    for workspace, count in per_workspace.items():
        for n in range(count):
            rows.append(DeliveryRow(
                id=len(rows) + 1, platform="discord", workspace_id=workspace,
                target_kind=TargetKind.DM.value, target_id=f"{workspace}-{n}",
                target_key=f"discord:{workspace}:dm:{workspace}-{n}",
                source=f"reminder:{len(rows) + 1}", kind="break", slot=WEEKDAY_0900,
                status=LedgerStatus.PENDING, attempts=0, nonce=f"n{len(rows)}", detail=None,
                next_attempt_at=None, created_at=WEEKDAY_0900, updated_at=WEEKDAY_0900,
                sent_at=None))
    return rows


def test_chunks_grow_and_let_every_workspace_take_turns() -> None:
    """A batch of 1,000 DMs from one big workspace and 90 from a small one: the first chunk
    holds 100, each next one twice as many up to the cap, and the small workspace's people
    come one for one with the big one's, so they are all in the first two chunks."""
    rows = _rows({"big": 1000, "small": 90})
    chunks = gate_chunks(rows)
    assert [len(c) for c in chunks] == [FIRST_GATE_CHUNK, 200, 400, 390]
    assert GATE_CHUNK >= 400
    assert [r.id for c in chunks for r in c] != [r.id for r in rows]
    assert sorted(r.id for c in chunks for r in c) == [r.id for r in rows]
    assert sum(r.workspace_id == "small" for r in chunks[0]) == 50
    assert sum(r.workspace_id == "small" for r in chunks[1]) == 40
    # Within a workspace, the claim order is kept.
    big = [r.target_id for c in chunks for r in c if r.workspace_id == "big"]
    assert big == [f"big-{n}" for n in range(1000)]
