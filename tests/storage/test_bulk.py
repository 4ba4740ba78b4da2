"""The tick's batched writes (bot/storage/bulk.py) on both backends: one statement per batch,
and the same outcome as row by row: every row a claim takes moves on, duplicates are ignored,
and the rows handed back to send are exactly what the ledger holds."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from bot.storage import Advance, LedgerStatus, NewDelivery, Store
from bot.storage import tables as t
from bot.storage.claims import Claimed
from tests.storage.claiming import LEASE, Row, claim, take

T0 = datetime(2027, 3, 1, 8, 0, tzinfo=UTC)
ROWS = 2500  # more than one SQLite statement's worth (bulk.SQLITE_ROWS)


async def _seed(store: Store, count: int) -> list[int]:
    now = store.clock.now()
    async with store.engine.begin() as conn:
        await conn.execute(sa.insert(t.reminders), [
            {"platform": "console", "workspace_id": "w", "user_id": f"u{i}", "every_minutes": 60,
             "start_time": "00:00", "end_time": "23:59", "days": "0,1,2,3,4,5,6",
             "enabled": True, "next_due": T0, "created_at": now, "updated_at": now}
            for i in range(count)])
        ids = (await conn.scalars(sa.select(t.reminders.c.id).order_by(t.reminders.c.id))).all()
    return list(ids)


async def _claim_all(store: Store, count: int, advance: Callable[[Row], Advance],
                     *, owner: str = "a", now: datetime = T0) -> Claimed:
    return (await claim(store, now, count, owner=owner, advance=advance))[1]


def _delivery(i: int, slot: datetime) -> NewDelivery:
    return NewDelivery(source=f"reminder:{i}", slot=slot, target_key=f"console:w:dm:u{i}",
                       platform="console", workspace_id="w", target_kind="dm",
                       target_id=f"u{i}", kind="break")


async def test_a_big_batch_moves_on_every_row_it_took(store: Store) -> None:
    """2,500 claimed rows advance in one claim, an expired lease left by an older version on
    ten of them cleared; the returned rows equal the stored ones field by field (a slot
    given in another zone comes back as the same instant in UTC)."""
    ids = await _seed(store, ROWS)
    async with store.engine.begin() as conn:
        await conn.execute(sa.update(t.reminders).where(t.reminders.c.id.in_(ids[:10]))
                           .values(lease_owner="old", lease_until=T0 - LEASE))
    paris = T0.astimezone(ZoneInfo("Europe/Paris"))
    claimed = await _claim_all(store, ROWS, lambda r: Advance(
        "reminders", r.id, T0 + timedelta(hours=1), (_delivery(r.id, paris),)))
    pending = claimed.pending
    assert (claimed.reminders, len(pending)) == (ROWS, ROWS)
    stored = {r.id: r for r in await store.list_deliveries(status=LedgerStatus.PENDING)}
    assert {r.id: r for r in pending} == stored
    assert all(r.slot == T0 and r.slot.utcoffset() == timedelta(0) for r in pending)
    async with store.engine.connect() as conn:
        rows = (await conn.execute(sa.select(t.reminders.c.next_due, t.reminders.c.lease_owner,
                                             t.reminders.c.lease_until))).all()
    assert {tuple(r) for r in rows} == {(T0 + timedelta(hours=1), None, None)}


async def test_two_claims_at_once_write_each_slot_once(store: Store) -> None:
    """Two owners claiming 300 due rows at once (limits that overlap), then a third claim
    for whatever they left: each slot gets one ledger row, handed to one of them, and each
    row one advance."""
    ids = await _seed(store, 300)

    def send(row: Row) -> Advance:
        return Advance("reminders", row.id, T0 + timedelta(hours=1), (_delivery(row.id, T0),))

    a, b = await asyncio.gather(_claim_all(store, 200, send, owner="a"),
                                _claim_all(store, 200, send, owner="b"))
    rest = await _claim_all(store, 300, send, owner="c")
    assert a.reminders + b.reminders + rest.reminders == 300
    sources = [r.source for r in a.pending + b.pending + rest.pending]
    assert len(sources) == len(set(sources)) == len(await store.list_deliveries()) == 300
    assert {r.id for r in await take(store, T0 + timedelta(hours=1), 400)} == set(ids)


async def test_marks_change_only_pending_rows(store: Store) -> None:
    """Marking 1,200 rows sent is one call; a row already failed stays failed."""
    await _seed(store, 1200)
    pending = (await _claim_all(store, 1200, lambda r: Advance(
        "reminders", r.id, None, (_delivery(r.id, T0),)))).pending
    await store.finish_delivery(pending[0].id, LedgerStatus.FAILED, now=T0, detail="gone")
    later = T0 + timedelta(seconds=5)
    await store.finish_sent_deliveries([r.id for r in pending], now=later)
    rows = {r.id: r for r in await store.list_deliveries()}
    assert rows[pending[0].id].status == LedgerStatus.FAILED
    rest = [rows[r.id] for r in pending[1:]]
    assert {(r.status, r.attempts, r.sent_at) for r in rest} == {(LedgerStatus.SENT, 1, later)}


async def test_every_ledger_column_reads_back_as_written(store: Store) -> None:
    """The ledger insert hands values straight to the driver (on SQLite as multi-row VALUES
    with every datetime pre-formatted): read back through the table's own types, every
    column is what ``ledger_values`` wrote, and the lease's end compares with SQLAlchemy's
    datetimes in a query."""
    from bot.storage.ledger import ledger_values

    await _seed(store, 3)
    now = T0 + timedelta(seconds=1, microseconds=250)
    pending = (await _claim_all(store, 3, lambda r: Advance(
        "reminders", r.id, None, (_delivery(r.id, T0),)), now=now)).pending
    assert len(pending) == 3
    d = t.deliveries
    async with store.engine.connect() as conn:
        rows = (await conn.execute(sa.select(d).order_by(d.c.id))).mappings().all()
        expired = (await conn.scalars(sa.select(d.c.id).where(
            d.c.lease_until < now + LEASE + timedelta(microseconds=1)))).all()
        held = (await conn.scalars(sa.select(d.c.id).where(
            d.c.lease_until > now + LEASE))).all()
    expected = ledger_values(_delivery(0, T0), now=now, owner="a", send_lease=LEASE)
    for row in rows:
        for column, value in expected.items():
            if column not in ("source", "target_key", "target_id", "nonce"):
                assert row[column] == value, column
    assert {r["nonce"] for r in rows} == {r.nonce for r in pending}
    assert sorted(expired) == sorted(r.id for r in pending) and not held


def test_the_sqlite_ledger_inserts_name_every_ledger_column_in_order() -> None:
    """Each fixed INSERT names LEDGER_COLUMNS and takes its size's rows of that many values."""
    from bot.storage import bulk

    for size, text in bulk._SQLITE_INSERTS.items():
        assert f"INSERT INTO deliveries ({', '.join(bulk.LEDGER_COLUMNS)}) VALUES " in text
        assert text.count("?") == size * len(bulk.LEDGER_COLUMNS)
        assert text.count("(?") == size
    assert bulk.LEDGER_DATETIMES <= set(bulk.LEDGER_COLUMNS)


def test_the_postgresql_ledger_insert_names_every_ledger_column_in_order() -> None:
    """The fixed INSERT's columns and unnest arrays are LEDGER_COLUMNS, in the same order."""
    from bot.storage import bulk

    text = bulk._PG_INSERT.text
    assert f"INSERT INTO deliveries ({', '.join(bulk.LEDGER_COLUMNS)})" in text
    assert [c.split(" AS ")[0] for c in text.split("CAST(:")[1:]] == list(bulk.LEDGER_COLUMNS)
