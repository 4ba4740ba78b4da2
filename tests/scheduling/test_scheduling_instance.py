"""Each scheduler process's identity and share when several run on one database."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.core.clock import FakeClock
from bot.core.ports import Target, TargetKind
from bot.scheduling.instance import claim_scope, lineage, new_instance_id
from bot.scheduling.service import SchedulerService
from bot.settings import SchedulerSettings, ShardSettings, load_settings
from bot.storage import NewDelivery, Spec, Store
from tests.scheduling.scheduling_harness import PLATFORM, Rig, make_rig

T0 = datetime(2027, 3, 1, 8, 59, tzinfo=UTC)


def test_instance_ids_are_unique_per_start_and_share_their_lineage() -> None:
    """Two starts never share an id (no stealing a live neighbour's in-flight sends), both
    carry the lineage a restart has in common with its previous life, and the id says which
    host, shards and process hold a lease."""
    first, second = new_instance_id([1, 0]), new_instance_id([1, 0])
    assert first != second
    assert first.startswith(lineage([0, 1]) + "/") and second.startswith(lineage([0, 1]) + "/")
    assert lineage([0, 1]).endswith(":s0.1") and f"/{os.getpid()}:" in first
    assert lineage(None, "pod-a") == "pod-a" and lineage(None, "we/ird name") == "we-ird-name"
    assert lineage([0]) != lineage([1])


@pytest.mark.parametrize("name", [None, "x" * 40, "h" * 300])
def test_instance_ids_fit_the_lease_column_with_their_lineage_whole(name: str | None) -> None:
    """However long the host name or shard list, the id fits 64 characters and still starts
    with the whole lineage (a cut lineage would not match its next life)."""
    shards = range(500)
    ident = new_instance_id(shards, name)
    assert len(ident) <= 64
    assert ident.startswith(lineage(shards, name) + "/")


async def _left_in_flight_by(store: Store, owner: str, clock: FakeClock) -> int:
    """A pending row a dead process was sending, its lease still 10 minutes long."""
    target = Target(PLATFORM, "guild1", TargetKind.CHANNEL, "chan1")
    row = await store.record_delivery(
        NewDelivery.for_target(target, source="schedule:1", slot=clock.now(), kind="tip"),
        owner=owner, now=clock.now(), send_lease=timedelta(minutes=10),
    )
    assert row is not None
    return row.id


def _service(rig: Rig, name: str | None = None, shards: list[int] | None = None
             ) -> SchedulerService:
    return SchedulerService(
        rig.store, {PLATFORM: rig.notifier}, rig.service.content, rig.clock,
        SchedulerSettings(instance_name=name),
        shards=ShardSettings(count=2, ids=shards) if shards is not None else ShardSettings(),
    )


@pytest.mark.parametrize(
    ("dead", "restarted", "taken_back"),
    [
        ({"name": "slot-a"}, {"name": "slot-a"}, True),
        ({}, {}, True),  # the same host, no name set
        ({"name": "slot-a"}, {"name": "slot-b"}, False),
        ({"name": "slot-a", "shards": [0]}, {"name": "slot-a", "shards": [1]}, False),
    ],
    ids=["same-name", "same-host", "other-name", "other-shards"],
)
async def test_a_restart_takes_back_its_own_in_flight_sends_at_once(
    tmp_path: Path, dead: dict[str, Any], restarted: dict[str, Any], taken_back: bool
) -> None:
    """The same lineage resends its previous life's in-flight row at start-up, while Discord
    still remembers the nonce; another lineage leaves it until the lease runs out."""
    rig = await make_rig(tmp_path / "db.sqlite3", FakeClock(T0))
    try:
        previous = _service(rig, **dead).instance_id
        ledger_id = await _left_in_flight_by(rig.store, previous, rig.clock)
        rig.clock.advance(timedelta(seconds=5))
        restart = _service(rig, **restarted)
        assert restart.instance_id != previous
        assert await restart.recover() == (1 if taken_back else 0)
        assert [s.delivery.ledger_id for s in rig.notifier.sent] == ([ledger_id] if taken_back
                                                                     else [])
    finally:
        await rig.store.close()


async def test_lease_comes_from_settings(tmp_path: Path) -> None:
    """DESKBREAK_LEASE_SECONDS sets the scheduler's leases; without it they are two minutes."""
    rig = await make_rig(tmp_path / "db.sqlite3", FakeClock(T0))
    try:
        default = SchedulerService(rig.store, {}, rig.service.content, rig.clock)
        assert default.claim_lease == default.send_lease == timedelta(minutes=2)
        settings = load_settings({"DESKBREAK_LEASE_SECONDS": "7"}).scheduler
        service = SchedulerService(rig.store, {}, rig.service.content, rig.clock, settings)
        assert service.claim_lease == service.send_lease == timedelta(seconds=7)
    finally:
        await rig.store.close()


def test_scope_follows_notifiers_and_shard_settings() -> None:
    """A Discord process with shard 1 of 2 claims Discord rows of its shard, taking others'
    over after one lease; a Slack process ignores the Discord shard settings."""
    settings = ShardSettings(count=2, ids=[1])
    discord = claim_scope(["discord"], settings, timedelta(seconds=9))
    assert discord.platforms == {"discord"}
    assert (discord.shard_count, discord.shard_ids) == (2, {1})
    assert discord.takeover_after == timedelta(seconds=9)
    slack = claim_scope(["slack"], settings, timedelta(seconds=9))
    assert not slack.sharded and slack.platforms == {"slack"}
    unsharded = ShardSettings(count=2)  # all shards in one process
    assert not claim_scope(["discord"], unsharded, timedelta(seconds=9)).sharded


async def test_a_discord_process_leaves_slack_rows_alone(tmp_path: Path) -> None:
    """A due Slack schedule is neither claimed, recorded nor advanced by a Discord scheduler."""
    clock = FakeClock(T0)
    rig = await make_rig(tmp_path / "db.sqlite3", clock)
    try:
        row = await rig.store.add_schedule(
            platform="slack", workspace_id="T1", channel_id="C1", kind="tip",
            spec=Spec(cron="0 * * * *"), timezone=None, next_due=T0, created_by="U1",
        )
        assert row is not None
        await rig.service.tick()
        assert rig.notifier.sent == []
        assert await rig.store.list_deliveries() == []
        after = await rig.store.get_schedule(row.id)
        assert after is not None and after.next_due == T0
    finally:
        await rig.store.close()
