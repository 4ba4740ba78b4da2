"""Limits: schedules per workspace from DESKBREAK_MAX_SCHEDULES, one reminder per person."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from bot.core.clock import FakeClock
from bot.core.messages import MessageKind
from bot.core.ports import Actor
from bot.scheduling.commands import SchedulingCommands
from bot.settings import LimitSettings, load_settings
from bot.storage import create_store
from tests.scheduling.scheduling_harness import ADMIN, MEMBER, PLATFORM, make_rig

T0 = datetime(2027, 3, 12, 12, 0, tzinfo=UTC)


def test_max_schedules_comes_from_the_environment() -> None:
    """DESKBREAK_MAX_SCHEDULES sets the limit; the default is 50; nonsense is refused."""
    assert LimitSettings().max_schedules == 50
    assert load_settings(env={"DESKBREAK_MAX_SCHEDULES": "7"}).limits.max_schedules == 7
    for bad in ("0", "-1", "many"):
        try:
            load_settings(env={"DESKBREAK_MAX_SCHEDULES": bad})
        except ValueError as exc:
            assert "DESKBREAK_MAX_SCHEDULES" in str(exc)
        else:
            raise AssertionError(f"{bad!r} was accepted")


async def test_the_setting_limits_schedules_per_workspace(tmp_path: Path) -> None:
    """With max_schedules=2 the third add is refused, other workspaces are unaffected."""
    clock = FakeClock(T0)
    store = create_store(f"sqlite+aiosqlite:///{tmp_path / 'db.sqlite3'}", clock=clock)
    await store.migrate()
    try:
        commands = SchedulingCommands(store, clock, LimitSettings(max_schedules=2), None)
        for _ in range(2):
            added = await commands.schedule_add(ADMIN, "chan1", "tip", cron="0 9 * * *")
            assert added.kind is MessageKind.INFO
        before = await store.snapshot()
        refused = await commands.schedule_add(ADMIN, "chan1", "tip", cron="0 9 * * *")
        assert refused.kind is MessageKind.ERROR and "2 schedules" in refused.body
        assert await store.snapshot() == before
        elsewhere = Actor(PLATFORM, "guild2", "boss", is_admin=True)
        assert (await commands.schedule_add(elsewhere, "c", "tip", cron="0 9 * * *")).kind is (
            MessageKind.INFO
        )
    finally:
        await store.close()


async def test_repeated_remind_on_keeps_one_reminder_per_person(tmp_path: Path) -> None:
    """Turning reminders on again (with other settings, or after off) updates the one row."""
    rig = await make_rig(tmp_path / "db.sqlite3", FakeClock(T0))
    try:
        for every in ("30", "45", None, "90"):
            await rig.commands.remind_on(MEMBER, every=every)
        await rig.commands.remind_off(MEMBER)
        await rig.commands.remind_on(MEMBER)
        rows = await rig.store.list_reminders(PLATFORM, MEMBER.workspace_id)
        assert len(rows) == 1
        assert rows[0].enabled and rows[0].spec.every_minutes == 90
    finally:
        await rig.store.close()
