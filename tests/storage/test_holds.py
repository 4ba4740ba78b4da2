"""Held nudges in the ledger (bot/storage/holds.py) and calendar links read in bulk, on SQLite
and PostgreSQL: a held row is out of the grace expiry, claimed once when due even by
concurrent claimers, and settled only from the state its settler saw."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import timedelta

from bot.core.clock import FakeClock
from bot.core.ports import Platform, Target, TargetKind
from bot.storage import Store
from bot.storage.holds import Holds
from bot.storage.meetings import CalendarStore
from bot.storage.records import DeliveryRow, LedgerStatus, NewDelivery
from bot.storage.scope import ClaimScope

LEASE = timedelta(minutes=2)


async def _pending(store: Store, clock: FakeClock, user: str = "U1") -> DeliveryRow:
    target = Target(Platform.SLACK, "T1", TargetKind.DM, user)
    row = await store.record_delivery(
        NewDelivery.for_target(target, source="reminder:1", slot=clock.now(), kind="break"),
        owner="a", now=clock.now(), send_lease=LEASE)
    assert row is not None
    return row


async def test_a_held_row_waits_outside_the_grace_expiry(store: Store, clock: FakeClock
                                                         ) -> None:
    """Held for an hour: the grace expiry (which fails old pending rows) leaves it alone, it
    is not due before its time, and it is claimed (still held) after."""
    holds = Holds(store)
    row = await _pending(store, clock)
    assert await holds.hold(row.id, until=clock.now() + timedelta(hours=1),
                            reason="in a meeting", now=clock.now())
    clock.advance(timedelta(minutes=30))
    assert await store.fail_expired_deliveries(clock.now(), clock.now(), owner="b") == 0
    assert not await holds.has_due(clock.now())
    assert await holds.claim_due(clock.now(), "b", LEASE, 10) == []
    held = await holds.held_for(row.target_key)
    assert held is not None and (held.status, held.detail) == (LedgerStatus.HELD,
                                                              "in a meeting")
    clock.advance(timedelta(minutes=31))
    assert await holds.has_due(clock.now())
    [claimed] = await holds.claim_due(clock.now(), "b", LEASE, 10)
    assert claimed.id == row.id and claimed.status is LedgerStatus.HELD
    assert await holds.finish(row.id, LedgerStatus.SENT, now=clock.now())
    assert not await holds.finish(row.id, LedgerStatus.FAILED, now=clock.now())  # settled
    done = await store.get_delivery(row.id)
    assert done is not None and done.status is LedgerStatus.SENT and done.sent_at is not None
    assert await holds.held_for(row.target_key) is None


async def test_concurrent_claimers_take_each_due_hold_once(
        store: Store, clock: FakeClock, reopen: Callable[[], Awaitable[Store]]) -> None:
    """Twenty holds due at once, four claimers on two connections pools at once: every row
    is claimed by exactly one of them."""
    other = await reopen()
    try:
        rows = [await _pending(store, clock, f"U{i}") for i in range(20)]
        holds, holds2 = Holds(store), Holds(other)
        for row in rows:
            await holds.hold(row.id, until=clock.now() + timedelta(minutes=5), reason="away",
                             now=clock.now())
        clock.advance(timedelta(minutes=5))
        claims = await asyncio.gather(*(
            h.claim_due(clock.now(), f"owner{i}", LEASE, 20)
            for i, h in enumerate((holds, holds2, holds, holds2))))
        taken = [r.id for claim in claims for r in claim]
        assert sorted(taken) == sorted(r.id for r in rows)
    finally:
        await other.close()


async def test_a_settled_row_is_never_held_again(store: Store, clock: FakeClock) -> None:
    """A late hold (a slow process) cannot turn a sent row back into a held one."""
    holds = Holds(store)
    row = await _pending(store, clock)
    await store.finish_delivery(row.id, LedgerStatus.SENT, now=clock.now())
    assert not await holds.hold(row.id, until=clock.now(), reason="busy", now=clock.now())
    done = await store.get_delivery(row.id)
    assert done is not None and done.status is LedgerStatus.SENT


async def test_claims_stay_within_their_platforms(store: Store, clock: FakeClock) -> None:
    """A Discord-only process does not take a Slack person's held nudge."""
    holds = Holds(store)
    row = await _pending(store, clock)
    await holds.hold(row.id, until=clock.now(), reason="away", now=clock.now())
    discord_only = ClaimScope(platforms=frozenset({"discord"}))
    assert not await holds.has_due(clock.now(), scope=discord_only)
    assert await holds.claim_due(clock.now(), "d", LEASE, 10, scope=discord_only) == []


async def test_links_read_in_bulk_with_one_key_for_every_process(
        store: Store, reopen: Callable[[], Awaitable[Store]]) -> None:
    """Without DESKBREAK_WEB_SECRET, two processes starting together agree on one stored
    key: a link one seals, the other reads, and a bulk read answers everyone asked."""
    other = await reopen()
    try:
        first, second = CalendarStore(store), CalendarStore(other)
        await asyncio.gather(first.set_url("slack", "T1", "U1", "https://a.example/1.ics"),
                             second.set_url("slack", "T1", "U2", "https://a.example/2.ics"))
        assert await second.urls("slack", "T1", ["U1", "U2", "U3"]) == {
            "U1": "https://a.example/1.ics", "U2": "https://a.example/2.ics", "U3": None}
        assert await first.get_url("slack", "T1", "U2") == "https://a.example/2.ics"
    finally:
        await other.close()
