"""Many rows per statement for a tick's hot writes: advancing claimed rows, ledger inserts,
sent marks.

A tick writes three things per delivery. Row by row (or as an executemany that SQLAlchemy
still expands into one parameter set per row) that costs a round trip or a parameter dict per
row, and on PostgreSQL a multi-row VALUES list is a new statement text for every batch size,
parsed and planned again each time. Here each write is one statement per batch:

- PostgreSQL takes whole columns as arrays (``unnest``): the statement text never changes, so
  asyncpg prepares it once, and a batch of 1,000 is a handful of parameters. (The ledger
  rows as one JSON parameter, ``json_populate_recordset``, saved 5-13 % of the client's CPU
  but cost the server more than that in wall time: bench/README.md, third session.)
- SQLite takes a chunk's advances as ONE JSON parameter (``json_each``; ``UPDATE ... FROM``,
  SQLite 3.33+; ``RETURNING``, 3.35+) and new ledger rows as multi-row ``VALUES`` of fixed
  sizes, handed straight to the driver with every datetime already in SQLAlchemy's text
  form. Through SQLAlchemy each of a ledger row's 17 values was a bound parameter run through
  its type's processors (five datetimes per row, each formatted in Python).

Each function runs inside the caller's transaction and changes only the rows its claim took
(or ledger rows still pending), so the exactly-once bookkeeping is what it was with one
statement per row.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.storage import tables as t
from bot.storage.records import LedgerStatus

# Advances per SQLite statement (a chunk's triples travel as one JSON parameter): bounds the
# text handed over at once, not the bound parameters, which stay at one.
SQLITE_ROWS = 2000
# The ledger columns a new row is written with (``ledger.ledger_values``), in order.
LEDGER_COLUMNS = (
    "source", "slot", "target_key", "platform", "workspace_id", "target_kind", "target_id",
    "kind", "status", "nonce", "attempts", "detail", "next_attempt_at", "lease_owner",
    "lease_until", "created_at", "updated_at",
)
LEDGER_DATETIMES = frozenset({"slot", "next_attempt_at", "lease_until", "created_at",
                              "updated_at"})
# Fixed statements only (tests/test_static_safety.py): values always travel as bound
# parameters; the column list is LEDGER_COLUMNS, in order (tests/storage/test_bulk.py).
_PG_INSERT = sa.text(
    "INSERT INTO deliveries (source, slot, target_key, platform, workspace_id, target_kind, "
    "target_id, kind, status, nonce, attempts, detail, next_attempt_at, lease_owner, "
    "lease_until, created_at, updated_at) SELECT * FROM unnest("
    "CAST(:source AS text[]), CAST(:slot AS timestamptz[]), CAST(:target_key AS text[]), "
    "CAST(:platform AS text[]), CAST(:workspace_id AS text[]), CAST(:target_kind AS text[]), "
    "CAST(:target_id AS text[]), CAST(:kind AS text[]), CAST(:status AS text[]), "
    "CAST(:nonce AS text[]), CAST(:attempts AS integer[]), CAST(:detail AS text[]), "
    "CAST(:next_attempt_at AS timestamptz[]), CAST(:lease_owner AS text[]), "
    "CAST(:lease_until AS timestamptz[]), CAST(:created_at AS timestamptz[]), "
    "CAST(:updated_at AS timestamptz[])) "
    "ON CONFLICT (source, slot, target_key) DO NOTHING "
    "RETURNING id, nonce"
)


# The ids travel as an array joined by primary key: a fixed statement text whatever the
# batch's size. They are also given as ``r.id = ANY(:ids)``, so the rows are found by their
# primary key: with only the join, PostgreSQL's estimate for 1,000 unnested ids made a hash
# join over a scan of the whole table the cheaper plan at 100k rows (30 ms a batch instead
# of 3). The lease columns are cleared too: a claimed row is free, but one a process of the
# previous version leased and lost may still carry its expired lease.
_PG_ADVANCE = {
    "schedules": sa.text(
        "UPDATE schedules AS r SET next_due = v.due, lease_owner = NULL, lease_until = NULL "
        "FROM unnest(CAST(:ids AS integer[]), CAST(:dues AS timestamptz[])) AS v(id, due) "
        "WHERE r.id = ANY(CAST(:ids AS integer[])) AND r.id = v.id"),
    "reminders": sa.text(
        "UPDATE reminders AS r SET next_due = v.due, lease_owner = NULL, lease_until = NULL "
        "FROM unnest(CAST(:ids AS integer[]), CAST(:dues AS timestamptz[])) AS v(id, due) "
        "WHERE r.id = ANY(CAST(:ids AS integer[])) AND r.id = v.id"),
}


# SQLite takes a chunk's (id, next_due, next_due as read) triples as ONE JSON parameter, so
# the statement text is fixed (one per table) whatever the chunk's size. A row moves only if
# its next_due is still the one its claim read (compared as instants: see same_instant).
_SQLITE_ADVANCE = {
    "schedules": (
        "WITH v(v_id, v_due, v_was) AS (SELECT json_extract(value, '$[0]'), "
        "json_extract(value, '$[1]'), json_extract(value, '$[2]') FROM json_each(?)) "
        "UPDATE schedules SET next_due = v.v_due, lease_owner = NULL, lease_until = NULL "
        "FROM v WHERE schedules.id = v.v_id "
        "AND julianday(schedules.next_due) = julianday(v.v_was) RETURNING id"),
    "reminders": (
        "WITH v(v_id, v_due, v_was) AS (SELECT json_extract(value, '$[0]'), "
        "json_extract(value, '$[1]'), json_extract(value, '$[2]') FROM json_each(?)) "
        "UPDATE reminders SET next_due = v.v_due, lease_owner = NULL, lease_until = NULL "
        "FROM v WHERE reminders.id = v.v_id "
        "AND julianday(reminders.next_due) = julianday(v.v_was) RETURNING id"),
}


# SQLite's ledger inserts for 100, 10 and 1 rows: positional parameters (1,700 at most, far
# under SQLite's 32,766), statement texts fixed at import from constants alone. One JSON
# parameter per chunk, as ``advance`` does, kept the text fixed too, but SQLite 3.40 parses a
# row's JSON again for each of its 17 ``json_extract`` calls: 170-210 ms per 10,000 rows
# against 75 ms for the same rows as parameters.
SQLITE_LEDGER_NAMES = ", ".join(LEDGER_COLUMNS)
SQLITE_LEDGER_ROW = "(" + ", ".join(["?"] * len(LEDGER_COLUMNS)) + ")"
SQLITE_LEDGER_ROWS_10 = ", ".join([SQLITE_LEDGER_ROW] * 10)
SQLITE_LEDGER_ROWS_100 = ", ".join([SQLITE_LEDGER_ROW] * 100)
SQLITE_LEDGER_UPSERT = "ON CONFLICT (source, slot, target_key) DO NOTHING RETURNING id, nonce"
# Constants only, every value a bound parameter (S608 cannot tell a constant from input).
_SQLITE_INSERTS = {
    100: f"INSERT INTO deliveries ({SQLITE_LEDGER_NAMES}) VALUES {SQLITE_LEDGER_ROWS_100} "  # noqa: S608
         f"{SQLITE_LEDGER_UPSERT}",
    10: f"INSERT INTO deliveries ({SQLITE_LEDGER_NAMES}) VALUES {SQLITE_LEDGER_ROWS_10} "  # noqa: S608
        f"{SQLITE_LEDGER_UPSERT}",
    1: f"INSERT INTO deliveries ({SQLITE_LEDGER_NAMES}) VALUES {SQLITE_LEDGER_ROW} "  # noqa: S608
       f"{SQLITE_LEDGER_UPSERT}",
}


def sqlite_datetime(conn: AsyncConnection) -> Callable[[datetime | None], str | None]:
    """Datetimes in SQLAlchemy's own SQLite text form ("YYYY-MM-DD HH:MM:SS.ffffff", naive
    UTC), for values that go straight to the driver: they compare with the rows it wrote.

    Each converter formats an instant once: a batch repeats a few (its slot, the tick's now,
    the lease's end) thousands of times."""
    utc = t.UTCDateTime()
    text_form = sqlite.DATETIME().bind_processor(conn.dialect)
    assert text_form is not None
    seen: dict[datetime, str] = {}

    def to_db(value: datetime | None) -> str | None:
        if value is None:
            return None
        text = seen.get(value)
        if text is None:
            text = seen[value] = text_form(utc.process_bind_param(value, conn.dialect))
        return text

    return to_db


async def advance(
    conn: AsyncConnection,
    table: str,
    pairs: Sequence[tuple[int, datetime | None]],
    was: Sequence[datetime | None] | None = None,
) -> list[int]:
    """Set ``next_due`` for each (id, next_due); returns the ids moved.

    On PostgreSQL the caller's claim holds the rows' locks, so every row moves. SQLite's
    claim reads without a lock and gives ``was``, each row's ``next_due`` as read: a row
    moves only if it still has it."""
    if not pairs:
        return []
    if table not in _PG_ADVANCE:
        raise ValueError(f"not a leasable table: {table!r}")
    if conn.dialect.name == "postgresql":
        await conn.execute(_PG_ADVANCE[table], {
            "ids": [row_id for row_id, _ in pairs], "dues": [due for _, due in pairs]})
        return [row_id for row_id, _ in pairs]
    if was is None or len(was) != len(pairs):
        raise ValueError("SQLite moves a row only from the next_due its claim read")
    # Straight to the driver: SQLAlchemy would compile (and key its cache on) thousands of
    # bound parameters per statement.
    to_db = sqlite_datetime(conn)
    moved: list[int] = []
    for start in range(0, len(pairs), SQLITE_ROWS):
        chunk = zip(pairs[start : start + SQLITE_ROWS], was[start : start + SQLITE_ROWS],
                    strict=True)
        triples = json.dumps([(row_id, to_db(due), to_db(old)) for (row_id, due), old in chunk])
        result = await conn.exec_driver_sql(_SQLITE_ADVANCE[table], (triples,))
        moved.extend(result.scalars())
    return moved


def same_instant(column: sa.ColumnElement[Any], value: datetime | None
                 ) -> sa.ColumnElement[bool]:
    """SQLite: ``column`` holds ``value``'s instant. Compared as Julian days, so a row whose
    text was written in another form (no microseconds, say) still matches, where comparing
    the texts would leave it due and never moved."""
    return sa.func.julianday(column) == sa.func.julianday(
        sa.bindparam(None, value, type_=t.UTCDateTime))


async def insert_ledger(
    conn: AsyncConnection, values: list[dict[str, Any]]
) -> list[tuple[int, str]]:
    """Insert new ledger rows, skipping any whose (source, slot, target_key) exists; returns
    (id, nonce) of those inserted: a new row's nonce is its own (random), so it names the
    row it was written with, and two text columns cost less to read back than the key's
    timestamp."""
    if not values:
        return []
    if conn.dialect.name == "postgresql":
        columns = {c: [v[c] for v in values] for c in LEDGER_COLUMNS}
        return _pairs(await conn.execute(_PG_INSERT, columns))
    to_db = sqlite_datetime(conn)
    flat = [[to_db(v[c]) if c in LEDGER_DATETIMES else v[c] for c in LEDGER_COLUMNS]
            for v in values]
    inserted: list[tuple[int, str]] = []
    at = 0
    for size, statement in _SQLITE_INSERTS.items():  # 100s, then 10s, then ones
        while len(flat) - at >= size:
            params = tuple(value for row in flat[at : at + size] for value in row)
            inserted += _pairs(await conn.exec_driver_sql(statement, params))
            at += size
    return inserted


def _pairs(rows: Iterable[Any]) -> list[tuple[int, str]]:
    """Each (id, nonce) row as a pair (the driver's rows are typed as having no columns)."""
    return [(row[0], row[1]) for row in rows]


_PG_MARK = sa.text(
    "UPDATE deliveries SET status = :sent, attempts = attempts + 1, detail = NULL, "
    "next_attempt_at = NULL, lease_owner = NULL, lease_until = NULL, updated_at = :now, "
    "sent_at = :now WHERE id = ANY(CAST(:ids AS integer[])) AND status = :pending"
).bindparams(sa.bindparam("now", type_=t.UTCDateTime))


# The ids as ONE JSON array (parsed once by json_each): a fixed text whatever their number,
# where an IN list was a statement of 500 bound parameters for SQLAlchemy to build each time.
_SQLITE_MARK = (
    "UPDATE deliveries SET status = ?, attempts = attempts + 1, detail = NULL, "
    "next_attempt_at = NULL, lease_owner = NULL, lease_until = NULL, updated_at = ?, "
    "sent_at = ? WHERE id IN (SELECT value FROM json_each(?)) AND status = ?"
)


async def mark_sent(conn: AsyncConnection, ids: Sequence[int], now: datetime) -> None:
    """Mark pending ledger rows sent (only pending ones change)."""
    if not ids:
        return
    if conn.dialect.name == "postgresql":
        await conn.execute(_PG_MARK, {"ids": list(ids), "now": now, "sent": LedgerStatus.SENT.value,
                                      "pending": LedgerStatus.PENDING.value})
        return
    at = sqlite_datetime(conn)(now)
    await conn.exec_driver_sql(_SQLITE_MARK, (
        LedgerStatus.SENT.value, at, at, json.dumps(list(ids)), LedgerStatus.PENDING.value))
