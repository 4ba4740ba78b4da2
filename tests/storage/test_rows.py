"""Workspaces, schedules, reminders, rotation, kv and history round-trip on every backend."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

from bot.storage import ScheduleRow, Spec, Store
from tests.storage.claiming import take

SPEC = Spec(every_minutes=60, start="09:00", end="17:00", days="0,1,2,3,4")


async def _schedule(
    store: Store, workspace: str = "w", limit: int | None = None
) -> ScheduleRow | None:
    return await store.add_schedule(
        platform="console",
        workspace_id=workspace,
        channel_id="general",
        kind="break",
        spec=SPEC,
        timezone="Europe/Berlin",
        next_due=datetime(2027, 3, 1, 8, 0, tzinfo=UTC),
        created_by="admin",
        limit=limit,
    )


async def test_unknown_workspace_has_defaults(store: Store) -> None:
    """A workspace nobody configured reads as UTC with no quiet hours or skip dates."""
    ws = await store.get_workspace("slack", "T1")
    assert (ws.timezone, ws.quiet_start, ws.skip_dates) == ("UTC", None, ())


async def test_workspace_update_round_trips(store: Store) -> None:
    """Timezone, quiet hours and skip dates are stored and read back."""
    await store.update_workspace("slack", "T1", timezone="Asia/Tokyo")
    ws = await store.update_workspace(
        "slack", "T1", quiet_start="22:00", quiet_end="07:00", skip_dates=[date(2027, 12, 25)]
    )
    assert (ws.timezone, ws.quiet_start, ws.quiet_end) == ("Asia/Tokyo", "22:00", "07:00")
    assert ws.skip_dates == (date(2027, 12, 25),)


async def test_schedule_round_trips_with_aware_utc_datetimes(store: Store) -> None:
    """Schedules come back with their spec and timezone-aware UTC datetimes."""
    added = await _schedule(store)
    assert added is not None
    got = await store.get_schedule(added.id)
    assert got == added
    assert got.next_due == datetime(2027, 3, 1, 8, 0, tzinfo=UTC)
    assert got.next_due.tzinfo is UTC and got.spec == SPEC


async def test_schedule_limit_refuses_and_inserts_nothing(store: Store) -> None:
    """At the per-workspace limit add_schedule returns None and the count stays."""
    for _ in range(2):
        assert await _schedule(store, limit=2) is not None
    assert await _schedule(store, limit=2) is None
    assert await store.count_schedules("console", "w") == 2
    assert await _schedule(store, workspace="other", limit=2) is not None


async def test_pause_once_reports_only_the_first_pause(store: Store) -> None:
    """Only the call that actually pauses a schedule gets True."""
    added = await _schedule(store)
    assert added is not None
    assert await store.pause_schedule_once(added.id, "403") is True
    assert await store.pause_schedule_once(added.id, "403 again") is False
    got = await store.get_schedule(added.id)
    assert got is not None and (got.paused, got.paused_reason) == (True, "403")


async def test_reminder_is_unique_per_person(store: Store) -> None:
    """A second /remind on replaces the person's reminder instead of adding one."""
    first = await store.upsert_reminder(
        platform="discord", workspace_id="g", user_id="u", spec=SPEC, timezone=None, next_due=None
    )
    await store.update_reminder(first.id, enabled=False, disabled_reason="dm_closed")
    second = await store.upsert_reminder(
        platform="discord",
        workspace_id="g",
        user_id="u",
        spec=Spec(every_minutes=30, start="08:00", end="12:00", days="0"),
        timezone="Asia/Tokyo",
        next_due=None,
    )
    assert second.id == first.id
    assert (second.enabled, second.disabled_reason, second.spec.every_minutes) == (True, None, 30)


async def test_disable_once_reports_only_the_first_disable(store: Store) -> None:
    """Only the call that actually disables a reminder gets True."""
    r = await store.upsert_reminder(
        platform="slack", workspace_id="T", user_id="U", spec=SPEC, timezone=None, next_due=None
    )
    assert await store.disable_reminder_once(r.id, "dm_closed") is True
    assert await store.disable_reminder_once(r.id, "dm_closed") is False


async def test_rotation_kv_and_history_round_trip(store: Store) -> None:
    """The small tables store and overwrite what adapters and rotation put there."""
    seen: list[dict[str, Any]] = []

    def save(state: dict[str, Any]) -> Callable[[dict[str, Any]], dict[str, Any]]:
        def change(found: dict[str, Any]) -> dict[str, Any]:
            seen.append(dict(found))
            return {"tips:x": state}
        return change

    await store.update_rotations(["tips:x"], save({"order": ["a", "b"], "position": 1}))
    await store.update_rotations(["tips:x"], save({"order": ["b", "a"], "position": 0}))
    assert seen[1] == {"tips:x": {"order": ["a", "b"], "position": 1}}
    assert (await store.get_rotations(["tips:x"])).get("tips:x") == {
        "order": ["b", "a"],
        "position": 0,
    }
    assert (await store.get_rotations(["missing"])).get("missing") is None
    await store.kv_set("discord", "tree_hash", "abc")
    await store.kv_set("discord", "tree_hash", "def")
    assert await store.kv_get("discord", "tree_hash") == "def"
    assert await store.kv_delete("discord", "tree_hash") is True
    assert await store.kv_get("discord", "tree_hash") is None


async def test_claims_read_back_what_the_record_readers_read(store: Store) -> None:
    """A claim builds its records from tuples in a column order of its own; each field
    (every one set to a distinct value here) comes out as the mapping readers give it."""
    due = datetime(2027, 3, 1, 7, 0, tzinfo=UTC)
    schedule = await store.add_schedule(
        platform="slack", workspace_id="T9", channel_id="C9", kind="routine:neck",
        spec=Spec(cron="*/20 9-17 * * 1-5"), timezone="Asia/Tokyo", next_due=due,
        created_by="U-admin",
    )
    assert schedule is not None
    await store.update_schedule(schedule.id, paused_reason="kept from an old pause")
    reminder = await store.upsert_reminder(
        platform="slack", workspace_id="T9", user_id="U7", spec=SPEC, timezone="America/Lima",
        next_due=due,
    )
    await store.update_reminder(
        reminder.id, dm_channel_id="D7", disabled_reason="kept from an old stop",
        snoozed_until=datetime(2027, 2, 1, 9, 30, tzinfo=UTC),
        paused_until=datetime(2027, 2, 2, 10, 45, tzinfo=UTC),
    )
    # Read before the claim: taking them moves them on.
    read_schedule = await store.get_schedule(schedule.id)
    read_reminder = await store.get_reminder("slack", "T9", "U7")
    [claimed_schedule, claimed_reminder] = await take(store, datetime(2027, 3, 1, 8, 0,
                                                                      tzinfo=UTC))
    assert claimed_schedule == read_schedule
    assert claimed_reminder == read_reminder
    assert claimed_schedule.paused_reason == "kept from an old pause"
    assert claimed_reminder.paused_until == datetime(2027, 2, 2, 10, 45, tzinfo=UTC)
    assert claimed_reminder.snoozed_until is not None
    assert claimed_reminder.snoozed_until.tzinfo is UTC
