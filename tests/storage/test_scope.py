"""Claim scopes: several processes on one database split due rows by platform and shard."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.storage import Advance, ClaimScope, LedgerStatus, NewDelivery, Spec, Store, shard_of
from tests.storage.claiming import LEASE, claim, take, take_reminders, take_schedules

T0 = datetime(2027, 3, 1, 8, 0, tzinfo=UTC)
TAKEOVER = timedelta(minutes=3)
# Real-looking snowflakes (19 digits) on shard 0 and shard 1 of 2.
GUILD_0 = str((1_200_000_000_000 << 22) | 5)
GUILD_1 = str((1_200_000_000_001 << 22) | 5)


def scope(*shards: int, platforms: tuple[str, ...] = ("discord",)) -> ClaimScope:
    return ClaimScope.build(platforms, 2, shards, takeover_after=TAKEOVER)


async def _schedule(store: Store, workspace_id: str, platform: str = "discord") -> int:
    row = await store.add_schedule(
        platform=platform,
        workspace_id=workspace_id,
        channel_id="c",
        kind="tip",
        spec=Spec(cron="0 * * * *"),
        timezone=None,
        next_due=T0,
        created_by="admin",
    )
    assert row is not None
    return row.id


async def _reminder(store: Store, user_id: str, platform: str = "discord") -> int:
    row = await store.upsert_reminder(
        platform=platform,
        workspace_id="@me",
        user_id=user_id,
        spec=Spec(every_minutes=60),
        timezone=None,
        next_due=T0,
    )
    return row.id


def test_guild_fixtures_sit_on_different_shards() -> None:
    """The two test guilds really are on shards 0 and 1 of 2."""
    assert (shard_of(int(GUILD_0), 2), shard_of(int(GUILD_1), 2)) == (0, 1)


def test_scope_is_unsharded_when_it_owns_every_shard() -> None:
    """Owning all shards, or none configured, or no Discord at all means no shard rule."""
    assert not ClaimScope.build(["discord"], 2, [0, 1]).sharded
    assert not ClaimScope.build(["discord"], None, None).sharded
    assert not ClaimScope.build(["slack"], 2, [0]).sharded
    assert ClaimScope.build(["discord"], 2, [1]).sharded


def test_scope_refuses_shard_ids_beyond_the_count() -> None:
    """Shard 2 of 2 does not exist."""
    with pytest.raises(ValueError, match="below shard_count"):
        ClaimScope.build(["discord"], 2, [2])


async def test_claims_take_only_this_process_platforms(store: Store) -> None:
    """A Discord-only process neither claims nor sees Slack schedules and reminders."""
    discord_sid = await _schedule(store, GUILD_0)
    await _schedule(store, "T123", platform="slack")
    discord_rid = await _reminder(store, "u1")
    await _reminder(store, "U9", platform="slack")
    only = ClaimScope.build(["discord"])
    taken = await take(store, T0, 9, scope=only)
    assert [(type(r).__name__, r.id) for r in taken] == [
        ("ScheduleRow", discord_sid), ("ReminderRow", discord_rid)]
    assert not await store.has_work(T0, scope=only)
    assert await store.has_work(T0, scope=ClaimScope.build(["slack"]))


async def test_sharded_claims_take_only_own_guilds(store: Store) -> None:
    """Each shard's process claims its guilds' schedules and never the other shard's."""
    on_0 = await _schedule(store, GUILD_0)
    on_1 = await _schedule(store, GUILD_1)
    got_1 = await take_schedules(store, T0, 9, owner="b", scope=scope(1))
    got_0 = await take_schedules(store, T0, 9, owner="a", scope=scope(0))
    assert ([r.id for r in got_0], [r.id for r in got_1]) == ([on_0], [on_1])


async def test_other_platforms_ignore_the_shard_rule(store: Store) -> None:
    """A sharded process that also runs Slack claims Slack schedules whatever their id."""
    slack = await _schedule(store, "T123", platform="slack")
    both = scope(1, platforms=("discord", "slack"))
    assert [r.id for r in await take_schedules(store, T0, 9, owner="b", scope=both)] == [slack]


async def test_overdue_schedules_of_a_silent_shard_are_taken_over(store: Store) -> None:
    """Once a row is overdue by the takeover time, another shard's process claims it."""
    on_1 = await _schedule(store, GUILD_1)
    assert not await store.has_work(T0 + TAKEOVER - timedelta(seconds=1), scope=scope(0))
    assert await take_schedules(store, T0 + TAKEOVER - timedelta(seconds=1), 9, owner="a",
                                scope=scope(0)) == []
    assert await store.has_work(T0 + TAKEOVER, scope=scope(0))
    later = await take_schedules(store, T0 + TAKEOVER, 9, owner="a", scope=scope(0))
    assert [r.id for r in later] == [on_1]


async def test_reminders_are_shared_by_every_shard(store: Store) -> None:
    """DM reminders carry no shard rule: two shards' processes split them, never overlapping."""
    ids = {await _reminder(store, f"u{i}") for i in range(6)}
    a = await take_reminders(store, T0, 3, owner="a", scope=scope(0))
    b = await take_reminders(store, T0, 9, owner="b", scope=scope(1))
    got_a, got_b = {r.id for r in a}, {r.id for r in b}
    assert len(got_a) == 3 and not got_a & got_b and got_a | got_b == ids


async def test_non_numeric_discord_workspace_does_not_break_sharded_claims(store: Store) -> None:
    """A Discord row whose workspace id is not a number is owned by no shard, yet claims work
    and it is still taken over once overdue (nothing is ever stuck)."""
    odd = await _schedule(store, "not-a-guild")
    on_0 = await _schedule(store, GUILD_0)
    # Shard 0's claim leaves what it took due (as if its sends were still to come)...
    got = await take_schedules(store, T0, 9, owner="a", scope=scope(0),
                               advance=lambda r: Advance("schedules", r.id, r.next_due))
    assert on_0 in {r.id for r in got}
    # ...and whichever shard the odd row fell to, it is overdue and taken over by now.
    later = await take_schedules(store, T0 + TAKEOVER, 9, owner="b", scope=scope(1))
    assert odd in {r.id for r in later}


@pytest.mark.parametrize("count", [2, 3, 16])
async def test_sql_shard_formula_matches_discord(store: Store, count: int) -> None:
    """The database computes (guild_id >> 22) % shard_count exactly as Python does."""
    guilds = [str((1_300_000_000_000 + i) << 22 | i) for i in range(count * 2)]
    by_guild = {g: await _schedule(store, g) for g in guilds}
    for shard in range(count):
        s = ClaimScope.build(["discord"], count, [shard], takeover_after=TAKEOVER)
        got = {r.id for r in await take_schedules(store, T0, 99, owner=f"o{shard}", scope=s)}
        assert got == {by_guild[g] for g in guilds if shard_of(int(g), count) == shard}


async def test_retries_are_taken_only_by_their_platform(store: Store) -> None:
    """A pending Slack ledger row is never leased by a Discord-only process."""
    sid = await _schedule(store, "T1", platform="slack")
    slot = NewDelivery(f"schedule:{sid}", T0, "slack:T1:channel:c", "slack", "T1", "channel",
                       "c", "tip")
    await claim(store, T0, 9, owner="dead", advance=lambda r: Advance("schedules", sid, None,
                                                                       (slot,)))
    later = T0 + LEASE + timedelta(seconds=1)
    discord_only = ClaimScope.build(["discord"])
    assert await store.claim_retryable_deliveries(later, "a", LEASE, 9, scope=discord_only) == []
    assert await store.fail_expired_deliveries(later, later, owner="a", scope=discord_only) == 0
    slack_only = ClaimScope.build(["slack"])
    [row] = await store.claim_retryable_deliveries(later, "b", LEASE, 9, scope=slack_only)
    assert row.platform == "slack"


async def test_a_late_report_never_reverts_a_sent_row(store: Store) -> None:
    """When a slow owner reports "retry" after another process recorded "sent", it stays sent."""
    sid = await _schedule(store, GUILD_0)
    slot = NewDelivery(f"schedule:{sid}", T0, f"discord:{GUILD_0}:channel:c", "discord",
                       GUILD_0, "channel", "c", "tip")
    _, claimed = await claim(store, T0, 9, owner="slow", advance=lambda r: Advance(
        "schedules", sid, None, (slot,)))
    [row] = claimed.pending
    later = T0 + LEASE + timedelta(seconds=1)
    [taken] = await store.claim_retryable_deliveries(later, "fast", LEASE, 9)
    assert (taken.id, taken.nonce) == (row.id, row.nonce)
    await store.finish_delivery(row.id, LedgerStatus.SENT, now=later)
    await store.finish_delivery(
        row.id, LedgerStatus.PENDING, now=later, detail="timeout", next_attempt_at=later
    )
    done = await store.get_delivery(row.id)
    assert done is not None and (done.status, done.attempts) == (LedgerStatus.SENT, 1)
    assert await store.claim_retryable_deliveries(later + LEASE * 2, "fast", LEASE, 9) == []
