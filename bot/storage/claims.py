"""Claiming due work: taking due schedules and reminders and advancing them, with the ledger
rows their sends will need, in ONE transaction.

Concurrency model: one process is the default, but claims are written so several processes
can share one PostgreSQL database. There a claim locks the rows it takes (``FOR UPDATE SKIP
LOCKED``), plans them while holding them, and commits their new ``next_due`` together with
their ledger rows: another process skips the locked rows and finds them advanced once the
claim commits. A process that dies mid-claim holds nothing afterwards (its transaction is
rolled back), so the rows are simply due again.

SQLite has one write lock for the whole file, so its claim reads and plans with no lock and
then, in one short write transaction, moves only the rows whose ``next_due`` is still the one
it read (see :meth:`ClaimQueries._claim_optimistically`).

Claims used to stamp a lease on the rows in a transaction of their own and advance them in a
second one: a whole row write more per delivery (a new row version and an entry in each of
the table's three indexes on PostgreSQL), about a fifth of a tick's database time. Rows that
a process of that kind still leases are skipped until the lease runs out (``_due``), so the
two can share a database while a deployment is upgraded.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.storage import bulk
from bot.storage import tables as t
from bot.storage.leases import LeaseFilters
from bot.storage.ledger import ledger_values
from bot.storage.records import (
    Advance,
    DeliveryRow,
    LedgerStatus,
    ReminderRow,
    ScheduleRow,
    WorkspaceRow,
)
from bot.storage.rows import (
    REMINDER_COLUMNS,
    SCHEDULE_COLUMNS,
    new_delivery_record,
    reminder_from_tuple,
    schedule_from_tuple,
)
from bot.storage.scope import EVERYTHING, ClaimScope
from bot.storage.workspaces import WorkspaceQueries

log = logging.getLogger(__name__)

_LEASABLE = {"schedules": t.schedules, "reminders": t.reminders}

# What a claim asks of its caller: the advances (one per row) for the rows it took, given
# their workspaces. A plain function: PostgreSQL's claim calls it holding the rows' locks.
Plan = Callable[
    [Sequence[ScheduleRow | ReminderRow], dict[tuple[str, str], WorkspaceRow]], list[Advance]
]


@dataclass(frozen=True, slots=True)
class Claimed:
    """One claim's outcome: the (table, id) of the rows it took and moved on, and the new
    pending ledger rows to send. A claim that took fewer than its limit of both schedules
    and reminders found no more due."""

    taken: frozenset[tuple[str, int]]
    pending: list[DeliveryRow]

    @property
    def schedules(self) -> int:
        return sum(name == "schedules" for name, _ in self.taken)

    @property
    def reminders(self) -> int:
        return sum(name == "reminders" for name, _ in self.taken)


def table_of(row: ScheduleRow | ReminderRow) -> str:
    """The table a claimed row comes from, as ``Advance.table`` names it."""
    return "schedules" if isinstance(row, ScheduleRow) else "reminders"


def _checked(advances: list[Advance], rows: Sequence[ScheduleRow | ReminderRow]
             ) -> list[Advance]:
    """The plan's advances, refused whole if one is for a row the claim did not take:
    writing it could undo another claim's work."""
    taken = {(table_of(r), r.id) for r in rows}
    strays = [a for a in advances if (a.table, a.row_id) not in taken]
    if strays:
        raise ValueError(f"advances for rows the claim did not take: {strays[:3]}")
    return advances


class ClaimQueries(LeaseFilters, WorkspaceQueries):
    async def has_work(self, now: datetime, *, scope: ClaimScope = EVERYTHING) -> bool:
        """Whether anything is due or pending: one cheap read that lets an idle tick skip the
        write transactions (and, on SQLite, the write lock) of claiming. It asks exactly what
        the claims ask (the same conditions), so it can neither miss work nor invent it."""
        stmt = sa.select(
            sa.or_(
                sa.exists().where(self._due(t.schedules, now, scope)),
                sa.exists().where(self._due(t.reminders, now, scope)),
                sa.exists().where(self._retryable(now, scope)),
            )
        )
        async with self.read() as conn:
            return bool((await conn.execute(stmt)).scalar_one())

    async def claim_due(
        self,
        now: datetime,
        limit: int,
        plan: Plan,
        *,
        owner: str,
        send_lease: timedelta,
        scope: ClaimScope = EVERYTHING,
        per_workspace: int | None = None,
    ) -> Claimed:
        """Take up to ``limit`` due schedules and up to ``limit`` due reminders of ``scope``
        (its platforms and, for Discord channel schedules, its shards' guilds: see
        ``bot.storage.scope``), with ``per_workspace`` at most that many of each workspace
        (see :meth:`_take`); let ``plan`` turn them into advances; write the new ``next_due``
        and the ledger rows, the pending ones leased to ``owner`` for ``send_lease``.

        This runs before anything is sent: if the process dies after it, the pending ledger
        rows are resent (same nonce) on restart; if it dies before, nothing was written.
        Duplicate ledger rows are ignored by the ledger's unique key; the pending rows that
        were newly written come back.
        """
        if self.dialect == "sqlite":
            return await self._claim_optimistically(now, limit, plan, owner=owner,
                                                    send_lease=send_lease, scope=scope,
                                                    per_workspace=per_workspace)
        async with self.write() as conn:
            rows, workspaces = await self._due_rows(conn, now, scope, limit, per_workspace)
            if not rows:
                return Claimed(frozenset(), [])
            advances = _checked(plan(rows, workspaces), rows)
            await self._advance_rows(conn, advances)
            pending = await self._write_ledger(conn, advances, now, owner, send_lease)
        return Claimed(frozenset((a.table, a.row_id) for a in advances), pending)

    async def _claim_optimistically(
        self,
        now: datetime,
        limit: int,
        plan: Plan,
        *,
        owner: str,
        send_lease: timedelta,
        scope: ClaimScope,
        per_workspace: int | None,
    ) -> Claimed:
        """SQLite's claim: read and plan with no lock held, then write in one short
        transaction only the rows whose ``next_due`` is still what was read.

        SQLite has one write lock for the whole database. Held from the first read to the
        commit, as PostgreSQL holds its row locks, it was held while the event loop, busy
        with a fan-out's sends, came back to each of the claim's steps: up to a second per
        batch, during which every send that had a mark or a deal to write waited (the Slack
        fan-out went from 1.01-1.03x to 1.04-1.06x its floor). A row changed between the
        read and the write (a command moved it, another claim took it) is left out, with
        its advance: it is planned again by the next claim that finds it due.
        """
        async with self.read() as conn:
            rows, workspaces = await self._due_rows(conn, now, scope, limit, per_workspace)
        if not rows:
            return Claimed(frozenset(), [])
        advances = _checked(plan(rows, workspaces), rows)
        read_due = {(table_of(r), r.id): r.next_due for r in rows}
        async with self.write() as conn:
            moved = await self._advance_rows(conn, advances, read_due)
            advances = [a for a in advances if (a.table, a.row_id) in moved]
            pending = await self._write_ledger(conn, advances, now, owner, send_lease)
        return Claimed(frozenset(moved), pending)

    async def _due_rows(
        self, conn: AsyncConnection, now: datetime, scope: ClaimScope, limit: int,
        per_workspace: int | None,
    ) -> tuple[list[ScheduleRow | ReminderRow], dict[tuple[str, str], WorkspaceRow]]:
        """The schedules, then the reminders, a claim takes (see :meth:`_take`), with their
        workspaces."""
        rows: list[ScheduleRow | ReminderRow] = [schedule_from_tuple(r) for r in await self._take(
            conn, t.schedules, SCHEDULE_COLUMNS, now, scope, limit, per_workspace)]
        rows += [reminder_from_tuple(r) for r in await self._take(
            conn, t.reminders, REMINDER_COLUMNS, now, scope, limit, per_workspace)]
        if not rows:
            return rows, {}
        return rows, await self._workspaces_on(conn, {(r.platform, r.workspace_id)
                                                      for r in rows})

    async def _write_ledger(
        self, conn: AsyncConnection, advances: Sequence[Advance], now: datetime, owner: str,
        send_lease: timedelta,
    ) -> list[DeliveryRow]:
        to_insert = [ledger_values(d, now=now, owner=owner, send_lease=send_lease)
                     for adv in advances for d in adv.deliveries]
        return await self._insert_ledger(conn, to_insert) if to_insert else []

    async def _take(
        self,
        conn: AsyncConnection,
        table: sa.Table,
        columns: Sequence[str],
        now: datetime,
        scope: ClaimScope,
        limit: int,
        per_workspace: int | None,
    ) -> Sequence[sa.Row[Any]]:
        """Read (on PostgreSQL, lock) the rows due first, or with ``per_workspace`` the first
        few of EVERY workspace with rows due (ranked within their workspace, then taken rank
        by rank): a tick's first claim, so a workspace with a handful due is not claimed
        after another's thousands. That ranking reads every due row once, which is why only
        a first claim asks for it; the later claims take the rest by ``next_due`` from the
        index."""
        due = self._due(table, now, scope)
        picked = [table.c[name] for name in columns]
        if per_workspace is None:
            stmt = sa.select(*picked).where(due).order_by(table.c.next_due).limit(limit)
        else:
            # A window function cannot lock rows, so the ranking picks ids and the outer
            # query locks them, asking ``due`` again: PostgreSQL re-checks a row it locks
            # against the newest version, so one another process advanced meanwhile is left.
            rank = sa.func.row_number().over(
                partition_by=(table.c.platform, table.c.workspace_id),
                order_by=(table.c.next_due, table.c.id),
            )
            ranked = sa.select(table.c.id, table.c.next_due, rank.label("rank")).where(due)
            ranked_q = ranked.subquery()
            pick = (
                sa.select(ranked_q.c.id)
                .where(ranked_q.c.rank <= per_workspace)
                .order_by(ranked_q.c.rank, ranked_q.c.next_due)
                .limit(limit)
            )
            stmt = sa.select(*picked).where(table.c.id.in_(pick.scalar_subquery()), due)
        if self.dialect == "postgresql":
            stmt = stmt.with_for_update(skip_locked=True)
        return (await conn.execute(stmt)).all()

    async def _insert_ledger(
        self, conn: AsyncConnection, values: list[dict[str, Any]]
    ) -> list[DeliveryRow]:
        """Insert ledger rows (multi-row INSERTs, duplicates ignored by the unique key) and
        return the pending ones that were new. Only ids and keys come back: the rest of each
        row is what was just written, so reading every column back (and converting each
        datetime again) would only cost time per row."""
        inserted = await bulk.insert_ledger(conn, values)
        by_nonce = {v["nonce"]: v for v in values}
        pending: list[DeliveryRow] = []
        for row_id, nonce in inserted:
            v = by_nonce[nonce]
            if v["status"] == LedgerStatus.PENDING:
                pending.append(new_delivery_record(row_id, v))
        return pending

    async def _advance_rows(
        self,
        conn: AsyncConnection,
        advances: Sequence[Advance],
        read_due: dict[tuple[str, int], datetime | None] | None = None,
    ) -> set[tuple[str, int]]:
        """Set the new ``next_due`` (and extra updates) of the claimed rows, with
        ``read_due`` only where ``next_due`` is still the one read (SQLite's claim); returns
        the (table, id) of the rows moved. Rows that only move on go in one statement per
        batch (``bulk.advance``); the rare ones with more to change (parked, snooze cleared)
        one statement each."""
        moved: set[tuple[str, int]] = set()
        groups: dict[tuple[str, tuple[str, ...]], list[Advance]] = {}
        for adv in advances:
            groups.setdefault((adv.table, tuple(sorted(adv.updates))), []).append(adv)
        for (name, columns), group in groups.items():
            if not columns:  # the usual case: only next_due changes, one statement per batch
                rows = [(adv.row_id, adv.next_due) for adv in group]
                was = None if read_due is None else [read_due[(name, r)] for r, _ in rows]
                moved.update((name, r) for r in await bulk.advance(conn, name, rows, was))
                continue
            table = _LEASABLE[name]
            for adv in group:
                stmt = (
                    sa.update(table)
                    .where(table.c.id == adv.row_id)
                    .values(next_due=adv.next_due, lease_owner=None, lease_until=None,
                            **{c: adv.updates[c] for c in columns})
                    .returning(table.c.id)
                )
                if read_due is not None:
                    stmt = stmt.where(bulk.same_instant(table.c.next_due,
                                                        read_due[(name, adv.row_id)]))
                if (await conn.execute(stmt)).first() is not None:
                    moved.add((name, adv.row_id))
        return moved

    async def release_leases(self, owner: str) -> None:
        """Drop every send lease ``owner`` holds on the ledger (graceful stop: others may take
        the work now). Schedules and reminders are never left leased: a claim holds them
        only for its transaction."""
        async with self.write() as conn:
            d = t.deliveries
            await conn.execute(
                sa.update(d).where(d.c.lease_owner == owner).values(lease_owner=None,
                                                                    lease_until=None))
