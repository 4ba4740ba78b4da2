"""Claiming due work: leasing due schedules and reminders, and advancing them in one
transaction with the ledger rows their sends will need.

Concurrency model: one process is the default, but claims are written so several processes
can share one PostgreSQL database — a claim takes rows with ``FOR UPDATE SKIP LOCKED`` and
stamps a lease (owner + expiry) on them; another process skips leased rows until the lease
runs out, so a crashed process's work is picked up without double sends.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.storage import bulk
from bot.storage import tables as t
from bot.storage.leases import LeaseFilters, lease_free
from bot.storage.ledger import ledger_values
from bot.storage.records import Advance, DeliveryRow, LedgerStatus, ReminderRow, ScheduleRow
from bot.storage.rows import (
    REMINDER_COLUMNS,
    SCHEDULE_COLUMNS,
    new_delivery_record,
    reminder_from_tuple,
    schedule_from_tuple,
)
from bot.storage.scope import EVERYTHING, ClaimScope

log = logging.getLogger(__name__)

_LEASABLE = {"schedules": t.schedules, "reminders": t.reminders}


class ClaimQueries(LeaseFilters):
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

    async def claim_due_schedules(
        self,
        now: datetime,
        owner: str,
        lease: timedelta,
        limit: int,
        *,
        scope: ClaimScope = EVERYTHING,
        per_workspace: int | None = None,
    ) -> list[ScheduleRow]:
        """Lease up to ``limit`` unpaused schedules whose ``next_due <= now`` (indexed), of
        ``scope``'s platforms and, for Discord, its shards' guilds (see ``bot.storage.scope``);
        with ``per_workspace``, at most that many of each workspace (see :meth:`_claim`)."""
        rows = await self._claim(t.schedules, SCHEDULE_COLUMNS, now, scope, owner, lease, limit,
                                 per_workspace)
        return [schedule_from_tuple(r) for r in rows]

    async def claim_due_reminders(
        self,
        now: datetime,
        owner: str,
        lease: timedelta,
        limit: int,
        *,
        scope: ClaimScope = EVERYTHING,
        per_workspace: int | None = None,
    ) -> list[ReminderRow]:
        """Lease up to ``limit`` enabled reminders whose ``next_due <= now`` (indexed), of
        ``scope``'s platforms; DMs need no guild, so any process of the platform may take one.
        ``per_workspace`` as for schedules."""
        rows = await self._claim(t.reminders, REMINDER_COLUMNS, now, scope, owner, lease, limit,
                                 per_workspace)
        return [reminder_from_tuple(r) for r in rows]

    async def _claim(
        self,
        table: sa.Table,
        columns: Sequence[str],
        now: datetime,
        scope: ClaimScope,
        owner: str,
        lease: timedelta,
        limit: int,
        per_workspace: int | None = None,
    ) -> Sequence[sa.Row[Any]]:
        """The rows due first, or with ``per_workspace`` the first few of EVERY workspace with
        rows due (ranked within their workspace, then taken rank by rank): a tick's first
        claim, so a workspace with a handful due is not claimed after another's thousands.
        That ranking reads every due row once, which is why only a first claim asks for it;
        the later claims take the rest by ``next_due`` from the index."""
        due = self._due(table, now, scope)
        # Only the ids' own rows are touched: a condition on the outer UPDATE that the
        # next_due index could serve makes PostgreSQL drive the update from that index and
        # re-run the subquery per row (10,000 due: minutes instead of milliseconds).
        still_free: sa.ColumnElement[bool] = sa.true()
        if per_workspace is None:
            pick = sa.select(table.c.id).where(due).order_by(table.c.next_due).limit(limit)
            if self.dialect == "postgresql":
                pick = pick.with_for_update(skip_locked=True)
        else:
            # No row locks with a window function: a row another process leased meanwhile is
            # left to it by checking its lease again in the UPDATE (read committed re-reads
            # a row it waited for).
            still_free = lease_free(table, now)
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
        stmt = (
            sa.update(table)
            .where(table.c.id.in_(pick.scalar_subquery()), still_free)
            .values(lease_owner=owner, lease_until=now + lease)
            .returning(*(table.c[name] for name in columns))
        )
        async with self.write() as conn:
            return (await conn.execute(stmt)).all()

    async def apply_advances(
        self,
        advances: Sequence[Advance],
        *,
        owner: str,
        now: datetime,
        send_lease: timedelta,
    ) -> list[DeliveryRow]:
        """Write ledger rows and advance ``next_due`` for claimed rows, in ONE transaction.

        This runs before anything is sent: if the process dies after it, the pending ledger
        rows are resent (same nonce) on restart; if it dies before, nothing was recorded and
        the claim's lease simply expires. A row whose lease this owner no longer holds is left
        alone. Returns the pending rows that were newly written (duplicates are ignored by
        the ledger's unique key).
        """
        pending: list[DeliveryRow] = []
        async with self.write() as conn:
            to_insert: list[dict[str, Any]] = []
            held = await self._advance_rows(conn, advances, owner)
            for adv in advances:
                if (adv.table, adv.row_id) not in held:
                    log.warning("lost the lease on %s %s; leaving it", adv.table, adv.row_id)
                    continue
                to_insert.extend(
                    ledger_values(d, now=now, owner=owner, send_lease=send_lease)
                    for d in adv.deliveries
                )
            if to_insert:
                pending = await self._insert_ledger(conn, to_insert)
        return pending

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
        self, conn: AsyncConnection, advances: Sequence[Advance], owner: str
    ) -> set[tuple[str, int]]:
        """Set the new ``next_due`` (and extra updates) of the claimed rows this owner still
        leases: rows that only move on in one statement per batch (``bulk.advance``), the
        rare ones with more to change (parked, snooze cleared) as one executemany per table
        and update shape; returns the (table, id) pairs it advanced."""
        held: set[tuple[str, int]] = set()
        groups: dict[tuple[str, tuple[str, ...]], list[Advance]] = {}
        for adv in advances:
            groups.setdefault((adv.table, tuple(sorted(adv.updates))), []).append(adv)
        for (name, columns), group in groups.items():
            if not columns:  # the usual case: only next_due changes, one statement per batch
                pairs = [(adv.row_id, adv.next_due) for adv in group]
                held.update((name, row_id) for row_id in await bulk.advance(conn, name, pairs,
                                                                             owner))
                continue
            table = _LEASABLE[name]
            ids = [adv.row_id for adv in group]
            mine: set[int] = set()
            for start in range(0, len(ids), 500):
                pick = sa.select(table.c.id).where(
                    table.c.id.in_(ids[start : start + 500]), table.c.lease_owner == owner
                )
                if self.dialect == "postgresql":
                    pick = pick.with_for_update()
                mine.update((await conn.execute(pick)).scalars())
            params = [
                {"b_id": adv.row_id, "b_next_due": adv.next_due}
                | {f"b_{c}": adv.updates[c] for c in columns}
                for adv in group
                if adv.row_id in mine
            ]
            if not params:
                continue
            stmt = (
                sa.update(table)
                .where(table.c.id == sa.bindparam("b_id"), table.c.lease_owner == owner)
                .values(
                    next_due=sa.bindparam("b_next_due"),
                    lease_owner=None,
                    lease_until=None,
                    **{c: sa.bindparam(f"b_{c}") for c in columns},
                )
            )
            await conn.execute(stmt, params)
            held.update((name, row_id) for row_id in mine)
        return held

    async def release_leases(self, owner: str) -> None:
        """Drop every lease ``owner`` holds (graceful stop: others may take the work now)."""
        async with self.write() as conn:
            for table in (t.schedules, t.reminders, t.deliveries):
                await conn.execute(
                    sa.update(table)
                    .where(table.c.lease_owner == owner)
                    .values(lease_owner=None, lease_until=None)
                )
