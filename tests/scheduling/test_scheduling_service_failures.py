"""SchedulerService under failure: crashes mid-send, refusals, closed DMs and retries."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.core.clock import FakeClock
from bot.core.ports import Actor, Delivery, DeliveryResult, DeliveryStatus
from bot.storage import LedgerStatus
from tests.scheduling.scheduling_harness import (
    ADMIN,
    PLATFORM,
    SENT,
    RecordingNotifier,
    Rig,
    make_rig,
)

T0 = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)  # a Monday
PERSON = Actor(PLATFORM, "guild1", "person1")


@pytest.fixture
async def rig(tmp_path: Path) -> AsyncIterator[Rig]:
    r = await make_rig(tmp_path / "db.sqlite3", FakeClock(T0))
    yield r
    await r.store.close()


async def _hourly(rig: Rig, channel: str = "chan1") -> int:
    msg = await rig.commands.schedule_add(ADMIN, channel, "tip", cron="0 * * * *", timezone="UTC")
    return int(msg.title.split("#")[1].split()[0])


async def _slots(rig: Rig) -> list[datetime]:
    out = []
    for s in rig.notifier.sent:
        row = await rig.store.get_delivery(s.delivery.ledger_id)
        assert row is not None
        out.append(row.slot)
    return out


async def _crash_mid_send(db: Path, clock: FakeClock) -> None:
    """Run a tick whose send never returns, then kill it, as a dying process would."""
    first = await make_rig(db, clock, RecordingNotifier(clock, block=asyncio.Event()))
    await _hourly(first)
    clock.set(T0 + timedelta(hours=1))
    tick = asyncio.ensure_future(first.service.tick())
    await first.notifier.entered.wait()
    tick.cancel()
    with pytest.raises(asyncio.CancelledError):
        await tick
    await first.store.close()


async def test_restart_resends_pending_rows_with_the_same_nonce(tmp_path: Path) -> None:
    """A row left pending by a crash is resent on restart with its original nonce."""
    clock = FakeClock(T0 + timedelta(minutes=59))
    await _crash_mid_send(tmp_path / "db.sqlite3", clock)
    second = await make_rig(tmp_path / "db.sqlite3", clock)
    try:
        [pending] = await second.store.list_deliveries(status=LedgerStatus.PENDING)
        clock.advance(timedelta(minutes=1))
        assert await second.service.recover() == 1
        assert [(s.delivery.ledger_id, s.delivery.nonce) for s in second.notifier.sent] == [
            (pending.id, pending.nonce)
        ]
        row = await second.store.get_delivery(pending.id)
        assert row is not None and row.status == LedgerStatus.SENT
    finally:
        await second.store.close()


async def test_restart_loses_and_duplicates_nothing(tmp_path: Path) -> None:
    """Across a crash and restart every hourly slot is delivered exactly once."""
    clock = FakeClock(T0 + timedelta(minutes=59))
    await _crash_mid_send(tmp_path / "db.sqlite3", clock)
    second = await make_rig(tmp_path / "db.sqlite3", clock)
    try:
        await second.service.recover()
        await second.walk(T0 + timedelta(hours=4), step=timedelta(minutes=5))
        assert await _slots(second) == [T0 + timedelta(hours=h) for h in (1, 2, 3, 4)]
        statuses = {r.status for r in await second.store.list_deliveries()}
        assert statuses == {LedgerStatus.SENT}
    finally:
        await second.store.close()


async def test_pending_rows_older_than_grace_are_not_resent(tmp_path: Path) -> None:
    """A restart long after the crash marks the stale pending row failed instead of sending."""
    clock = FakeClock(T0 + timedelta(minutes=59))
    await _crash_mid_send(tmp_path / "db.sqlite3", clock)
    second = await make_rig(tmp_path / "db.sqlite3", clock)
    try:
        clock.advance(timedelta(minutes=30))
        assert await second.service.recover() == 0
        assert second.notifier.sent == []
        [row] = await second.store.list_deliveries()
        assert row.status == LedgerStatus.FAILED
    finally:
        await second.store.close()


async def test_forbidden_pauses_the_schedule_and_tells_the_admin_once(rig: Rig) -> None:
    """A 403 on a channel pauses its schedule with a reason and notifies the admins once."""
    rig.notifier.script = lambda d: DeliveryResult(DeliveryStatus.FORBIDDEN, "Missing Access")
    sid = await _hourly(rig)
    await rig.walk(T0 + timedelta(hours=5))
    assert len(rig.notifier.sent) == 1  # no more attempts once paused
    assert len(rig.notifier.admin_notices) == 1
    assert f"#{sid}" in rig.notifier.admin_notices[0][2].title
    schedule = await rig.store.get_schedule(sid)
    assert schedule is not None and schedule.paused
    assert "Missing Access" in (schedule.paused_reason or "")


async def test_two_schedules_on_a_forbidden_channel_each_notify_once(rig: Rig) -> None:
    """Every schedule feeding a refused channel is paused, each with one admin notice."""
    rig.notifier.script = lambda d: DeliveryResult(DeliveryStatus.NOT_FOUND)
    await _hourly(rig)
    await _hourly(rig)
    await rig.walk(T0 + timedelta(hours=3))
    assert len(rig.notifier.admin_notices) == 2
    assert all(s.paused for s in await rig.store.list_schedules(PLATFORM, "guild1"))


async def test_closed_dms_disable_the_reminder_until_remind_on(rig: Rig) -> None:
    """DM_CLOSED disables the person's reminder with reason dm_closed; /remind on revives it."""
    rig.notifier.script = lambda d: DeliveryResult(DeliveryStatus.DM_CLOSED)
    await rig.commands.remind_on(PERSON, every="30", start="09:00", end="17:00", days="daily")
    await rig.walk(T0 + timedelta(hours=3))
    assert len(rig.notifier.sent) == 1
    reminder = await rig.store.get_reminder(PLATFORM, "guild1", "person1")
    assert reminder is not None and (reminder.enabled, reminder.disabled_reason) == (
        False,
        "dm_closed",
    )
    assert "direct message" in (await rig.commands.remind_status(PERSON)).plain_text()
    rig.notifier.script = lambda d: SENT
    await rig.commands.remind_on(PERSON)
    await rig.walk(T0 + timedelta(hours=4))
    assert len(rig.notifier.sent) == 3


async def test_retry_keeps_the_row_pending_and_resends_with_backoff(rig: Rig) -> None:
    """RETRY twice then success: the same ledger row and nonce are sent three times."""
    answers = [DeliveryStatus.RETRY, DeliveryStatus.RETRY, DeliveryStatus.SENT]

    def script(_d: Delivery) -> DeliveryResult:
        return DeliveryResult(answers.pop(0))

    rig.notifier.script = script
    await _hourly(rig)
    await rig.walk(T0 + timedelta(hours=1, minutes=5), step=timedelta(seconds=30))
    assert len({(s.delivery.ledger_id, s.delivery.nonce) for s in rig.notifier.sent}) == 1
    gaps = [b.at - a.at for a, b in zip(rig.notifier.sent, rig.notifier.sent[1:], strict=False)]
    assert gaps == [timedelta(seconds=30), timedelta(minutes=1)]
    [row] = await rig.store.list_deliveries()
    assert (row.status, row.attempts) == (LedgerStatus.SENT, 3)


@pytest.mark.parametrize("hint", [float("nan"), float("inf"), -30.0, 120.0])
async def test_a_notifiers_retry_after_is_used_only_when_it_is_a_time(
    rig: Rig, hint: float
) -> None:
    """A usable hint (120 s) beats the 30 s backoff; nan, inf or a negative one (from a
    notifier that did not check the header) is ignored instead of crashing the tick."""
    answers = [DeliveryResult(DeliveryStatus.RETRY, "429", retry_after=hint), SENT]
    rig.notifier.script = lambda _d: answers.pop(0)
    await _hourly(rig)
    await rig.walk(T0 + timedelta(hours=1, minutes=5), step=timedelta(seconds=30))
    first, second = rig.notifier.sent
    expected = timedelta(seconds=120) if hint == 120.0 else timedelta(seconds=30)
    assert second.at - first.at == expected
    [row] = await rig.store.list_deliveries()
    assert (row.status, row.attempts) == (LedgerStatus.SENT, 2)


async def test_a_rejected_message_fails_once_and_pauses_nothing(rig: Rig) -> None:
    """REJECTED (the platform refused the message, not the channel): that delivery fails,
    nobody is told to fix permissions, and the next slot is sent as usual."""
    answers = [DeliveryResult(DeliveryStatus.REJECTED, "invalid_blocks"), SENT]
    rig.notifier.script = lambda _d: answers.pop(0)
    await _hourly(rig)
    await rig.walk(T0 + timedelta(hours=2, minutes=1), step=timedelta(minutes=1))
    assert len(rig.notifier.sent) == 2  # no retry of the rejected one; the next slot sent
    assert rig.notifier.admin_notices == []
    [schedule] = await rig.store.list_schedules(PLATFORM, "guild1")
    assert not schedule.paused
    statuses = [r.status for r in await rig.store.list_deliveries()]
    assert statuses == [LedgerStatus.FAILED, LedgerStatus.SENT]


async def test_retry_gives_up_after_the_grace_period(rig: Rig) -> None:
    """A target that keeps asking to retry ends failed once the grace period is over."""
    rig.notifier.script = lambda d: DeliveryResult(DeliveryStatus.RETRY, "503")
    await _hourly(rig)
    await rig.walk(T0 + timedelta(hours=1, minutes=30), step=timedelta(seconds=30))
    [row] = await rig.store.list_deliveries(source=None)
    assert row.status == LedgerStatus.FAILED
    assert all(s.at - row.slot <= timedelta(minutes=10) for s in rig.notifier.sent)


async def test_start_adds_one_job_and_stop_removes_it(rig: Rig) -> None:
    """start() registers exactly one interval job however many schedules exist; stop() ends it."""
    for _ in range(3):
        await _hourly(rig)
    await rig.commands.remind_on(PERSON)
    await rig.service.start()
    try:
        assert len(rig.service.jobs) == 1
        job = rig.service.jobs[0]
        assert (job.coalesce, job.max_instances) == (True, 1)
        assert job.misfire_grace_time >= 30
    finally:
        await rig.service.stop()
    assert rig.service.jobs == []


async def _start_with_send_in_flight(tmp_path: Path, stop_timeout: float) -> Rig:
    clock = FakeClock(T0 + timedelta(minutes=59))
    rig = await make_rig(
        tmp_path / "db.sqlite3", clock, RecordingNotifier(clock, block=asyncio.Event())
    )
    rig.service.stop_timeout = stop_timeout
    await _hourly(rig)
    clock.set(T0 + timedelta(hours=1))
    await rig.service.start()  # the first tick runs at once and blocks in the send
    await rig.notifier.entered.wait()
    return rig


async def test_stop_lets_an_in_flight_send_finish(tmp_path: Path) -> None:
    """stop() waits for a send already under way, which then ends up sent."""
    rig = await _start_with_send_in_flight(tmp_path, stop_timeout=60)
    try:
        stopping = asyncio.ensure_future(rig.service.stop())
        await asyncio.sleep(0)  # let stop() begin waiting (a yield, not a timed wait)
        assert not stopping.done()
        assert rig.notifier.block is not None
        rig.notifier.block.set()
        await stopping
        [row] = await rig.store.list_deliveries()
        assert row.status == LedgerStatus.SENT
    finally:
        await rig.store.close()


async def test_stop_leaves_an_unfinished_send_pending_for_the_next_start(tmp_path: Path) -> None:
    """A send that cannot finish within stop_timeout stays pending and unleased."""
    rig = await _start_with_send_in_flight(tmp_path, stop_timeout=0)
    try:
        await rig.service.stop()
        [row] = await rig.store.list_deliveries()
        assert row.status == LedgerStatus.PENDING
        assert [
            r.id
            for r in await rig.store.claim_retryable_deliveries(
                rig.clock.now(), "someone-else", timedelta(minutes=1), 10
            )
        ] == [row.id]
    finally:
        await rig.store.close()


async def test_a_corrupt_stored_spec_is_parked_and_others_still_fire(rig: Rig) -> None:
    """A row whose stored spec no longer parses is paused with a reason; the rest carry on."""
    from bot.storage import Spec

    bad = await rig.store.add_schedule(
        platform=PLATFORM,
        workspace_id="guild1",
        channel_id="chan2",
        kind="tip",
        spec=Spec(cron="not a cron"),
        timezone=None,
        next_due=T0,
        created_by="someone",
    )
    assert bad is not None
    await _hourly(rig)
    await rig.walk(T0 + timedelta(hours=1))
    parked = await rig.store.get_schedule(bad.id)
    assert parked is not None and parked.paused
    assert "cannot compute" in (parked.paused_reason or "")
    assert [s.delivery.target.id for s in rig.notifier.sent] == ["chan1"]
