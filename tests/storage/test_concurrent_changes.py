"""Concurrent changes through the scheduling facade never overwrite each other (issue 11,
items 11 and 12): each read-modify-write is atomic, on SQLite and on PostgreSQL.

Each test fires its commands at once with ``asyncio.gather``; every command opens its own
connection, so on PostgreSQL they really run side by side and on SQLite they contend for the
write lock, as concurrent requests through Discord or Slack do.
"""

from __future__ import annotations

import asyncio
from datetime import date

import pytest

from bot.core.clock import FakeClock
from bot.core.messages import MessageKind
from bot.core.ports import Actor
from bot.core.rotation import Rotator
from bot.scheduling.commands import SchedulingCommands
from bot.scheduling.commands.workspace import reminder_next_time
from bot.scheduling.specs import recurrence_for, zone
from bot.settings import LimitSettings
from bot.storage import Store
from bot.storage.rotation import SqlRotationStore
from tests.scheduling.scheduling_harness import ADMIN


def _commands(store: Store, clock: FakeClock, max_schedules: int = 50) -> SchedulingCommands:
    return SchedulingCommands(store, clock, LimitSettings(max_schedules=max_schedules), None)


async def test_thirty_concurrent_schedule_adds_against_a_limit_of_5_store_exactly_5(
    store: Store, clock: FakeClock
) -> None:
    """The limit holds under concurrency: 5 added, 25 refused with the limit's message."""
    commands = _commands(store, clock, max_schedules=5)
    answers = await asyncio.gather(*(
        commands.schedule_add(ADMIN, f"chan{i}", "tip", cron="0 9 * * *") for i in range(30)))
    added = [a for a in answers if a.kind is MessageKind.INFO]
    refused = [a for a in answers if a.kind is MessageKind.ERROR]
    assert len(added) == 5 and len(refused) == 25
    assert all("5 schedules" in a.body for a in refused)
    assert len(await store.list_schedules(ADMIN.platform, ADMIN.workspace_id)) == 5


async def test_ten_concurrent_skip_date_adds_store_all_ten(
    store: Store, clock: FakeClock
) -> None:
    """Every "added" answer is a stored date (before: 2 of 10 on SQLite, 1 on PostgreSQL)."""
    commands = _commands(store, clock)
    days = [date(2027, 12, d) for d in range(1, 11)]
    answers = await asyncio.gather(*(commands.config_skip(ADMIN, d.isoformat()) for d in days))
    assert all(a.kind is MessageKind.INFO and "added" in a.title for a in answers)
    ws = await store.get_workspace(ADMIN.platform, ADMIN.workspace_id)
    assert ws.skip_dates == tuple(days)


async def test_concurrent_skip_adds_and_removals_each_apply(
    store: Store, clock: FakeClock
) -> None:
    """Removing five dates while adding five others: exactly the five added remain."""
    commands = _commands(store, clock)
    old = [date(2027, 11, d) for d in range(1, 6)]
    new = [date(2027, 12, d) for d in range(1, 6)]
    for d in old:
        await commands.config_skip(ADMIN, d.isoformat())
    await asyncio.gather(
        *(commands.config_skip(ADMIN, d.isoformat(), remove=True) for d in old),
        *(commands.config_skip(ADMIN, d.isoformat()) for d in new),
    )
    ws = await store.get_workspace(ADMIN.platform, ADMIN.workspace_id)
    assert ws.skip_dates == tuple(new)


async def test_concurrent_skip_adds_cannot_pass_the_limit(
    store: Store, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With room for 3 more dates, 8 concurrent adds store 3 and refuse 5."""
    monkeypatch.setattr("bot.scheduling.commands.workspace.MAX_SKIP_DATES", 3)
    commands = _commands(store, clock)
    answers = await asyncio.gather(*(
        commands.config_skip(ADMIN, date(2028, 1, d).isoformat()) for d in range(1, 9)))
    assert sum(a.kind is MessageKind.INFO for a in answers) == 3
    assert sum("At most 3" in a.body for a in answers) == 5
    assert len((await store.get_workspace(ADMIN.platform, ADMIN.workspace_id)).skip_dates) == 3


async def test_concurrent_quiet_hours_leave_one_requested_pair(
    store: Store, clock: FakeClock
) -> None:
    """Ten admins set ten different quiet hours at once: the stored start and end are one
    request's pair, never one request's start with another's end."""
    commands = _commands(store, clock)
    pairs = [(f"{h:02d}:00", f"{h:02d}:30") for h in range(10, 20)]
    await asyncio.gather(*(commands.config_quiet(ADMIN, a, b) for a, b in pairs))
    ws = await store.get_workspace(ADMIN.platform, ADMIN.workspace_id)
    assert (ws.quiet_start, ws.quiet_end) in pairs


ZONES = ["Asia/Tokyo", "America/New_York", "Europe/Berlin", "Australia/Sydney"]


async def test_schedules_added_during_zone_changes_all_follow_the_final_zone(
    store: Store, clock: FakeClock
) -> None:
    """Schedules added while the workspace zone changes several times: every one's next time
    is on the zone that ends up set (an add used to compute on the zone it read, and store
    that after a change had already re-timed the rest)."""
    commands = _commands(store, clock)
    await commands.schedule_add(ADMIN, "chan0", "tip", cron="0 9 * * *")
    await asyncio.gather(
        *(commands.config_timezone(ADMIN, z) for z in ZONES),
        *(commands.schedule_add(ADMIN, f"chan{i}", "tip", cron="0 9 * * *") for i in range(1, 6)),
    )
    ws = await store.get_workspace(ADMIN.platform, ADMIN.workspace_id)
    final = zone(ws.timezone)
    rows = await store.list_schedules(ADMIN.platform, ADMIN.workspace_id)
    assert len(rows) == 6
    for row in rows:
        assert row.next_due == recurrence_for(row.spec).next_after(clock.now(), final), row


async def test_a_zone_change_and_a_pause_at_once_both_hold(
    store: Store, clock: FakeClock
) -> None:
    """/remind timezone and /remind pause together: the reminder ends paused, on the new
    zone, with its next time after the pause in that zone (the zone change used to compute
    from the row it read before the pause and overwrite the pause's next time)."""
    commands = _commands(store, clock)
    people = [Actor(ADMIN.platform, ADMIN.workspace_id, f"u{i}") for i in range(6)]
    for person in people:
        await commands.remind_on(person, every="60")
    await asyncio.gather(*(call for person in people for call in (
        commands.remind_timezone(person, "Asia/Tokyo"),
        commands.remind_pause(person, "2027-03-20"),
    )))
    for person in people:
        rem = await store.get_reminder(person.platform, person.workspace_id, person.user_id)
        assert rem is not None and rem.timezone == "Asia/Tokyo" and rem.paused_until
        assert rem.next_due is not None and rem.next_due >= rem.paused_until
        assert rem.next_due == reminder_next_time(rem, clock.now(), zone("Asia/Tokyo"))


async def test_concurrent_deals_from_one_deck_never_repeat_a_card(store: Store) -> None:
    """Ten deals at once for one channel from a ten-card deck: ten different cards."""
    rotator = Rotator(SqlRotationStore(store))
    ids = [f"tip{i}" for i in range(10)]
    dealt = await asyncio.gather(*(rotator.next("tip:chan", ids) for _ in range(10)))
    assert sorted(dealt) == sorted(ids)


async def test_two_remind_on_with_different_settings_at_once_keep_both(
    store: Store, clock: FakeClock
) -> None:
    """`/remind on every:30` and `/remind on start:10:00` together: both settings stay (each
    used to merge with the row it read first, and the second write dropped the first's)."""
    commands = _commands(store, clock)
    people = [Actor(ADMIN.platform, ADMIN.workspace_id, f"p{i}") for i in range(6)]
    for person in people:
        await commands.remind_on(person, every="60", start="09:00", end="17:00")
    await asyncio.gather(*(call for person in people for call in (
        commands.remind_on(person, every="30"),
        commands.remind_on(person, start="10:00"),
    )))
    for person in people:
        rem = await store.get_reminder(person.platform, person.workspace_id, person.user_id)
        assert rem is not None
        assert (rem.spec.every_minutes, rem.spec.start, rem.spec.end) == (30, "10:00", "17:00")


async def test_schedules_resumed_during_zone_changes_all_follow_the_final_zone(
    store: Store, clock: FakeClock
) -> None:
    """Resuming paused schedules while the workspace zone changes: each resumed schedule's
    next time is on the zone that ends up set (a resume used to compute on the zone it read;
    the zone change leaves paused rows alone, so nothing corrected it)."""
    commands = _commands(store, clock)
    for i in range(5):
        await commands.schedule_add(ADMIN, f"chan{i}", "tip", cron="0 9 * * *")
    rows = await store.list_schedules(ADMIN.platform, ADMIN.workspace_id)
    for row in rows:
        await commands.schedule_pause(ADMIN, str(row.id))
    await asyncio.gather(
        *(commands.config_timezone(ADMIN, z) for z in ZONES),
        *(commands.schedule_resume(ADMIN, str(row.id)) for row in rows),
    )
    final = zone((await store.get_workspace(ADMIN.platform, ADMIN.workspace_id)).timezone)
    for row in await store.list_schedules(ADMIN.platform, ADMIN.workspace_id):
        assert not row.paused
        assert row.next_due == recurrence_for(row.spec).next_after(clock.now(), final), row
