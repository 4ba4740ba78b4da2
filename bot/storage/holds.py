"""Held personal nudges: ledger rows waiting for their person to be free (issue 16).

A hold is a state of the delivery's own ledger row, not a copy of it: the row keeps its
slot, target and nonce, so a held nudge is still exactly one delivery. ``status = 'held'``
with ``next_attempt_at`` = when to decide again and ``detail`` = why it waits. Being not
``pending``, a held row is outside the grace expiry (``fail_expired_deliveries``) and the
retry claim; :meth:`Holds.claim_due` leases it when its time comes, and it stays ``held``
while leased, so a crash mid-send leaves it held and its lease simply runs out: the next
process decides again and sends it with the same nonce. Nothing is lost or doubled by a
restart.

Every write changes only rows in the state the caller saw (pending or held), so a row
another process already settled is never turned back. A self-contained module beside the
Store (its engine and tables), as bot/storage/meetings.py is.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

import sqlalchemy as sa

from bot.storage import tables as t
from bot.storage.records import DeliveryRow, LedgerStatus, ReminderRow
from bot.storage.rows import delivery_record as _delivery
from bot.storage.rows import reminder_record as _reminder
from bot.storage.scope import EVERYTHING, ClaimScope
from bot.storage.store import Store

_PENDING = LedgerStatus.PENDING.value
_HELD = LedgerStatus.HELD.value


class Holds:
    def __init__(self, store: Store) -> None:
        self._store = store

    # -- holding and settling ------------------------------------------------------------

    async def hold(self, delivery_id: int, *, until: datetime, reason: str, now: datetime
                   ) -> bool:
        """Hold a pending (or re-hold a held) row until ``until``; False if it was settled
        meanwhile. The lease is dropped: whoever's tick comes first after ``until`` decides."""
        d = t.deliveries
        stmt = (
            sa.update(d)
            .where(d.c.id == delivery_id, d.c.status.in_((_PENDING, _HELD)))
            .values(status=_HELD, next_attempt_at=until, detail=reason[:300],
                    lease_owner=None, lease_until=None, updated_at=now)
        )
        async with self._store.write() as conn:
            result = await conn.execute(stmt)
        return bool(result.rowcount)

    async def finish(self, delivery_id: int, status: LedgerStatus, *, now: datetime,
                     detail: str | None = None, was: LedgerStatus = LedgerStatus.HELD
                     ) -> bool:
        """Settle a row still in state ``was`` (sent, skipped = dropped, or failed)."""
        d = t.deliveries
        values: dict[str, object] = {
            "status": status.value, "detail": detail, "next_attempt_at": None,
            "lease_owner": None, "lease_until": None, "updated_at": now,
        }
        if status is not LedgerStatus.SKIPPED:
            values["attempts"] = d.c.attempts + 1
        if status is LedgerStatus.SENT:
            values["sent_at"] = now
        stmt = sa.update(d).where(d.c.id == delivery_id, d.c.status == was.value).values(
            **values)
        async with self._store.write() as conn:
            result = await conn.execute(stmt)
        return bool(result.rowcount)

    # -- releasing ---------------------------------------------------------------------------

    def _due(self, now: datetime, scope: ClaimScope, reclaim_from: str | None
             ) -> sa.ColumnElement[bool]:
        d = t.deliveries
        free = sa.or_(d.c.lease_until.is_(None), d.c.lease_until < now)
        ready = sa.and_(d.c.next_attempt_at <= now, free)
        if reclaim_from is not None:  # this lineage's previous life died holding them
            owner = d.c.lease_owner
            ready = sa.or_(ready, owner == reclaim_from,
                           owner.startswith(reclaim_from + "/", autoescape=True))
        conditions = [d.c.status == _HELD, ready]
        if scope.platforms is not None:
            conditions.append(d.c.platform.in_(sorted(scope.platforms)))
        return sa.and_(*conditions)

    async def has_due(self, now: datetime, *, scope: ClaimScope = EVERYTHING) -> bool:
        """Whether a held row is due to be decided again (an idle tick's one cheap read)."""
        stmt = sa.select(sa.exists().where(self._due(now, scope, None)))
        async with self._store.read() as conn:
            return bool((await conn.execute(stmt)).scalar_one())

    async def claim_due(self, now: datetime, owner: str, lease: timedelta, limit: int, *,
                        scope: ClaimScope = EVERYTHING, reclaim_from: str | None = None
                        ) -> list[DeliveryRow]:
        """Lease held rows whose time has come; they stay ``held`` until settled."""
        d = t.deliveries
        pick = (sa.select(d.c.id).where(self._due(now, scope, reclaim_from))
                .order_by(d.c.next_attempt_at).limit(limit))
        if self._store.dialect == "postgresql":
            pick = pick.with_for_update(skip_locked=True)
        stmt = (sa.update(d).where(d.c.id.in_(pick.scalar_subquery()))
                .values(lease_owner=owner, lease_until=now + lease).returning(*d.c))
        async with self._store.write() as conn:
            return [_delivery(r) for r in (await conn.execute(stmt)).mappings()]

    # -- reading -------------------------------------------------------------------------------

    async def held_for(self, target_key: str) -> DeliveryRow | None:
        """The person's held nudge, if one waits (for /remind status)."""
        d = t.deliveries
        stmt = (sa.select(d).where(d.c.target_key == target_key, d.c.status == _HELD)
                .order_by(d.c.slot.desc()).limit(1))
        async with self._store.read() as conn:
            row = (await conn.execute(stmt)).mappings().first()
        return None if row is None else _delivery(row)

    async def reminders(self, ids: Sequence[int]) -> dict[int, ReminderRow]:
        """Reminders by id, in one query per 500 (a fan-out's worth of working hours)."""
        r = t.reminders
        found: dict[int, ReminderRow] = {}
        unique = sorted(set(ids))
        async with self._store.read() as conn:
            for start in range(0, len(unique), 500):
                stmt = sa.select(r).where(r.c.id.in_(unique[start:start + 500]))
                for row in (await conn.execute(stmt)).mappings():
                    found[row["id"]] = _reminder(row)
        return found

    async def upcoming(self, now: datetime, until: datetime, limit: int, *,
                       scope: ClaimScope = EVERYTHING) -> list[ReminderRow]:
        """Enabled reminders due in ``(now, until]``: whose presence and calendar to check
        ahead of their slot, so the checks are cached when the nudge is due."""
        r = t.reminders
        conditions = [r.c.enabled.is_(True), r.c.next_due > now, r.c.next_due <= until]
        if scope.platforms is not None:
            conditions.append(r.c.platform.in_(sorted(scope.platforms)))
        stmt = sa.select(r).where(*conditions).order_by(r.c.next_due).limit(limit)
        async with self._store.read() as conn:
            return [_reminder(row) for row in (await conn.execute(stmt)).mappings()]
