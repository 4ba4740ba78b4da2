"""set_workspace_timezone: the zone and every row that follows it move in one transaction."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.storage import ReminderRow, ScheduleRow, Spec, Store

SPEC = Spec(every_minutes=60, start="09:00", end="17:00", days="0,1,2,3,4")
OLD = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)
NEW = OLD + timedelta(hours=3)


async def _rows(store: Store) -> None:
    """Two followers of the workspace zone (a schedule, a reminder) and one row of each kind
    with its own zone, in workspace w; and one follower in another workspace."""
    for workspace, channel, zone in (("w", "a", None), ("w", "b", "Europe/Berlin"),
                                     ("other", "c", None)):
        await store.add_schedule(platform="console", workspace_id=workspace, channel_id=channel,
                                 kind="break", spec=SPEC, timezone=zone, next_due=OLD,
                                 created_by="admin")
    for user, zone in (("u1", None), ("u2", "Asia/Tokyo")):
        await store.upsert_reminder(platform="console", workspace_id="w", user_id=user,
                                    spec=SPEC, timezone=zone, next_due=OLD)


async def test_followers_move_and_rows_with_their_own_zone_do_not(store: Store) -> None:
    """Only this workspace's rows without a zone of their own get the new next_due."""
    await _rows(store)
    moved = await store.set_workspace_timezone(
        "console", "w", "America/New_York",
        schedule_next=lambda _row: NEW, reminder_next=lambda _row: NEW,
    )
    assert moved == 2
    assert (await store.get_workspace("console", "w")).timezone == "America/New_York"
    schedules = {s.channel_id: s.next_due for s in await store.list_schedules("console", "w")}
    assert schedules == {"a": NEW, "b": OLD}
    [other] = await store.list_schedules("console", "other")
    assert other.next_due == OLD
    reminders = {r.user_id: r.next_due for r in await store.list_reminders("console", "w")}
    assert reminders == {"u1": NEW, "u2": OLD}


async def test_a_row_left_as_it_was_is_not_written(store: Store) -> None:
    """A callback returning the row's own next_due (paused, snoozed) changes nothing."""
    await _rows(store)
    before = await store.snapshot()

    def keep(row: ScheduleRow | ReminderRow) -> datetime | None:
        return row.next_due

    moved = await store.set_workspace_timezone(
        "console", "w", "UTC", schedule_next=keep, reminder_next=keep
    )
    assert moved == 0
    after = await store.snapshot()
    assert after["schedules"] == before["schedules"]
    assert after["reminders"] == before["reminders"]


async def test_a_failure_half_way_changes_nothing(store: Store) -> None:
    """The schedules are re-timed, then the reminders' callback fails: the zone and every
    schedule are as they were, because it was all one transaction."""
    await _rows(store)
    before = await store.snapshot()

    def broken(_row: ReminderRow) -> datetime | None:
        raise RuntimeError("disk on fire")

    with pytest.raises(RuntimeError):
        await store.set_workspace_timezone(
            "console", "w", "America/New_York",
            schedule_next=lambda _row: NEW, reminder_next=broken,
        )
    assert await store.snapshot() == before
    assert (await store.get_workspace("console", "w")).timezone == "UTC"
