"""Which rows a process may take: the SQL predicates shared by claims and the ledger.

A row is free when nobody holds an unexpired lease on it; it is in a process's scope when it
belongs to one of the process's platforms (and, for Discord channel schedules, its shards, or
is overdue enough for anyone to take over; see :mod:`bot.storage.scope`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.sql import operators
from sqlalchemy.sql.expression import UnaryExpression

from bot.storage import tables as t
from bot.storage.base import Database
from bot.storage.records import LedgerStatus
from bot.storage.scope import DISCORD, ClaimScope


def held_by(table: sa.Table, lineage: str) -> sa.ColumnElement[bool]:
    """Rows leased to ``lineage`` itself or to one of its lives (``lineage/pid:random``)."""
    owner = table.c.lease_owner
    return sa.or_(owner == lineage, owner.startswith(lineage + "/", autoescape=True))


def lease_free(table: sa.Table, now: datetime) -> sa.ColumnElement[bool]:
    """Rows nobody holds: never leased, or their lease ran out before ``now``."""
    return sa.or_(table.c.lease_until.is_(None), table.c.lease_until < now)


class LeaseFilters(Database):
    def _due(self, table: sa.Table, now: datetime, scope: ClaimScope) -> sa.ColumnElement[bool]:
        """Schedules or reminders a tick of ``scope`` may claim now: due, active, not held.

        Only schedules are split by Discord shard (a channel belongs to a guild's gateway);
        a reminder is a DM, which any process of the platform can send.
        """
        schedules = table is t.schedules
        active = table.c.paused.is_(False) if schedules else table.c.enabled.is_(True)
        return sa.and_(
            table.c.next_due <= now,
            active,
            lease_free(table, now),
            self._in_scope(table, scope, now, by_shard=schedules),
        )

    def _retryable(
        self, now: datetime, scope: ClaimScope, reclaim_from: str | None = None
    ) -> sa.ColumnElement[bool]:
        """Pending ledger rows due for a (re)send and not held, of ``scope``'s platforms; with
        ``reclaim_from``, also those still held by that owner (see claim_retryable_deliveries)."""
        d = t.deliveries
        ready = sa.and_(d.c.next_attempt_at <= now, lease_free(d, now))
        if reclaim_from is not None:
            ready = sa.or_(ready, held_by(d, reclaim_from))
        return sa.and_(
            d.c.status == LedgerStatus.PENDING.value,
            ready,
            self._in_scope(d, scope, now, by_shard=False),
        )

    def _in_scope(
        self, table: sa.Table, scope: ClaimScope, now: datetime, *, by_shard: bool
    ) -> sa.ColumnElement[bool]:
        """The rows ``scope`` may claim: its platforms and, with ``by_shard``, Discord guilds
        of its shards, or any guild once a row is ``takeover_after`` overdue."""
        conditions: list[sa.ColumnElement[bool]] = []
        if scope.platforms is not None:
            conditions.append(self._not_indexed(table.c.platform).in_(sorted(scope.platforms)))
        if by_shard and scope.shard_count is not None and scope.shard_ids is not None:
            shard = self._shard_expr(table.c.workspace_id, scope.shard_count)
            conditions.append(
                sa.or_(
                    table.c.platform != DISCORD,
                    shard.in_(sorted(scope.shard_ids)),
                    table.c.next_due <= now - scope.takeover_after,
                )
            )
        return sa.and_(sa.true(), *conditions)

    def _not_indexed(self, column: sa.ColumnElement[str]) -> sa.ColumnElement[str]:
        """``column`` as a filter the SQLite planner may not drive an index search with.

        Without ``ANALYZE`` statistics SQLite ranks an equality (``platform = ?``, which a
        one-platform ``IN`` becomes) above the ``next_due <= ?`` range, so it walked every
        row of the platform through the ``(platform, workspace_id, user_id)`` unique index
        (``ix_schedules_workspace`` for schedules) and sorted them: every tick, idle ones
        too, cost O(rows stored), ~0.3 s per statement at 1M reminders. A unary ``+`` is
        SQLite's documented way to disqualify a term from index use; the ``next_due`` index
        is then the only search, and a tick costs O(due). PostgreSQL keeps statistics and
        plans this right on its own.
        """
        if self.dialect != "sqlite":
            return column
        return UnaryExpression(column, operator=operators.custom_op("+"), type_=column.type)

    def _shard_expr(self, guild_id: sa.ColumnElement[str], shard_count: int) -> Any:
        """``(guild_id >> 22) % shard_count`` in SQL; NULL (PostgreSQL) for a non-numeric id.

        PostgreSQL goes through NUMERIC so a 20-digit id cannot overflow BIGINT, and the CASE
        keeps the cast away from ids that are not digits (a cast error would fail the claim).
        """
        if self.dialect == "postgresql":
            shifted = sa.func.div(sa.cast(guild_id, sa.Numeric), 1 << 22)
            return sa.case(
                (guild_id.regexp_match("^[0-9]{1,20}$"), sa.func.mod(shifted, shard_count)),
                else_=sa.null(),
            )
        return sa.cast(guild_id, sa.BigInteger).op(">>")(22) % shard_count
