"""Applying the config file's workspaces to the store: idempotent, and admins' rows untouched."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from bot.core.clock import FakeClock
from bot.scheduling.config_apply import (
    applies_here,
    apply_workspaces,
    is_from_config,
    schedule_identity,
)
from bot.scheduling.config_file import (
    DeploymentConfig,
    load_deployment_config,
    parse_deployment_config,
)
from bot.settings import ShardSettings
from bot.storage import Store, create_store
from bot.storage.records import Spec

START = datetime(2027, 3, 1, 8, 0, tzinfo=UTC)  # a Monday
EXAMPLE = Path(__file__).resolve().parents[2] / "deploy" / "deskbreak.example.yaml"

BASE = """
version: 1
workspaces:
  - platform: discord
    id: "111"
    timezone: Europe/London
    quiet_hours: {start: '22:00', end: '07:00'}
    skip_dates: [2027-12-25]
    schedules:
      - {channel: "900", kind: break, cron: "0 10 * * 1-5"}
      - {channel: "900", kind: tip, every: 90, name: tips}
  - platform: slack
    id: T1
    schedules:
      - {channel: C1, kind: break, cron: "30 9 * * *"}
"""


def config(text: str) -> DeploymentConfig:
    return parse_deployment_config(text, Path("deskbreak.yaml"))


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(START)


@pytest.fixture
async def store(tmp_path: Path, clock: FakeClock) -> AsyncIterator[Store]:
    db = create_store(f"sqlite+aiosqlite:///{tmp_path / 'db.sqlite3'}", clock=clock)
    await db.migrate()
    yield db
    await db.close()


async def rows(store: Store) -> list[tuple[int, str, str, Spec, str]]:
    out = []
    for platform, ws in (("discord", "111"), ("slack", "T1")):
        for r in await store.list_schedules(platform, ws):
            out.append((r.id, r.channel_id, r.kind, r.spec, r.created_by))
    return out


async def test_applying_twice_leaves_the_same_rows(store: Store, clock: FakeClock) -> None:
    """A restart with the same file creates nothing new and changes nothing."""
    first = await apply_workspaces(store, config(BASE), clock.now())
    before = await rows(store)
    second = await apply_workspaces(store, config(BASE), clock.now())
    assert len(first.created) == 3 and len(before) == 3
    assert not second.changed and second.unchanged == 3
    assert await rows(store) == before


async def test_workspace_settings_are_upserted(store: Store, clock: FakeClock) -> None:
    """Zone, quiet hours and skip dates from the file land on the workspace row."""
    await apply_workspaces(store, config(BASE), clock.now())
    ws = await store.get_workspace("discord", "111")
    assert (ws.timezone, ws.quiet_start, ws.quiet_end) == ("Europe/London", "22:00", "07:00")
    assert ws.skip_dates == (date(2027, 12, 25),)


async def test_fields_left_out_stay_under_admin_control(store: Store, clock: FakeClock) -> None:
    """A workspace without quiet_hours in the file keeps the quiet hours an admin set."""
    await store.update_workspace("slack", "T1", quiet_start="12:00", quiet_end="13:00")
    await apply_workspaces(store, config(BASE), clock.now())
    ws = await store.get_workspace("slack", "T1")
    assert (ws.quiet_start, ws.quiet_end) == ("12:00", "13:00")


async def test_edited_schedule_is_updated_in_place(store: Store, clock: FakeClock) -> None:
    """Changing an entry's cron keeps the row id and moves its next time."""
    await apply_workspaces(store, config(BASE), clock.now())
    (old,) = [r for r in await store.list_schedules("slack", "T1")]
    edited = BASE.replace('cron: "30 9 * * *"', 'cron: "45 11 * * *"')
    report = await apply_workspaces(store, config(edited), clock.now())
    (new,) = await store.list_schedules("slack", "T1")
    assert report.updated == [old.id] and new.id == old.id
    assert new.spec == Spec(cron="45 11 * * *")
    assert new.next_due == datetime(2027, 3, 1, 11, 45, tzinfo=UTC)


async def test_named_schedule_keeps_its_row_when_entries_move(
    store: Store, clock: FakeClock
) -> None:
    """A named entry is found by its name, not its position, after reordering."""
    await apply_workspaces(store, config(BASE), clock.now())
    named = {r.created_by: r.id for r in await store.list_schedules("discord", "111")}
    ident = schedule_identity("discord", "111", "900", "tips")
    reordered = BASE.replace(
        '      - {channel: "900", kind: break, cron: "0 10 * * 1-5"}\n'
        '      - {channel: "900", kind: tip, every: 90, name: tips}\n',
        '      - {channel: "900", kind: tip, every: 90, name: tips}\n'
        '      - {channel: "900", kind: break, cron: "0 10 * * 1-5"}\n',
    )
    report = await apply_workspaces(store, config(reordered), clock.now())
    assert not report.changed
    assert {r.created_by: r.id for r in await store.list_schedules("discord", "111")} == named
    assert ident in named


async def test_removed_entry_is_deleted(store: Store, clock: FakeClock) -> None:
    """A schedule that vanished from the file is removed from the store."""
    await apply_workspaces(store, config(BASE), clock.now())
    trimmed = BASE.replace('      - {channel: "900", kind: tip, every: 90, name: tips}\n', "")
    report = await apply_workspaces(store, config(trimmed), clock.now())
    kinds = [r.kind for r in await store.list_schedules("discord", "111")]
    assert kinds == ["break"] and len(report.removed) == 1


async def test_dropped_workspace_loses_its_config_schedules(
    store: Store, clock: FakeClock
) -> None:
    """A workspace removed from the file entirely has its config schedules removed too."""
    await apply_workspaces(store, config(BASE), clock.now())
    without_slack = BASE.split("  - platform: slack")[0]
    await apply_workspaces(store, config(without_slack), clock.now())
    assert await store.list_schedules("slack", "T1") == []


async def test_admin_created_schedules_are_never_touched(store: Store, clock: FakeClock) -> None:
    """Schedules made by /schedule add survive applying, editing and emptying the file."""
    admin_row = await store.add_schedule(
        platform="slack",
        workspace_id="T1",
        channel_id="C1",
        kind="break",
        spec=Spec(cron="0 10 * * 1-5"),
        timezone=None,
        next_due=START,
        created_by="424242",
    )
    assert admin_row is not None
    await apply_workspaces(store, config(BASE), clock.now())
    await apply_workspaces(store, config("version: 1\nworkspaces: []\n"), clock.now())
    remaining = await store.list_schedules("slack", "T1")
    assert [(r.id, r.created_by, r.next_due) for r in remaining] == [
        (admin_row.id, "424242", START)
    ]
    assert not is_from_config(remaining[0])


async def test_zone_change_moves_schedules_that_follow_the_workspace(
    store: Store, clock: FakeClock
) -> None:
    """A new workspace zone in the file re-times schedules without a zone of their own."""
    await apply_workspaces(store, config(BASE), clock.now())
    moved = BASE.replace("timezone: Europe/London", "timezone: America/New_York")
    await apply_workspaces(store, config(moved), clock.now())
    (cron_row,) = [r for r in await store.list_schedules("discord", "111") if r.spec.cron]
    assert cron_row.next_due == datetime(2027, 3, 1, 15, 0, tzinfo=UTC)  # 10:00 EST


def test_long_identities_fit_the_column() -> None:
    """An identity longer than created_by allows becomes a stable digest with the prefix."""
    ident = schedule_identity("discord", "1" * 19, "2" * 19, "a-very-long-schedule-name")
    assert ident.startswith("config:") and len(ident) <= 64
    assert ident == schedule_identity("discord", "1" * 19, "2" * 19, "a-very-long-schedule-name")


async def test_shipped_example_applies_and_reapplies_cleanly(
    store: Store, clock: FakeClock
) -> None:
    """deploy/deskbreak.example.yaml creates all its schedules, then a restart changes nothing."""
    loaded = load_deployment_config(EXAMPLE)
    first = await apply_workspaces(store, loaded, clock.now())
    assert len(first.created) == sum(len(ws.schedules) for ws in loaded.workspaces)
    assert not (await apply_workspaces(store, loaded, clock.now())).changed


@pytest.mark.parametrize(
    ("shard_ids", "applies"), [(None, True), ([0], True), ([0, 1], True), ([1, 2], False)]
)
def test_only_one_shard_applies_the_file(shard_ids: list[int] | None, applies: bool) -> None:
    """Sharded processes sharing a database leave the file to the one running shard 0."""
    assert applies_here(ShardSettings(count=3, ids=shard_ids)) is applies
