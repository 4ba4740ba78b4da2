"""Claiming due rows: taken, planned and advanced with their ledger rows in one transaction."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from bot.storage import (
    Advance,
    ClaimScope,
    LedgerStatus,
    NewDelivery,
    Spec,
    Store,
    create_store,
)
from bot.storage import tables as t
from bot.storage.scope import EVERYTHING
from tests.storage.claiming import LEASE, claim, take, take_schedules

T0 = datetime(2027, 3, 1, 8, 0, tzinfo=UTC)


async def _lease(store: Store, schedule_id: int) -> tuple[Any, Any]:
    async with store.engine.connect() as conn:
        row = (await conn.execute(sa.select(t.schedules.c.lease_owner, t.schedules.c.lease_until)
                                  .where(t.schedules.c.id == schedule_id))).one()
    return row[0], row[1]


async def _add(store: Store, next_due: datetime | None) -> int:
    row = await store.add_schedule(
        platform="console",
        workspace_id="w",
        channel_id="c",
        kind="tip",
        spec=Spec(cron="0 * * * *"),
        timezone=None,
        next_due=next_due,
        created_by="admin",
    )
    assert row is not None
    return row.id


def _delivery(
    source: str, slot: datetime, status: LedgerStatus = LedgerStatus.PENDING
) -> NewDelivery:
    return NewDelivery(
        source=source,
        slot=slot,
        target_key="console:w:channel:c",
        platform="console",
        workspace_id="w",
        target_kind="channel",
        target_id="c",
        kind="tip",
        status=status,
    )


async def test_claim_takes_only_due_unpaused_rows(store: Store) -> None:
    """Rows due now or earlier are claimed; future, unscheduled and paused rows are not."""
    due = await _add(store, T0 - timedelta(minutes=5))
    await _add(store, T0 + timedelta(minutes=5))
    await _add(store, None)
    paused = await _add(store, T0)
    await store.update_schedule(paused, paused=True)
    assert [r.id for r in await take_schedules(store, T0)] == [due]


async def test_rows_an_older_version_leased_wait_for_the_lease_to_run_out(store: Store) -> None:
    """A process of the previous version stamped leases on the rows it claimed: while one
    is unexpired nobody takes the row, after it anyone may (and the advance clears it)."""
    sid = await _add(store, T0)
    async with store.engine.begin() as conn:
        await conn.execute(sa.update(t.schedules).values(lease_owner="old",
                                                         lease_until=T0 + LEASE))
    assert await take_schedules(store, T0 + timedelta(minutes=1)) == []
    [later] = await take_schedules(store, T0 + timedelta(minutes=3), advance=lambda r: Advance(
        "schedules", r.id, T0 + timedelta(hours=1)))
    assert later.id == sid
    assert await _lease(store, sid) == (None, None)


async def test_concurrent_claims_never_overlap(store: Store) -> None:
    """Two owners claiming at once never take the same row, and what neither took is still
    due for the next claim. (PostgreSQL's second claim skips the first's locked rows; SQLite's
    may have read the same rows and then finds them moved, so it leaves them.)"""
    ids = {await _add(store, T0) for _ in range(20)}
    a, b = await asyncio.gather(
        take_schedules(store, T0, 12, owner="a"), take_schedules(store, T0, 12, owner="b"))
    rest = await take_schedules(store, T0, 20, owner="c")
    got = [{r.id for r in a}, {r.id for r in b}, {r.id for r in rest}]
    assert sum(map(len, got)) == len(ids)
    assert set().union(*got) == ids


async def test_two_ticks_claiming_at_once_write_each_slot_once(store: Store) -> None:
    """Two owners claiming the same 40 due rows at once, each planning every row it takes
    into a ledger row, then a third claim for whatever is left: 40 ledger rows, each handed
    to exactly one of them to send."""
    ids = {await _add(store, T0) for _ in range(40)}

    def send(row: Any) -> Advance:
        return Advance("schedules", row.id, T0 + timedelta(hours=1),
                       (_delivery(f"schedule:{row.id}", T0),))

    (_, a), (_, b) = await asyncio.gather(
        claim(store, T0, 25, owner="a", advance=send), claim(store, T0, 25, owner="b",
                                                             advance=send))
    _, rest = await claim(store, T0, 40, owner="c", advance=send)
    sources = [r.source for r in a.pending + b.pending + rest.pending]
    assert sorted(sources) == sorted(f"schedule:{i}" for i in ids)
    assert len(await store.list_deliveries()) == 40


async def test_a_row_changed_between_a_sqlite_claims_read_and_write_is_left_out(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SQLite's claim plans what it read with no lock held: a row whose next_due changed
    before the claim wrote (an admin moved it) keeps the new next_due and gets no ledger
    row; the others move on as planned."""
    if store.dialect != "sqlite":
        pytest.skip("PostgreSQL's claim holds the rows' locks from its read to its write")
    kept, moved = await _add(store, T0), await _add(store, T0)
    elsewhere = T0 + timedelta(minutes=30)

    def send(row: Any) -> Advance:
        return Advance("schedules", row.id, T0 + timedelta(hours=1),
                       (_delivery(f"schedule:{row.id}", T0),))

    workspaces_on = store._workspaces_on

    async def then_an_admin_moves_one(*args: Any) -> Any:
        found = await workspaces_on(*args)
        async with store.engine.begin() as conn:  # another connection, after the read
            await conn.execute(sa.update(t.schedules).where(t.schedules.c.id == kept)
                               .values(next_due=elsewhere))
        return found

    monkeypatch.setattr(store, "_workspaces_on", then_an_admin_moves_one)
    taken, claimed = await claim(store, T0, advance=send)
    assert [r.id for r in taken] == [moved]
    assert [d.source for d in claimed.pending] == [f"schedule:{moved}"]
    got = await store.get_schedule(kept)
    assert got is not None and got.next_due == elsewhere


async def test_a_row_stored_in_another_text_form_still_moves_on_sqlite(store: Store) -> None:
    """SQLite compares the next_due it read with the stored one as an instant: a row whose
    text lacks the microseconds (written by hand, or by an older version) still moves."""
    if store.dialect != "sqlite":
        pytest.skip("PostgreSQL stores a timestamptz")
    sid = await _add(store, T0)
    async with store.engine.begin() as conn:
        await conn.exec_driver_sql("UPDATE schedules SET next_due = '2027-03-01 08:00:00'")
    [row] = await take_schedules(store, T0, advance=lambda r: Advance(
        "schedules", r.id, T0 + timedelta(hours=1)))
    got = await store.get_schedule(sid)
    assert row.id == sid and got is not None and got.next_due == T0 + timedelta(hours=1)


async def test_rows_another_transaction_locks_are_skipped_not_waited_for(
    store: Store,
) -> None:
    """On PostgreSQL a claim skips rows locked by another process's claim still under way
    (``SKIP LOCKED``) and takes the rest; the locked rows stay due for the next claim."""
    if store.dialect != "postgresql":
        pytest.skip("SQLite claims serialise on the write lock instead")
    ids = [await _add(store, T0) for _ in range(6)]
    async with store.engine.connect() as other, other.begin():
        await other.execute(sa.select(t.schedules.c.id).where(t.schedules.c.id.in_(ids[:2]))
                            .with_for_update())
        taken = await asyncio.wait_for(take_schedules(store, T0), 10)
        assert sorted(r.id for r in taken) == ids[2:]
    assert sorted(r.id for r in await take_schedules(store, T0)) == ids[:2]


async def test_advance_writes_ledger_and_next_due(store: Store) -> None:
    """A claim writes pending rows with a nonce and moves next_due; at the new time the
    row is due again."""
    sid = await _add(store, T0)
    _, claimed = await claim(store, T0, advance=lambda r: Advance(
        "schedules", sid, T0 + timedelta(hours=1), (_delivery(f"schedule:{sid}", T0),)))
    [pending] = claimed.pending
    assert (pending.status, pending.attempts, len(pending.nonce)) == (LedgerStatus.PENDING, 0, 24)
    got = await store.get_schedule(sid)
    assert got is not None and got.next_due == T0 + timedelta(hours=1)
    assert await take_schedules(store, T0 + timedelta(minutes=59)) == []
    assert [r.id for r in await take_schedules(store, T0 + timedelta(hours=1))] == [sid]


async def test_ledger_ignores_a_duplicate_slot(store: Store) -> None:
    """The same (source, slot, target) is written once; the duplicate is not returned."""
    sid = await _add(store, T0)
    new = (_delivery(f"schedule:{sid}", T0),)
    await claim(store, T0, advance=lambda r: Advance("schedules", sid, T0, new))
    _, again = await claim(store, T0, advance=lambda r: Advance(
        "schedules", sid, T0 + timedelta(hours=1), new))
    assert again.pending == []
    assert len(await store.list_deliveries()) == 1


async def test_a_plan_that_fails_writes_nothing(store: Store) -> None:
    """The claim, the plan and the writes are one transaction: a plan that raises (a bug, a
    process killed mid-claim) leaves every row due and the ledger empty, held by nobody."""
    ids = [await _add(store, T0) for _ in range(3)]

    def broken(row: Any) -> Advance:
        raise RuntimeError("planner bug")

    with pytest.raises(RuntimeError, match="planner bug"):
        await take_schedules(store, T0, advance=broken)
    assert await store.list_deliveries() == []
    assert sorted(r.id for r in await take_schedules(store, T0)) == ids


async def test_an_advance_for_a_row_not_taken_is_refused(store: Store) -> None:
    """A plan may only move the rows its claim holds: an advance for any other row (it may
    be another process's) is refused and nothing is written."""
    taken = await _add(store, T0)
    other = await _add(store, T0 + timedelta(hours=1))

    def stray(row: Any) -> Advance:
        return Advance("schedules", other, None, (_delivery(f"schedule:{other}", T0),))

    with pytest.raises(ValueError, match="did not take"):
        await take_schedules(store, T0, advance=stray)
    assert await store.list_deliveries() == []
    got = await store.get_schedule(other)
    assert got is not None and got.next_due == T0 + timedelta(hours=1)
    assert [r.id for r in await take_schedules(store, T0)] == [taken]


async def test_skipped_rows_are_recorded_but_not_returned_for_sending(store: Store) -> None:
    """A skipped slot lands in the ledger as skipped and is not handed back to send."""
    sid = await _add(store, T0)
    skipped = _delivery(f"schedule:{sid}", T0, LedgerStatus.SKIPPED)
    _, claimed = await claim(store, T0, advance=lambda r: Advance("schedules", sid, None,
                                                                   (skipped,)))
    assert claimed.pending == []
    [row] = await store.list_deliveries()
    assert row.status == LedgerStatus.SKIPPED


async def test_retry_claim_honours_backoff_lease_and_reclaim(store: Store) -> None:
    """Pending rows are retried after backoff; at start-up the same owner reclaims its own."""
    sid = await _add(store, T0)
    _, claimed = await claim(store, T0, owner="me", advance=lambda r: Advance(
        "schedules", sid, None, (_delivery(f"schedule:{sid}", T0),)))
    [row] = claimed.pending
    # In flight (leased by "me"): nobody may retry it yet...
    assert await store.claim_retryable_deliveries(T0, "other", LEASE, 10) == []
    # ...except "me" restarting, which reclaims it with the same nonce.
    [again] = await store.claim_retryable_deliveries(T0, "me", LEASE, 10, reclaim_from="me")
    assert (again.id, again.nonce) == (row.id, row.nonce)
    await store.finish_delivery(
        row.id,
        LedgerStatus.PENDING,
        now=T0,
        detail="429",
        next_attempt_at=T0 + timedelta(minutes=1),
    )
    assert await store.claim_retryable_deliveries(T0, "me", LEASE, 10) == []
    [retry] = await store.claim_retryable_deliveries(T0 + timedelta(minutes=1), "me", LEASE, 10)
    assert (retry.attempts, retry.nonce) == (1, row.nonce)
    await store.finish_delivery(row.id, LedgerStatus.SENT, now=T0 + timedelta(minutes=1))
    done = await store.get_delivery(row.id)
    assert done is not None and (done.status, done.sent_at) == (
        LedgerStatus.SENT,
        T0 + timedelta(minutes=1),
    )


async def test_has_work_ignores_pending_rows_not_yet_due_for_an_attempt(store: Store) -> None:
    """A queued one-off or a backing-off retry is not work until its next_attempt_at comes."""
    queued = await store.record_delivery(
        _delivery("snooze:u", T0 + timedelta(minutes=5)),
        owner="snooze",
        now=T0,
        send_lease=timedelta(0),
        queue_until=T0 + timedelta(minutes=5),
    )
    assert queued is not None
    assert not await store.has_work(T0)
    assert not await store.has_work(T0 + timedelta(minutes=5) - timedelta(seconds=1))
    assert await store.has_work(T0 + timedelta(minutes=5))


async def test_has_work_waits_for_a_backoff_retry(store: Store) -> None:
    """A pending row backing off after a failed attempt wakes the tick only once it is due."""
    row = await store.record_delivery(
        _delivery("test:1", T0), owner="me", now=T0, send_lease=LEASE
    )
    assert row is not None
    await store.finish_delivery(
        row.id, LedgerStatus.PENDING, now=T0, detail="429", next_attempt_at=T0 + LEASE
    )
    assert not await store.has_work(T0 + LEASE - timedelta(seconds=1))
    assert await store.has_work(T0 + LEASE)


async def test_expired_pending_rows_are_failed(store: Store) -> None:
    """Pending rows whose slot is older than the cutoff are marked failed, newer ones stay."""
    sid = await _add(store, T0)
    old = _delivery(f"schedule:{sid}", T0 - timedelta(hours=1))
    new = _delivery(f"schedule:{sid}", T0)
    await claim(store, T0, owner="me", advance=lambda r: Advance("schedules", sid, None,
                                                                  (old, new)))
    assert await store.fail_expired_deliveries(T0 - timedelta(minutes=10), T0, owner="me") == 1
    statuses = [r.status for r in await store.list_deliveries()]
    assert statuses == [LedgerStatus.FAILED, LedgerStatus.PENDING]


# What a real process claims with: its platforms (every process has some), and shards.
PLAN_SCOPES = {
    "everything": EVERYTHING,
    "one platform": ClaimScope.build(["discord"]),
    "two platforms": ClaimScope.build(["discord", "slack"]),
    "sharded": ClaimScope.build(["discord"], 2, [0]),
}
# Indexes that lead with ``platform``: walking one of them visits every row of the platform.
PLATFORM_INDEXES = ("sqlite_autoindex_reminders_1", "ix_schedules_workspace")


async def _sqlite_plan(tmp_path: Path, work: Callable[[Store], Awaitable[Any]],
                       prefix: str) -> str:
    """EXPLAIN QUERY PLAN of the one statement starting with ``prefix`` that ``work`` runs,
    with the parameters it ran with."""
    store = create_store(f"sqlite+aiosqlite:///{tmp_path / 'plan.sqlite3'}")
    await store.migrate()
    seen: list[tuple[str, Any]] = []

    def capture(
        conn: Any, cursor: Any, statement: str, params: Any, context: Any, many: bool
    ) -> None:
        if " ".join(statement.split()).upper().startswith(prefix):
            seen.append((statement, params))

    sa.event.listen(store.engine.sync_engine, "before_cursor_execute", capture)
    try:
        await work(store)
    finally:
        sa.event.remove(store.engine.sync_engine, "before_cursor_execute", capture)
    [(statement, params)] = seen
    async with store.engine.connect() as conn:
        plan = (await conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, params)).all()
    await store.close()
    return " | ".join(str(row[-1]) for row in plan)


@pytest.mark.parametrize("scope", PLAN_SCOPES.values(), ids=PLAN_SCOPES.keys())
@pytest.mark.parametrize("table", ["schedules", "reminders"])
async def test_claim_searches_the_next_due_index_on_sqlite(
    tmp_path: Path, scope: ClaimScope, table: str
) -> None:
    """The claim finds due rows through ix_<table>_next_due, in order, whatever the scope.

    With a platform filter and no ANALYZE statistics, SQLite used to prefer the equality on
    ``platform`` and walk every row of the platform (then sort them): O(stored), not O(due).
    """

    async def claim_both(store: Store) -> Any:
        return await take(store, T0, 10, scope=scope)

    details = await _sqlite_plan(tmp_path, claim_both, f"SELECT {table.upper()}.ID")
    assert f"ix_{table}_next_due" in details, details
    assert "TEMP B-TREE" not in details, details
    assert not any(index in details for index in PLATFORM_INDEXES), details


@pytest.mark.parametrize("scope", PLAN_SCOPES.values(), ids=PLAN_SCOPES.keys())
async def test_has_work_searches_the_next_due_indexes_on_sqlite(
    tmp_path: Path, scope: ClaimScope
) -> None:
    """The idle tick's one read is O(due) too: with nothing due it must not visit every row."""

    async def has_work(store: Store) -> Any:
        return await store.has_work(T0, scope=scope)

    details = await _sqlite_plan(tmp_path, has_work, "SELECT (EXISTS")
    assert "ix_schedules_next_due" in details, details
    assert "ix_reminders_next_due" in details, details
    assert not any(index in details for index in PLATFORM_INDEXES), details


async def test_platform_scope_still_filters(store: Store) -> None:
    """Keeping the platform term off the index (SQLite) changes the plan, not which rows qualify."""
    sid = await _add(store, T0)  # a console schedule
    assert not await store.has_work(T0, scope=ClaimScope.build(["discord"]))
    assert await take_schedules(store, T0, scope=ClaimScope.build(["discord"])) == []
    assert await store.has_work(T0, scope=ClaimScope.build(["console", "discord"]))
    [row] = await take_schedules(store, T0, scope=ClaimScope.build(["console"]))
    assert row.id == sid


async def _add_in(store: Store, workspace: str, next_due: datetime) -> int:
    row = await store.add_schedule(
        platform="console", workspace_id=workspace, channel_id="c", kind="tip",
        spec=Spec(cron="0 * * * *"), timezone=None, next_due=next_due, created_by="admin",
    )
    assert row is not None
    return row.id


async def test_a_first_claim_takes_a_few_of_every_workspace(store: Store) -> None:
    """30 rows due in a big workspace before 2 in a small one: a plain claim of 7 takes only
    the big one's; a claim with per_workspace=5 takes 5 of the big one's (its earliest) and
    both of the small one's, and skips a row another process holds."""
    big = [await _add_in(store, "big", T0 - timedelta(minutes=30 - i)) for i in range(30)]
    small = [await _add_in(store, "small", T0) for _ in range(2)]
    # A peek: each row taken is advanced to the same next_due, so it stays due.
    plain = await take_schedules(store, T0, 7, advance=lambda r: Advance(
        "schedules", r.id, r.next_due))
    assert [r.id for r in plain] == big[:7]
    async with store.engine.begin() as conn:  # big[0] leased by a process still sending it
        await conn.execute(sa.update(t.schedules).where(t.schedules.c.id == big[0])
                           .values(lease_owner="other", lease_until=T0 + LEASE))
    fair = await take_schedules(store, T0, 100, per_workspace=5)
    assert sorted(r.id for r in fair) == sorted(big[1:6] + small)
    rest = await take_schedules(store, T0, 100)
    assert sorted(r.id for r in rest) == big[6:]
