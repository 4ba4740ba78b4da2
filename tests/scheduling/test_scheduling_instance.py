"""Each scheduler process's identity and share when several run on one database."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.core.clock import FakeClock
from bot.scheduling.instance import claim_scope, lease_from, new_instance_id
from bot.settings import Settings
from bot.storage import Spec
from tests.scheduling.scheduling_harness import make_rig

T0 = datetime(2027, 3, 1, 8, 59, tzinfo=UTC)


def test_instance_ids_are_unique_per_start_and_fit_the_lease_column() -> None:
    """Two starts never share an id (no stealing a live neighbour's in-flight sends), and the
    id says which host, process and shards hold a lease."""
    first, second = new_instance_id([1, 0]), new_instance_id([1, 0])
    assert first != second
    assert f":{os.getpid()}:s0.1:" in first
    assert len(first) <= 64 and len(new_instance_id(range(500))) <= 64


def test_lease_comes_from_settings() -> None:
    """DESKBREAK_LEASE_SECONDS sets the lease; without settings it is two minutes."""
    assert lease_from(Settings(lease_seconds=7)) == timedelta(seconds=7)
    assert lease_from(None) == timedelta(minutes=2)


def test_scope_follows_notifiers_and_shard_settings() -> None:
    """A Discord process with shard 1 of 2 claims Discord rows of its shard, taking others'
    over after one lease; a Slack process ignores the Discord shard settings."""
    settings = Settings(shard_count=2, shard_ids=[1])
    discord = claim_scope(["discord"], settings, timedelta(seconds=9))
    assert discord.platforms == {"discord"}
    assert (discord.shard_count, discord.shard_ids) == (2, {1})
    assert discord.takeover_after == timedelta(seconds=9)
    slack = claim_scope(["slack"], settings, timedelta(seconds=9))
    assert not slack.sharded and slack.platforms == {"slack"}
    assert not claim_scope(["discord"], Settings(shard_count=2), timedelta(seconds=9)).sharded


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
