"""/config timezone: what follows the workspace zone moves with it; what should not, stays."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.core.clock import FakeClock
from bot.core.messages import MessageKind
from bot.core.ports import Actor
from bot.storage import Spec
from tests.scheduling.scheduling_harness import ADMIN, PLATFORM, Rig, make_rig

T0 = datetime(2027, 3, 1, 0, 30, tzinfo=UTC)  # Monday; 09:30 in Tokyo, 00:30 in UTC
TOKYO_10 = datetime(2027, 3, 1, 1, 0, tzinfo=UTC)  # 10:00 in Tokyo
FOLLOWER = Actor(PLATFORM, "guild1", "follower", display_name="Fo")
SNOOZER = Actor(PLATFORM, "guild1", "snoozer", display_name="Sn")


@pytest.fixture
async def rig(tmp_path: Path) -> AsyncIterator[Rig]:
    r = await make_rig(tmp_path / "db.sqlite3", FakeClock(T0))
    yield r
    await r.store.close()


async def _hourly_everywhere(rig: Rig) -> None:
    """A channel schedule and two people's reminders, all hourly 09:00-17:00 on weekdays and
    none with a zone of its own: in UTC their next time is 09:00 UTC."""
    msg = await rig.commands.schedule_add(ADMIN, "chan1", "break", every="60", start="09:00",
                                          end="17:00", days="mon-fri")
    assert msg.kind == MessageKind.INFO, msg.body
    for person in (FOLLOWER, SNOOZER):
        msg = await rig.commands.remind_on(person, every="60", start="09:00", end="17:00",
                                           days="mon-fri")
        assert msg.kind == MessageKind.INFO, msg.body


async def test_schedules_and_reminders_without_a_zone_move_to_the_new_one(rig: Rig) -> None:
    """From 09:00 UTC to the next hour in Tokyo (10:00 there, 01:00 UTC), and they fire then."""
    await _hourly_everywhere(rig)
    msg = await rig.commands.config_timezone(ADMIN, "Asia/Tokyo")
    assert msg.kind == MessageKind.INFO, msg.body
    [schedule] = await rig.store.list_schedules(PLATFORM, "guild1")
    assert schedule.next_due == TOKYO_10
    reminders = await rig.store.list_reminders(PLATFORM, "guild1")
    assert {r.next_due for r in reminders} == {TOKYO_10}
    await rig.walk(TOKYO_10 + timedelta(minutes=1), step=timedelta(minutes=1))
    assert len(rig.notifier.sent) == 3
    assert {s.at for s in rig.notifier.sent} == {TOKYO_10}


async def test_a_snooze_and_a_pause_are_kept(rig: Rig) -> None:
    """A snoozed reminder keeps the moment the person asked for; a paused schedule keeps its
    stored time until it resumes (a row-by-row loop used to overwrite the snooze)."""
    await _hourly_everywhere(rig)
    await rig.commands.remind_snooze(SNOOZER, "20")
    [schedule] = await rig.store.list_schedules(PLATFORM, "guild1")
    await rig.commands.schedule_pause(ADMIN, str(schedule.id))
    paused = await rig.store.get_schedule(schedule.id)
    assert paused is not None and paused.paused
    await rig.commands.config_timezone(ADMIN, "Asia/Tokyo")
    snoozed = await rig.store.get_reminder(PLATFORM, "guild1", "snoozer")
    assert snoozed is not None and snoozed.next_due == T0 + timedelta(minutes=20)
    after = await rig.store.get_schedule(schedule.id)
    assert after is not None and after.next_due == paused.next_due


async def test_a_row_whose_spec_no_longer_parses_does_not_block_the_change(rig: Rig) -> None:
    """The zone changes and the good rows move; the broken row keeps its time (the tick will
    park it with a reason) instead of the whole command failing."""
    await _hourly_everywhere(rig)
    bad = await rig.store.add_schedule(
        platform=PLATFORM, workspace_id="guild1", channel_id="chan2", kind="tip",
        spec=Spec(cron="not a cron"), timezone=None, next_due=T0, created_by="someone",
    )
    assert bad is not None
    msg = await rig.commands.config_timezone(ADMIN, "Asia/Tokyo")
    assert msg.kind == MessageKind.INFO, msg.body
    assert (await rig.store.get_workspace(PLATFORM, "guild1")).timezone == "Asia/Tokyo"
    kept = await rig.store.get_schedule(bad.id)
    assert kept is not None and kept.next_due == T0
    reminders = await rig.store.list_reminders(PLATFORM, "guild1")
    assert {r.next_due for r in reminders} == {TOKYO_10}
