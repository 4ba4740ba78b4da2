"""SchedulerService: nudges arrive at the right local times, once, through the Notifier port."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.core.clock import FakeClock
from bot.core.ports import TargetKind
from bot.storage import LedgerStatus
from tests.scheduling.scheduling_harness import ADMIN, Rig, make_rig

# Monday 2027-03-01, 07:00 UTC = 08:00 in Berlin.
MONDAY = datetime(2027, 3, 1, 7, 0, tzinfo=UTC)


@pytest.fixture
async def rig(tmp_path: Path) -> AsyncIterator[Rig]:
    r = await make_rig(tmp_path / "db.sqlite3", FakeClock(MONDAY))
    yield r
    await r.store.close()


async def _add_hourly(rig: Rig, tz: str = "Europe/Berlin", days: str = "mon-fri") -> int:
    msg = await rig.commands.schedule_add(
        ADMIN, "chan1", "break", every="60", start="09:00", end="17:00", days=days, timezone=tz
    )
    assert msg.title.startswith("Schedule #"), msg.body
    return int(msg.title.split("#")[1].split()[0])


async def test_hourly_schedule_fires_at_local_hours_on_weekdays_only(tmp_path: Path) -> None:
    """A Mon–Fri 09:00–17:00 hourly schedule sends nine nudges a weekday and none at weekends."""
    friday = MONDAY + timedelta(days=4)
    rig = await make_rig(tmp_path / "db.sqlite3", FakeClock(friday))
    try:
        await _add_hourly(rig)
        await rig.walk(friday + timedelta(days=4))
        local = await rig.sent_local("Europe/Berlin")
        hours = [f"{h:02d}:00" for h in range(9, 18)]
        assert local == [f"2027-03-05 {h}" for h in hours] + [f"2027-03-08 {h}" for h in hours]
    finally:
        await rig.store.close()


async def test_each_delivery_carries_its_ledger_row_and_nonce(rig: Rig) -> None:
    """The Delivery names its ledger row, channel target and source; the row ends up sent."""
    sid = await _add_hourly(rig)
    await rig.walk(MONDAY + timedelta(hours=3))
    first = rig.notifier.sent[0]
    assert first.delivery.source == f"schedule:{sid}"
    assert (first.delivery.target.kind, first.delivery.target.id) == (TargetKind.CHANNEL, "chan1")
    row = await rig.store.get_delivery(first.delivery.ledger_id)
    assert row is not None
    assert (row.status, row.nonce) == (LedgerStatus.SENT, first.delivery.nonce)
    assert first.message.buttons, "a nudge carries its buttons"


async def test_no_slot_is_sent_twice_when_ticks_repeat(rig: Rig) -> None:
    """Ticking many times at the same instant sends a due slot once."""
    await _add_hourly(rig)
    rig.clock.set(datetime(2027, 3, 1, 8, 0, tzinfo=UTC))  # 09:00 Berlin
    for _ in range(5):
        await rig.service.tick()
    assert len(rig.notifier.sent) == 1


@pytest.mark.parametrize(
    ("day", "offset"),
    [
        ("2027-03-14", "-0400"),  # spring forward at 02:00: every slot from 09:00 is EDT
        ("2027-11-07", "-0500"),  # fall back at 02:00: every slot from 09:00 is EST
    ],
)
async def test_dst_change_days_fire_at_local_hours(tmp_path: Path, day: str, offset: str) -> None:
    """An hourly 09:00–17:00 New York schedule fires 09..17 local on DST change days."""
    start = datetime.fromisoformat(f"{day}T00:00:00+00:00") - timedelta(days=1)
    rig = await make_rig(tmp_path / "db.sqlite3", FakeClock(start))
    try:
        await _add_hourly(rig, tz="America/New_York", days="daily")
        await rig.walk(start + timedelta(days=2, hours=12))
        ny = ZoneInfo("America/New_York")
        on_day = []
        for s in rig.notifier.sent:
            row = await rig.store.get_delivery(s.delivery.ledger_id)
            assert row is not None
            local = row.slot.astimezone(ny)
            if f"{local:%Y-%m-%d}" == day:
                on_day.append(f"{local:%H:%M%z}")
        assert on_day == [f"{h:02d}:00{offset}" for h in range(9, 18)]
    finally:
        await rig.store.close()


async def test_quiet_hours_skip_slots_in_the_schedules_zone(rig: Rig) -> None:
    """Slots inside quiet hours are recorded as skipped and not sent."""
    await _add_hourly(rig)
    await rig.commands.config_quiet(ADMIN, "12:00", "14:00")
    await rig.walk(MONDAY + timedelta(hours=12))
    hours = [s[11:] for s in await rig.sent_local("Europe/Berlin")]
    assert hours == ["09:00", "10:00", "11:00", "14:00", "15:00", "16:00", "17:00"]
    skipped = await rig.store.list_deliveries(status=LedgerStatus.SKIPPED)
    assert [r.detail for r in skipped] == ["quiet hours", "quiet hours"]


async def test_skip_dates_send_nothing_that_day(rig: Rig) -> None:
    """A skip date silences every schedule for that local date, and only that date."""
    await _add_hourly(rig)
    await rig.commands.config_skip(ADMIN, "2027-03-02")
    await rig.walk(MONDAY + timedelta(days=3))
    days = {s[:10] for s in await rig.sent_local("Europe/Berlin")}
    assert days == {"2027-03-01", "2027-03-03"}


async def test_downtime_of_hours_sends_at_most_one_catch_up(rig: Rig) -> None:
    """After hours of downtime, a schedule sends only its latest slot if still within grace."""
    await rig.commands.schedule_add(ADMIN, "chan1", "tip", cron="*/5 * * * *", timezone="UTC")
    rig.clock.set(MONDAY + timedelta(minutes=5))
    await rig.service.tick()
    assert len(rig.notifier.sent) == 1
    rig.clock.set(MONDAY + timedelta(hours=4, minutes=7))  # down for four hours
    report = await rig.service.tick()
    assert len(rig.notifier.sent) == 2
    assert report.missed > 0
    row = await rig.store.get_delivery(rig.notifier.sent[-1].delivery.ledger_id)
    assert row is not None and row.slot == MONDAY + timedelta(hours=4, minutes=5)


async def test_downtime_beyond_grace_sends_nothing_late(rig: Rig) -> None:
    """A slot missed by more than the grace period is not sent; the next one is."""
    await rig.commands.schedule_add(ADMIN, "chan1", "tip", cron="0 * * * *", timezone="UTC")
    rig.clock.set(MONDAY + timedelta(minutes=30))  # the 07:00 slot is 30 min late
    await rig.service.tick()
    assert rig.notifier.sent == []
    await rig.walk(MONDAY + timedelta(hours=1, minutes=1), step=timedelta(minutes=1))
    assert len(rig.notifier.sent) == 1
