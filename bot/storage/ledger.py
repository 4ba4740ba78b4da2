"""The delivery ledger: one row per (source, slot, target), written before anything is sent.

The unique key makes a send recorded at most once however many processes race for it; the
nonce stored with the row makes a resend after a crash one Discord drops as a repeat. Retries
are leased like claims, and a settled row (sent, failed) never goes back to pending.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

from bot.storage import bulk
from bot.storage import tables as t
from bot.storage.leases import LeaseFilters, held_by, lease_free
from bot.storage.records import DeliveryRow, LedgerStatus, NewDelivery
from bot.storage.rows import delivery_record
from bot.storage.scope import EVERYTHING, ClaimScope


def new_nonce() -> str:
    """A random 24-character nonce; Discord accepts up to 25 and drops repeats of one."""
    return secrets.token_hex(12)


def ledger_values(
    new: NewDelivery,
    *,
    now: datetime,
    owner: str,
    send_lease: timedelta,
    queue_until: datetime | None = None,
) -> dict[str, Any]:
    """A new ledger row with a fresh nonce. A pending one is leased to ``owner`` for the send
    about to happen, or, with ``queue_until``, left unleased until then for a tick to send;
    a settled one (skipped) is neither due nor held."""
    pending = new.status == LedgerStatus.PENDING
    leased = pending and queue_until is None
    return {
        "source": new.source,
        "slot": new.slot,
        "target_key": new.target_key,
        "platform": new.platform,
        "workspace_id": new.workspace_id,
        "target_kind": new.target_kind,
        "target_id": new.target_id,
        "kind": new.kind,
        "status": str(new.status),
        "nonce": new_nonce(),
        "attempts": 0,
        "detail": new.detail,
        "next_attempt_at": (queue_until or now) if pending else None,
        "lease_owner": owner if leased else None,
        "lease_until": now + send_lease if leased else None,
        "created_at": now,
        "updated_at": now,
    }



class LedgerQueries(LeaseFilters):
    async def record_delivery(
        self,
        new: NewDelivery,
        *,
        owner: str,
        now: datetime,
        send_lease: timedelta,
        queue_until: datetime | None = None,
    ) -> DeliveryRow | None:
        """Write one ledger row outside a claim (e.g. a test post); None if it already exists.

        With ``queue_until`` the row is not leased for sending now: it waits, pending, until
        then and the scheduler's tick sends it like a due retry (a one-off snoozed nudge).
        """
        values = ledger_values(
            new, now=now, owner=owner, send_lease=send_lease, queue_until=queue_until
        )
        stmt = (
            self._insert(t.deliveries)
            .values(**values)
            .on_conflict_do_nothing(
                index_elements=[
                    t.deliveries.c.source,
                    t.deliveries.c.slot,
                    t.deliveries.c.target_key,
                ]
            )
            .returning(*t.deliveries.c)
        )
        async with self.write() as conn:
            row = (await conn.execute(stmt)).mappings().first()
        return None if row is None else delivery_record(row)

    async def claim_retryable_deliveries(
        self,
        now: datetime,
        owner: str,
        lease: timedelta,
        limit: int,
        *,
        reclaim_from: str | None = None,
        scope: ClaimScope = EVERYTHING,
    ) -> list[DeliveryRow]:
        """Lease pending ledger rows that are due for a (re)send.

        Normally that is rows whose ``next_attempt_at`` has come and whose lease has expired.
        With ``reclaim_from`` (used once at start-up) rows still leased by that lineage (the
        owner itself or ``reclaim_from/...``) are taken too regardless of ``next_attempt_at``:
        they belong to this instance's previous life, which died mid-send. Only rows of
        ``scope``'s platforms are taken: any process of the platform can send to any channel
        or DM (REST needs no gateway shard).
        """
        d = t.deliveries
        pick = (
            sa.select(d.c.id)
            .where(self._retryable(now, scope, reclaim_from))
            .order_by(d.c.next_attempt_at)
            .limit(limit)
        )
        if self.dialect == "postgresql":
            pick = pick.with_for_update(skip_locked=True)
        stmt = (
            sa.update(d)
            .where(d.c.id.in_(pick.scalar_subquery()))
            .values(lease_owner=owner, lease_until=now + lease)
            .returning(*d.c)
        )
        async with self.write() as conn:
            return [delivery_record(r) for r in (await conn.execute(stmt)).mappings()]

    async def finish_delivery(
        self,
        delivery_id: int,
        status: LedgerStatus,
        *,
        now: datetime,
        detail: str | None = None,
        next_attempt_at: datetime | None = None,
    ) -> None:
        """Record one send attempt's outcome and drop the lease.

        ``status`` pending with ``next_attempt_at`` means "retry then"; sent/failed are final.
        Only a pending row changes: when a lease ran out while its owner was merely slow, two
        processes may both report on one row, and a late "retry" or "failed" must never turn a
        row another process already recorded as sent back into pending (and so into a resend).
        """
        values: dict[str, Any] = {
            "status": str(status),
            "attempts": t.deliveries.c.attempts + 1,
            "detail": detail,
            "next_attempt_at": next_attempt_at,
            "lease_owner": None,
            "lease_until": None,
            "updated_at": now,
        }
        if status == LedgerStatus.SENT:
            values["sent_at"] = now
        async with self.write() as conn:
            await conn.execute(
                sa.update(t.deliveries)
                .where(
                    t.deliveries.c.id == delivery_id,
                    t.deliveries.c.status == LedgerStatus.PENDING.value,
                )
                .values(**values)
            )

    async def finish_sent_deliveries(self, delivery_ids: Sequence[int], *, now: datetime) -> None:
        """Mark many sends as sent in one statement (what a fan-out's marks cost: one write,
        not one transaction per message). Like :meth:`finish_delivery`, only pending rows
        change."""
        async with self.write() as conn:
            await bulk.mark_sent(conn, list(delivery_ids), now)

    async def fail_expired_deliveries(
        self, cutoff: datetime, now: datetime, *, owner: str, scope: ClaimScope = EVERYTHING
    ) -> int:
        """Mark pending rows whose slot is older than ``cutoff`` as failed (missed grace).

        Rows another live process is sending (unexpired lease, other owner) are left alone,
        and so are other platforms' rows (their own processes judge them). ``owner`` is an
        instance id or a lineage (see ``bot.scheduling.instance``): rows held by any of its
        lives are judged as its own.
        """
        d = t.deliveries
        stmt = (
            sa.update(d)
            .where(
                d.c.status == LedgerStatus.PENDING.value,
                d.c.slot < cutoff,
                sa.or_(lease_free(d, now), held_by(d, owner)),
                self._in_scope(d, scope, now, by_shard=False),
            )
            .values(
                status=LedgerStatus.FAILED.value,
                detail="missed the grace period",
                lease_owner=None,
                lease_until=None,
                next_attempt_at=None,
                updated_at=now,
            )
        )
        async with self.write() as conn:
            result = await conn.execute(stmt)
        return int(result.rowcount)

    async def get_delivery(self, delivery_id: int) -> DeliveryRow | None:
        async with self.read() as conn:
            row = (
                (
                    await conn.execute(
                        sa.select(t.deliveries).where(t.deliveries.c.id == delivery_id)
                    )
                )
                .mappings()
                .first()
            )
        return None if row is None else delivery_record(row)

    async def list_deliveries(
        self, *, source: str | None = None, status: LedgerStatus | None = None
    ) -> list[DeliveryRow]:
        """Ledger rows in slot order (for inspection, status pages and tests)."""
        stmt = sa.select(t.deliveries).order_by(t.deliveries.c.slot, t.deliveries.c.id)
        if source is not None:
            stmt = stmt.where(t.deliveries.c.source == source)
        if status is not None:
            stmt = stmt.where(t.deliveries.c.status == status.value)
        async with self.read() as conn:
            return [delivery_record(r) for r in (await conn.execute(stmt)).mappings()]
