"""Snooze on a channel nudge, for someone without personal reminders: one DM nudge later."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.core.clock import FakeClock
from bot.core.messages import MessageKind
from bot.core.ports import Actor, TargetKind
from bot.storage import LedgerStatus
from tests.scheduling.scheduling_harness import ADMIN, PLATFORM, Rig, make_rig

T0 = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)  # a Monday
PERSON = Actor(PLATFORM, "guild1", "person1", display_name="Cy")


@pytest.fixture
async def rig(tmp_path: Path) -> AsyncIterator[Rig]:
    r = await make_rig(tmp_path / "db.sqlite3", FakeClock(T0))
    yield r
    await r.store.close()


async def test_snooze_without_reminders_sends_one_dm_later(rig: Rig) -> None:
    """snooze:10 queues exactly one DM nudge, sent by the tick at ten minutes and never again."""
    reply = await rig.commands.button(PERSON, "snooze:10")
    assert (reply.kind, reply.title) == (MessageKind.INFO, "Snoozed")
    assert "09:10" in reply.body
    rig.clock.set(T0 + timedelta(minutes=9, seconds=59))
    await rig.service.tick()
    assert rig.notifier.sent == []
    rig.clock.set(T0 + timedelta(minutes=10))
    await rig.service.tick()
    await rig.walk(T0 + timedelta(hours=2), step=timedelta(minutes=1))
    [sent] = rig.notifier.sent
    assert (sent.delivery.target.kind, sent.delivery.target.id) == (TargetKind.DM, "person1")
    assert sent.at == T0 + timedelta(minutes=10)
    assert [b.action for b in sent.message.buttons][-1] == "snooze:10"


async def test_snooze_without_reminders_turns_nothing_on(rig: Rig) -> None:
    """No reminder row is created: status and settings stay as they were."""
    await rig.commands.button(PERSON, "snooze:10")
    assert await rig.store.get_reminder(PLATFORM, "guild1", "person1") is None


async def test_snooze_with_reminders_off_keeps_them_off(rig: Rig) -> None:
    """Someone who turned reminders off gets the one DM; their reminders stay off."""
    await rig.commands.remind_on(PERSON)
    await rig.commands.remind_off(PERSON)
    await rig.commands.button(PERSON, "snooze:5")
    await rig.walk(T0 + timedelta(minutes=30), step=timedelta(minutes=1))
    assert [s.delivery.source for s in rig.notifier.sent] == ["snooze:person1"]
    reminder = await rig.store.get_reminder(PLATFORM, "guild1", "person1")
    assert reminder is not None and not reminder.enabled


async def test_pressing_twice_at_once_queues_one(rig: Rig) -> None:
    """A double click within the same instant is answered but queues no second nudge."""
    await rig.commands.button(PERSON, "snooze:10")
    again = await rig.commands.button(PERSON, "snooze:10")
    assert again.title == "Already snoozed"
    assert len(await rig.store.list_deliveries(source="snooze:person1")) == 1


async def test_snooze_is_not_sent_late_after_downtime(rig: Rig) -> None:
    """After downtime past the grace window the snoozed nudge fails rather than arrive late."""
    await rig.commands.button(PERSON, "snooze:10")
    rig.clock.set(T0 + timedelta(minutes=10) + rig.service.grace + timedelta(minutes=1))
    await rig.service.tick()
    assert rig.notifier.sent == []
    [row] = await rig.store.list_deliveries(source="snooze:person1")
    assert row.status is LedgerStatus.FAILED


async def test_snooze_into_quiet_hours_comes_when_they_end(rig: Rig) -> None:
    """Quiet hours 09:30-10:00: a 45-minute snooze at 09:00 is sent at 10:00, and the reply
    says so at once instead of promising 09:45."""
    await rig.commands.config_quiet(ADMIN, "09:30", "10:00")
    reply = await rig.commands.button(PERSON, "snooze:45")
    assert "10:00" in reply.body and "09:45" not in reply.body
    assert "quiet hours" in reply.body
    await rig.walk(T0 + timedelta(hours=2), step=timedelta(minutes=1))
    [sent] = rig.notifier.sent
    assert sent.at == T0 + timedelta(hours=1)
