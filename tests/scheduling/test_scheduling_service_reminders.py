"""Personal reminders: the person's zone, snooze, pause-until and the nudge buttons."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.core.clock import FakeClock
from bot.core.messages import MessageKind
from bot.core.ports import Actor, TargetKind
from tests.recorded import recorded
from tests.scheduling.scheduling_harness import ADMIN, PLATFORM, Rig, make_rig

# Monday 2027-03-01 00:00 UTC = 09:00 in Tokyo.
T0 = datetime(2027, 3, 1, 0, 0, tzinfo=UTC)
PERSON = Actor(PLATFORM, "guild1", "person1", display_name="Cy")


@pytest.fixture
async def rig(tmp_path: Path) -> AsyncIterator[Rig]:
    r = await make_rig(tmp_path / "db.sqlite3", FakeClock(T0 - timedelta(hours=1)))
    yield r
    await r.store.close()


async def _on_in_tokyo(rig: Rig) -> None:
    await rig.commands.remind_on(PERSON, every="30", start="09:00", end="11:00", days="daily")
    msg = await rig.commands.remind_timezone(PERSON, "asia/tokyo")
    assert msg.kind == MessageKind.INFO, msg.body


async def test_reminders_follow_the_persons_zone_as_dms(rig: Rig) -> None:
    """A reminder fires at the person's local times, as a DM to that person."""
    await _on_in_tokyo(rig)
    await rig.walk(T0 + timedelta(hours=3), step=timedelta(minutes=5))
    assert [s[11:] for s in await rig.sent_local("Asia/Tokyo")] == [
        "09:00",
        "09:30",
        "10:00",
        "10:30",
        "11:00",
    ]
    target = rig.notifier.sent[0].delivery.target
    assert (target.kind, target.id, rig.notifier.sent[0].delivery.source[:9]) == (
        TargetKind.DM,
        "person1",
        "reminder:",
    )


async def test_reminders_default_to_the_workspace_zone(rig: Rig) -> None:
    """Without a personal zone, the workspace's zone (set by an admin) applies."""
    await rig.commands.config_timezone(ADMIN, "Asia/Tokyo")
    await rig.commands.remind_on(PERSON, every="60", start="09:00", end="10:00", days="daily")
    await rig.walk(T0 + timedelta(hours=2), step=timedelta(minutes=5))
    assert [s[11:] for s in await rig.sent_local("Asia/Tokyo")] == ["09:00", "10:00"]


async def test_snooze_sends_once_later_then_returns_to_the_rhythm(rig: Rig) -> None:
    """Snooze 20 at 09:05 gives one nudge at 09:25, then the usual 09:30, 10:00, ..."""
    await _on_in_tokyo(rig)
    rig.clock.set(T0 + timedelta(minutes=5))
    await rig.service.tick()  # the 09:00 slot, 5 minutes late but inside grace
    msg = await rig.commands.remind_snooze(PERSON, "20")
    assert "09:25" in msg.body
    await rig.walk(T0 + timedelta(hours=1, minutes=1), step=timedelta(minutes=1))
    assert [s[11:] for s in await rig.sent_local("Asia/Tokyo")] == [
        "09:00",
        "09:25",
        "09:30",
        "10:00",
    ]


async def test_pause_until_sends_nothing_before_that_time(rig: Rig) -> None:
    """Paused until 10:15, the next nudge is the 10:30 slot."""
    await _on_in_tokyo(rig)
    rig.clock.set(T0 + timedelta(minutes=1))
    msg = await rig.commands.remind_pause(PERSON, "10:15")
    assert msg.kind == MessageKind.INFO, msg.body
    await rig.walk(T0 + timedelta(hours=2), step=timedelta(minutes=5))
    assert [s[11:] for s in await rig.sent_local("Asia/Tokyo")] == ["10:30", "11:00"]


async def test_pause_until_a_date_resumes_that_day(rig: Rig) -> None:
    """Paused until a date, reminders resume on that local date."""
    await _on_in_tokyo(rig)
    await rig.commands.remind_pause(PERSON, "2027-03-03")
    await rig.walk(T0 + timedelta(days=2, hours=3), step=timedelta(minutes=30))
    assert {s[:10] for s in await rig.sent_local("Asia/Tokyo")} == {"2027-03-03"}


async def test_remind_off_stops_nudges(rig: Rig) -> None:
    """After /remind off no more reminders arrive."""
    await _on_in_tokyo(rig)
    await rig.commands.remind_off(PERSON)
    await rig.walk(T0 + timedelta(hours=3), step=timedelta(minutes=15))
    assert rig.notifier.sent == []


async def test_done_button_records_the_break(rig: Rig) -> None:
    """The done button records a break taken and acknowledges privately."""
    msg = await rig.commands.button(PERSON, "done")
    assert msg.ephemeral and msg.kind == MessageKind.INFO
    assert await recorded(rig.store, PLATFORM, "guild1", "person1") == ["done"]


async def test_snooze_into_quiet_hours_moves_to_their_end_instead_of_vanishing(rig: Rig) -> None:
    """Quiet 09:10-09:40 (Tokyo): snooze 20 at 09:05 would land at 09:25, which the tick
    would skip; it comes at 09:40 instead, the reply says so, then the rhythm goes on."""
    await _on_in_tokyo(rig)
    await rig.commands.config_quiet(ADMIN, "09:10", "09:40")
    rig.clock.set(T0 + timedelta(minutes=5))
    await rig.service.tick()
    msg = await rig.commands.remind_snooze(PERSON, "20")
    assert "09:40" in msg.body and "quiet hours" in msg.body
    await rig.walk(T0 + timedelta(hours=1, minutes=1), step=timedelta(minutes=1))
    assert [s[11:] for s in await rig.sent_local("Asia/Tokyo")] == ["09:00", "09:40", "10:00"]


async def test_snooze_button_snoozes_the_reminder(rig: Rig) -> None:
    """snooze:10 on a nudge moves the person's next reminder to ten minutes from now."""
    await _on_in_tokyo(rig)
    rig.clock.set(T0 + timedelta(minutes=2))
    await rig.commands.button(PERSON, "snooze:10")
    reminder = await rig.store.get_reminder(PLATFORM, "guild1", "person1")
    assert reminder is not None and reminder.next_due == T0 + timedelta(minutes=12)
    assert await recorded(rig.store, PLATFORM, "guild1", "person1") == ["snoozed"]
