"""The one database gateway: SQLAlchemy 2 async Core, SQLite by default, PostgreSQL for scale.

Why Core and not ORM sessions: every hot path here (claiming due rows, writing the ledger,
marking sends) is a handful of set-based statements; an identity map would only add cost.
All SQL is built with SQLAlchemy expressions, so every value is a bound parameter.

Concurrency model: one process is the default, but claims are written so several processes
can share one PostgreSQL database — a claim takes rows with ``FOR UPDATE SKIP LOCKED`` and
stamps a lease (owner + expiry) on them; another process skips leased rows until the lease
runs out, so a crashed process's work is picked up without double sends.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import secrets
from collections.abc import Callable, Iterable, Sequence
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine
from sqlalchemy.sql import operators
from sqlalchemy.sql.expression import UnaryExpression

from bot.core.clock import Clock, SystemClock
from bot.storage import tables as t
from bot.storage.records import (
    Advance,
    DeliveryRow,
    HistoryRow,
    LedgerStatus,
    NewDelivery,
    ReminderRow,
    ScheduleRow,
    Spec,
    WorkspaceRow,
)
from bot.storage.scope import DISCORD, EVERYTHING, ClaimScope
from bot.storage.urls import describe, parse_database_url

log = logging.getLogger(__name__)

DEFAULT_URL = "sqlite+aiosqlite:///./data/deskbreak.sqlite3"
MIGRATIONS_DIR = Path(__file__).with_name("migrations")
SQLITE_BUSY_TIMEOUT_MS = 5000

_LEASABLE = {"schedules": t.schedules, "reminders": t.reminders}
_Timed = TypeVar("_Timed", ScheduleRow, ReminderRow)  # the rows that carry a next_due
_Record = TypeVar("_Record", WorkspaceRow, ScheduleRow, ReminderRow, DeliveryRow)


def new_nonce() -> str:
    """A random 24-character nonce; Discord accepts up to 25 and drops repeats of one."""
    return secrets.token_hex(12)


def create_store(
    url: str | None = None, *, clock: Clock | None = None, echo: bool = False
) -> Store:
    """Build a :class:`Store` for a SQLite or PostgreSQL URL (accepted forms: bot/storage/urls.py).

    For SQLite the parent folder is created and every connection is switched to WAL with a
    busy timeout, so readers never block the scheduler and short write races wait, not fail.
    """
    opened = parse_database_url(url or DEFAULT_URL)  # DatabaseUrlError: one line
    parsed = opened.url
    kwargs: dict[str, Any] = {"echo": echo, "connect_args": dict(opened.connect_args)}
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database or ""
        if database and database != ":memory:" and not database.startswith("file:"):
            Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        kwargs["connect_args"]["timeout"] = SQLITE_BUSY_TIMEOUT_MS / 1000
    else:
        kwargs["pool_pre_ping"] = True
    engine = create_async_engine(parsed, **kwargs)
    if parsed.get_backend_name() == "sqlite":
        sa.event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
    return Store(engine, clock=clock)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


class StoreUnavailable(RuntimeError):
    """The database cannot be opened or brought up to date; the message is one clear line."""


def db_error(exc: BaseException) -> str:
    """The driver's own one-line reason ("file is not a database"), without SQLAlchemy's
    statement dump, so logs say what is wrong and never repeat parameters."""
    orig = getattr(exc, "orig", None)
    text = str(orig if orig is not None else exc).strip()
    return (text.splitlines() or [type(exc).__name__])[0][:200]


class Store:
    """Async API over the deskbreak database. Every method is one short transaction."""

    def __init__(self, engine: AsyncEngine, *, clock: Clock | None = None) -> None:
        self.engine = engine
        self.clock = clock or SystemClock()

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    async def close(self) -> None:
        await self.engine.dispose()

    # ------------------------------------------------------------------ migrations

    async def migrate(self, revision: str = "head") -> None:
        """Bring the schema to ``revision`` (default: latest) with Alembic, in-process.

        This is the first thing a start does with the database, so a database that cannot
        be opened (corrupt file, locked, disk full, wrong password) surfaces here as one
        :class:`StoreUnavailable` line rather than a driver traceback.
        """
        try:
            async with self.engine.begin() as conn:
                await conn.run_sync(_run_alembic, "upgrade", revision)
        except (sa.exc.SQLAlchemyError, OSError) as exc:
            where = describe(self.engine.url)
            raise StoreUnavailable(f"cannot use the database {where}: {db_error(exc)}") from exc

    async def schema_revision(self) -> str | None:
        async with self.engine.connect() as conn:
            return await conn.run_sync(_current_revision)

    # ------------------------------------------------------------------ helpers

    def _insert(self, table: sa.Table) -> Any:
        """A dialect insert, so ``on_conflict_*`` is available on both backends."""
        if self.dialect == "postgresql":
            return postgresql.insert(table)
        return sqlite.insert(table)

    def _now(self) -> datetime:
        return self.clock.now()

    # ------------------------------------------------------------------ workspaces

    async def get_workspace(self, platform: str, workspace_id: str) -> WorkspaceRow:
        """The workspace's settings; defaults (UTC, no quiet hours) when never configured."""
        async with self.engine.connect() as conn:
            row = (
                (
                    await conn.execute(
                        sa.select(t.workspaces).where(
                            t.workspaces.c.platform == platform,
                            t.workspaces.c.workspace_id == workspace_id,
                        )
                    )
                )
                .mappings()
                .first()
            )
        if row is None:
            return WorkspaceRow(platform=platform, workspace_id=workspace_id)
        return _workspace(row)

    async def get_workspaces(
        self, keys: Iterable[tuple[str, str]]
    ) -> dict[tuple[str, str], WorkspaceRow]:
        """Several workspaces in one query (the scheduler looks up all it needs per tick)."""
        wanted = set(keys)
        found: dict[tuple[str, str], WorkspaceRow] = {k: WorkspaceRow(*k) for k in wanted}
        if not wanted:
            return found
        cond = sa.tuple_(t.workspaces.c.platform, t.workspaces.c.workspace_id).in_(list(wanted))
        async with self.engine.connect() as conn:
            for row in (await conn.execute(sa.select(t.workspaces).where(cond))).mappings():
                found[(row["platform"], row["workspace_id"])] = _workspace(row)
        return found

    async def update_workspace(
        self, platform: str, workspace_id: str, **changes: Any
    ) -> WorkspaceRow:
        """Set some of timezone, quiet_start, quiet_end, skip_dates, admin_channel_id."""
        async with self.engine.begin() as conn:
            return await self._upsert_workspace(conn, platform, workspace_id, changes)

    async def _upsert_workspace(
        self, conn: AsyncConnection, platform: str, workspace_id: str, changes: dict[str, Any]
    ) -> WorkspaceRow:
        allowed = {"timezone", "quiet_start", "quiet_end", "skip_dates", "admin_channel_id"}
        unknown = set(changes) - allowed
        if unknown:
            raise ValueError(f"unknown workspace fields: {sorted(unknown)}")
        values = dict(changes)
        if "skip_dates" in values:
            values["skip_dates"] = sorted({d.isoformat() for d in values["skip_dates"]})
        values["updated_at"] = self._now()
        insert_values = {"platform": platform, "workspace_id": workspace_id, "skip_dates": []}
        insert_values.update(values)
        stmt = self._insert(t.workspaces).values(**insert_values)
        stmt = stmt.on_conflict_do_update(
            index_elements=[t.workspaces.c.platform, t.workspaces.c.workspace_id], set_=values
        ).returning(*t.workspaces.c)
        return _workspace((await conn.execute(stmt)).mappings().one())

    async def set_workspace_timezone(
        self,
        platform: str,
        workspace_id: str,
        timezone: str,
        *,
        schedule_next: Callable[[ScheduleRow], datetime | None],
        reminder_next: Callable[[ReminderRow], datetime | None],
    ) -> int:
        """Set the workspace zone and re-time what follows it, in ONE transaction.

        Schedules and reminders without a zone of their own fire on the workspace's, so their
        stored ``next_due`` must move with it: committed together, no row is ever left on
        the old zone (a crash half-way through a row-by-row loop did that), and a large
        workspace costs one statement per table instead of one transaction per row. The
        callbacks give each row's new ``next_due`` (the row's own value to leave it); returns
        how many rows moved.
        """
        async with self.engine.begin() as conn:
            await self._upsert_workspace(conn, platform, workspace_id, {"timezone": timezone})
            return await self._retime(
                conn, t.schedules, platform, workspace_id, _schedule, schedule_next
            ) + await self._retime(
                conn, t.reminders, platform, workspace_id, _reminder, reminder_next
            )

    async def _retime(
        self,
        conn: AsyncConnection,
        table: sa.Table,
        platform: str,
        workspace_id: str,
        to_row: Callable[[RowMapping], _Timed],
        next_for: Callable[[_Timed], datetime | None],
    ) -> int:
        pick = sa.select(table).where(
            table.c.platform == platform,
            table.c.workspace_id == workspace_id,
            table.c.timezone.is_(None),
        )
        if self.dialect == "postgresql":
            pick = pick.with_for_update()
        params = []
        for mapping in (await conn.execute(pick)).mappings():
            row = to_row(mapping)
            new = next_for(row)
            if new != row.next_due:
                params.append({"b_id": row.id, "b_next_due": new})
        if params:
            stamp = {"updated_at": self._now()} if "updated_at" in table.c else {}
            await conn.execute(
                sa.update(table)
                .where(table.c.id == sa.bindparam("b_id"))
                .values(next_due=sa.bindparam("b_next_due"), **stamp),
                params,
            )
        return len(params)

    # ------------------------------------------------------------------ schedules

    async def add_schedule(
        self,
        *,
        platform: str,
        workspace_id: str,
        channel_id: str,
        kind: str,
        spec: Spec,
        timezone: str | None,
        next_due: datetime | None,
        created_by: str,
        limit: int | None = None,
    ) -> ScheduleRow | None:
        """Insert a schedule; returns None (and inserts nothing) when ``limit`` is reached."""
        async with self.engine.begin() as conn:
            if limit is not None:
                count = await self._count_schedules(conn, platform, workspace_id)
                if count >= limit:
                    return None
            stmt = (
                sa.insert(t.schedules)
                .values(
                    platform=platform,
                    workspace_id=workspace_id,
                    channel_id=channel_id,
                    kind=kind,
                    timezone=timezone,
                    paused=False,
                    next_due=next_due,
                    created_by=created_by,
                    created_at=self._now(),
                    **_spec_columns(spec),
                )
                .returning(*t.schedules.c)
            )
            row = (await conn.execute(stmt)).mappings().one()
        return _schedule(row)

    async def _count_schedules(
        self, conn: AsyncConnection, platform: str, workspace_id: str
    ) -> int:
        stmt = (
            sa.select(sa.func.count())
            .select_from(t.schedules)
            .where(t.schedules.c.platform == platform, t.schedules.c.workspace_id == workspace_id)
        )
        return int((await conn.execute(stmt)).scalar_one())

    async def count_schedules(self, platform: str, workspace_id: str) -> int:
        async with self.engine.connect() as conn:
            return await self._count_schedules(conn, platform, workspace_id)

    async def get_schedule(self, schedule_id: int) -> ScheduleRow | None:
        async with self.engine.connect() as conn:
            row = (
                (await conn.execute(sa.select(t.schedules).where(t.schedules.c.id == schedule_id)))
                .mappings()
                .first()
            )
        return None if row is None else _schedule(row)

    async def list_schedules(self, platform: str, workspace_id: str) -> list[ScheduleRow]:
        stmt = (
            sa.select(t.schedules)
            .where(t.schedules.c.platform == platform, t.schedules.c.workspace_id == workspace_id)
            .order_by(t.schedules.c.id)
        )
        async with self.engine.connect() as conn:
            return [_schedule(r) for r in (await conn.execute(stmt)).mappings()]

    async def update_schedule(self, schedule_id: int, **changes: Any) -> bool:
        """Set paused, paused_reason, next_due, channel_id, kind, timezone and/or spec (a
        :class:`Spec`); True when the row exists."""
        allowed = {"paused", "paused_reason", "next_due", "channel_id", "kind", "timezone", "spec"}
        if set(changes) - allowed:
            raise ValueError(f"unknown schedule fields: {sorted(set(changes) - allowed)}")
        if "spec" in changes:
            spec = changes.pop("spec")
            changes.update(_spec_columns(spec))
        async with self.engine.begin() as conn:
            result = await conn.execute(
                sa.update(t.schedules).where(t.schedules.c.id == schedule_id).values(**changes)
            )
        return result.rowcount > 0

    async def pause_schedule_once(self, schedule_id: int, reason: str) -> bool:
        """Pause unless already paused; True only for the call that actually paused it.

        The conditional update is what makes "tell the admin exactly once" hold even when
        several sends for the same schedule fail in one tick or in several processes.
        """
        stmt = (
            sa.update(t.schedules)
            .where(t.schedules.c.id == schedule_id, t.schedules.c.paused.is_(False))
            .values(paused=True, paused_reason=reason)
        )
        async with self.engine.begin() as conn:
            result = await conn.execute(stmt)
        return result.rowcount > 0

    async def delete_schedule(self, schedule_id: int) -> bool:
        async with self.engine.begin() as conn:
            result = await conn.execute(
                sa.delete(t.schedules).where(t.schedules.c.id == schedule_id)
            )
        return result.rowcount > 0

    # ------------------------------------------------------------------ reminders

    async def get_reminder(
        self, platform: str, workspace_id: str, user_id: str
    ) -> ReminderRow | None:
        stmt = sa.select(t.reminders).where(
            t.reminders.c.platform == platform,
            t.reminders.c.workspace_id == workspace_id,
            t.reminders.c.user_id == user_id,
        )
        async with self.engine.connect() as conn:
            row = (await conn.execute(stmt)).mappings().first()
        return None if row is None else _reminder(row)

    async def upsert_reminder(
        self,
        *,
        platform: str,
        workspace_id: str,
        user_id: str,
        spec: Spec,
        timezone: str | None,
        next_due: datetime | None,
        dm_channel_id: str | None = None,
    ) -> ReminderRow:
        """Create or replace a person's reminder and (re-)enable it, clearing snooze and pause."""
        now = self._now()
        values: dict[str, Any] = {
            **_spec_columns(spec),
            "timezone": timezone,
            "enabled": True,
            "snoozed_until": None,
            "paused_until": None,
            "disabled_reason": None,
            "next_due": next_due,
            "updated_at": now,
        }
        if dm_channel_id is not None:
            values["dm_channel_id"] = dm_channel_id
        values.pop("cron", None)
        stmt = self._insert(t.reminders).values(
            platform=platform, workspace_id=workspace_id, user_id=user_id, created_at=now, **values
        )
        stmt = stmt.on_conflict_do_update(
            index_elements=[
                t.reminders.c.platform,
                t.reminders.c.workspace_id,
                t.reminders.c.user_id,
            ],
            set_=values,
        ).returning(*t.reminders.c)
        async with self.engine.begin() as conn:
            row = (await conn.execute(stmt)).mappings().one()
        return _reminder(row)

    async def list_reminders(self, platform: str, workspace_id: str) -> list[ReminderRow]:
        stmt = (
            sa.select(t.reminders)
            .where(t.reminders.c.platform == platform, t.reminders.c.workspace_id == workspace_id)
            .order_by(t.reminders.c.id)
        )
        async with self.engine.connect() as conn:
            return [_reminder(r) for r in (await conn.execute(stmt)).mappings()]

    async def update_reminder(self, reminder_id: int, **changes: Any) -> ReminderRow | None:
        """Change some fields of a reminder; returns the new row (None if it does not exist)."""
        allowed = {
            "timezone",
            "enabled",
            "snoozed_until",
            "paused_until",
            "disabled_reason",
            "next_due",
            "dm_channel_id",
        }
        if set(changes) - allowed:
            raise ValueError(f"unknown reminder fields: {sorted(set(changes) - allowed)}")
        stmt = (
            sa.update(t.reminders)
            .where(t.reminders.c.id == reminder_id)
            .values(updated_at=self._now(), **changes)
            .returning(*t.reminders.c)
        )
        async with self.engine.begin() as conn:
            row = (await conn.execute(stmt)).mappings().first()
        return None if row is None else _reminder(row)

    async def disable_reminder_once(self, reminder_id: int, reason: str) -> bool:
        """Disable unless already disabled; True only for the call that disabled it."""
        stmt = (
            sa.update(t.reminders)
            .where(t.reminders.c.id == reminder_id, t.reminders.c.enabled.is_(True))
            .values(enabled=False, disabled_reason=reason, updated_at=self._now())
        )
        async with self.engine.begin() as conn:
            result = await conn.execute(stmt)
        return result.rowcount > 0

    # ------------------------------------------------------------------ claiming due work

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
        async with self.engine.connect() as conn:
            return bool((await conn.execute(stmt)).scalar_one())

    async def claim_due_schedules(
        self,
        now: datetime,
        owner: str,
        lease: timedelta,
        limit: int,
        *,
        scope: ClaimScope = EVERYTHING,
    ) -> list[ScheduleRow]:
        """Lease up to ``limit`` unpaused schedules whose ``next_due <= now`` (indexed), of
        ``scope``'s platforms and, for Discord, its shards' guilds (see ``bot.storage.scope``)."""
        rows = await self._claim(t.schedules, now, scope, owner, lease, limit)
        return [_schedule(r) for r in rows]

    async def claim_due_reminders(
        self,
        now: datetime,
        owner: str,
        lease: timedelta,
        limit: int,
        *,
        scope: ClaimScope = EVERYTHING,
    ) -> list[ReminderRow]:
        """Lease up to ``limit`` enabled reminders whose ``next_due <= now`` (indexed), of
        ``scope``'s platforms; DMs need no guild, so any process of the platform may take one."""
        rows = await self._claim(t.reminders, now, scope, owner, lease, limit)
        return [_reminder(r) for r in rows]

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
            _lease_free(table, now),
            self._in_scope(table, scope, now, by_shard=schedules),
        )

    def _retryable(
        self, now: datetime, scope: ClaimScope, reclaim_from: str | None = None
    ) -> sa.ColumnElement[bool]:
        """Pending ledger rows due for a (re)send and not held, of ``scope``'s platforms; with
        ``reclaim_from``, also those still held by that owner (see claim_retryable_deliveries)."""
        d = t.deliveries
        ready = sa.and_(d.c.next_attempt_at <= now, _lease_free(d, now))
        if reclaim_from is not None:
            ready = sa.or_(ready, _held_by(d, reclaim_from))
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

    async def _claim(
        self,
        table: sa.Table,
        now: datetime,
        scope: ClaimScope,
        owner: str,
        lease: timedelta,
        limit: int,
    ) -> list[RowMapping]:
        pick = (
            sa.select(table.c.id)
            .where(self._due(table, now, scope))
            .order_by(table.c.next_due)
            .limit(limit)
        )
        if self.dialect == "postgresql":
            pick = pick.with_for_update(skip_locked=True)
        stmt = (
            sa.update(table)
            .where(table.c.id.in_(pick.scalar_subquery()))
            .values(lease_owner=owner, lease_until=now + lease)
            .returning(*table.c)
        )
        async with self.engine.begin() as conn:
            return list((await conn.execute(stmt)).mappings().all())

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
        async with self.engine.begin() as conn:
            to_insert: list[dict[str, Any]] = []
            held = await self._advance_rows(conn, advances, owner)
            for adv in advances:
                if (adv.table, adv.row_id) not in held:
                    log.warning("lost the lease on %s %s; leaving it", adv.table, adv.row_id)
                    continue
                to_insert.extend(
                    _ledger_values(d, now=now, owner=owner, send_lease=send_lease)
                    for d in adv.deliveries
                )
            if to_insert:
                stmt = (
                    self._insert(t.deliveries)
                    .on_conflict_do_nothing(
                        index_elements=[
                            t.deliveries.c.source,
                            t.deliveries.c.slot,
                            t.deliveries.c.target_key,
                        ]
                    )
                    .returning(*t.deliveries.c)
                )
                for row in (await conn.execute(stmt, to_insert)).mappings():
                    if row["status"] == LedgerStatus.PENDING:
                        pending.append(_delivery(row))
        return pending

    async def _advance_rows(
        self, conn: AsyncConnection, advances: Sequence[Advance], owner: str
    ) -> set[tuple[str, int]]:
        """Set the new ``next_due`` (and extra updates) of the claimed rows this owner still
        leases, as one executemany per table and update shape instead of one statement per
        row; returns the (table, id) pairs it advanced."""
        held: set[tuple[str, int]] = set()
        groups: dict[tuple[str, tuple[str, ...]], list[Advance]] = {}
        for adv in advances:
            groups.setdefault((adv.table, tuple(sorted(adv.updates))), []).append(adv)
        for (name, columns), group in groups.items():
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
        async with self.engine.begin() as conn:
            for table in (t.schedules, t.reminders, t.deliveries):
                await conn.execute(
                    sa.update(table)
                    .where(table.c.lease_owner == owner)
                    .values(lease_owner=None, lease_until=None)
                )

    # ------------------------------------------------------------------ the delivery ledger

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
        values = _ledger_values(
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
        async with self.engine.begin() as conn:
            row = (await conn.execute(stmt)).mappings().first()
        return None if row is None else _delivery(row)

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
        async with self.engine.begin() as conn:
            return [_delivery(r) for r in (await conn.execute(stmt)).mappings()]

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
        async with self.engine.begin() as conn:
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
        d = t.deliveries
        ids = list(delivery_ids)
        async with self.engine.begin() as conn:
            for start in range(0, len(ids), 500):  # well under SQLite's bound-parameter cap
                await conn.execute(
                    sa.update(d)
                    .where(
                        d.c.id.in_(ids[start : start + 500]),
                        d.c.status == LedgerStatus.PENDING.value,
                    )
                    .values(
                        status=LedgerStatus.SENT.value,
                        attempts=d.c.attempts + 1,
                        detail=None,
                        next_attempt_at=None,
                        lease_owner=None,
                        lease_until=None,
                        updated_at=now,
                        sent_at=now,
                    )
                )

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
                sa.or_(_lease_free(d, now), _held_by(d, owner)),
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
        async with self.engine.begin() as conn:
            result = await conn.execute(stmt)
        return int(result.rowcount)

    async def get_delivery(self, delivery_id: int) -> DeliveryRow | None:
        async with self.engine.connect() as conn:
            row = (
                (
                    await conn.execute(
                        sa.select(t.deliveries).where(t.deliveries.c.id == delivery_id)
                    )
                )
                .mappings()
                .first()
            )
        return None if row is None else _delivery(row)

    async def list_deliveries(
        self, *, source: str | None = None, status: LedgerStatus | None = None
    ) -> list[DeliveryRow]:
        """Ledger rows in slot order (for inspection, status pages and tests)."""
        stmt = sa.select(t.deliveries).order_by(t.deliveries.c.slot, t.deliveries.c.id)
        if source is not None:
            stmt = stmt.where(t.deliveries.c.source == source)
        if status is not None:
            stmt = stmt.where(t.deliveries.c.status == status.value)
        async with self.engine.connect() as conn:
            return [_delivery(r) for r in (await conn.execute(stmt)).mappings()]

    # ------------------------------------------------------------------ rotation

    async def get_rotations(self, keys: Sequence[str]) -> dict[str, Any]:
        """The JSON states stored under ``keys`` (missing keys are absent), in one query."""
        r = t.rotation
        out: dict[str, Any] = {}
        async with self.engine.connect() as conn:
            for start in range(0, len(keys), 500):
                stmt = sa.select(r.c.key, r.c.state).where(r.c.key.in_(keys[start : start + 500]))
                for key, state in (await conn.execute(stmt)).all():
                    out[key] = state
        return out

    async def put_rotations(self, states: dict[str, Any]) -> None:
        """Upsert many rotation states in one transaction (one executemany)."""
        if not states:
            return
        now = self._now()
        r = t.rotation
        stmt = self._insert(r)
        stmt = stmt.on_conflict_do_update(
            index_elements=[r.c.key],
            set_={"state": stmt.excluded.state, "updated_at": stmt.excluded.updated_at},
        )
        rows = [{"key": k, "state": v, "updated_at": now} for k, v in states.items()]
        async with self.engine.begin() as conn:
            await conn.execute(stmt, rows)

    # ------------------------------------------------------------------ kv

    async def kv_get(self, namespace: str, key: str) -> str | None:
        """Adapters' small state (command-tree hash, DM channel ids) lives here."""
        stmt = sa.select(t.kv.c.value).where(t.kv.c.namespace == namespace, t.kv.c.key == key)
        async with self.engine.connect() as conn:
            return (await conn.execute(stmt)).scalar_one_or_none()

    async def kv_set(self, namespace: str, key: str, value: str) -> None:
        now = self._now()
        stmt = self._insert(t.kv).values(namespace=namespace, key=key, value=value, updated_at=now)
        stmt = stmt.on_conflict_do_update(
            index_elements=[t.kv.c.namespace, t.kv.c.key], set_={"value": value, "updated_at": now}
        )
        async with self.engine.begin() as conn:
            await conn.execute(stmt)

    async def kv_delete(self, namespace: str, key: str) -> bool:
        async with self.engine.begin() as conn:
            result = await conn.execute(
                sa.delete(t.kv).where(t.kv.c.namespace == namespace, t.kv.c.key == key)
            )
        return result.rowcount > 0

    async def kv_get_json(self, namespace: str, key: str) -> Any | None:
        raw = await self.kv_get(namespace, key)
        return None if raw is None else json.loads(raw)

    async def kv_set_json(self, namespace: str, key: str, value: Any) -> None:
        await self.kv_set(namespace, key, json.dumps(value, sort_keys=True))

    # ------------------------------------------------------------------ history

    async def add_history(
        self, platform: str, workspace_id: str, user_id: str, event: str, detail: str | None = None
    ) -> None:
        """Record a "done" or "snooze" press; the basis of any later streak/summary feature."""
        async with self.engine.begin() as conn:
            await conn.execute(
                sa.insert(t.history).values(
                    platform=platform,
                    workspace_id=workspace_id,
                    user_id=user_id,
                    event=event,
                    detail=detail,
                    at=self._now(),
                )
            )

    async def list_history(
        self, platform: str, workspace_id: str, user_id: str
    ) -> list[HistoryRow]:
        h = t.history
        stmt = (
            sa.select(h)
            .where(
                h.c.platform == platform, h.c.workspace_id == workspace_id, h.c.user_id == user_id
            )
            .order_by(h.c.at, h.c.id)
        )
        async with self.engine.connect() as conn:
            return [HistoryRow(**dict(r)) for r in (await conn.execute(stmt)).mappings()]

    # ------------------------------------------------------------------ snapshots

    async def snapshot(self) -> dict[str, list[dict[str, Any]]]:
        """Every row of every table, sorted: lets tests prove a refused command changed nothing."""
        out: dict[str, list[dict[str, Any]]] = {}
        async with self.engine.connect() as conn:
            for table in t.metadata.sorted_tables:
                rows = (await conn.execute(sa.select(table))).mappings().all()
                out[table.name] = sorted((dict(r) for r in rows), key=repr)
        return out


def _ledger_values(
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


def _held_by(table: sa.Table, lineage: str) -> sa.ColumnElement[bool]:
    """Rows leased to ``lineage`` itself or to one of its lives (``lineage/pid:random``)."""
    owner = table.c.lease_owner
    return sa.or_(owner == lineage, owner.startswith(lineage + "/", autoescape=True))


def _lease_free(table: sa.Table, now: datetime) -> sa.ColumnElement[bool]:
    """Rows nobody holds: never leased, or their lease ran out before ``now``."""
    return sa.or_(table.c.lease_until.is_(None), table.c.lease_until < now)


# ---------------------------------------------------------------------- alembic glue


def _alembic_config(connection: Connection) -> Any:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.attributes["connection"] = connection
    return cfg


def _run_alembic(connection: Connection, action: str, revision: str) -> None:
    from alembic import command

    cfg = _alembic_config(connection)
    if action == "upgrade":
        command.upgrade(cfg, revision)
    elif action == "downgrade":
        command.downgrade(cfg, revision)
    else:  # pragma: no cover - internal misuse
        raise ValueError(action)


def _current_revision(connection: Connection) -> str | None:
    from alembic.runtime.migration import MigrationContext

    return MigrationContext.configure(connection).get_current_revision()


# ---------------------------------------------------------------------- row mapping


def _spec_columns(spec: Spec) -> dict[str, Any]:
    return {
        "cron": spec.cron,
        "every_minutes": spec.every_minutes,
        "start_time": spec.start,
        "end_time": spec.end,
        "days": spec.days,
    }


def _spec(row: RowMapping) -> Spec:
    return Spec(
        cron=row.get("cron"),
        every_minutes=row["every_minutes"],
        start=row["start_time"],
        end=row["end_time"],
        days=row["days"],
    )


_FIELDS: dict[type, tuple[str, ...]] = {
    record: tuple(f.name for f in dataclasses.fields(record))
    for record in (WorkspaceRow, ScheduleRow, ReminderRow, DeliveryRow)
}


def _from_row(record: type[_Record], row: RowMapping, **derived: Any) -> _Record:
    """A record from its row: every field is the column of the same name, except the few
    ``derived`` from several columns or converted (so a new column needs no mapper edit)."""
    columns = {name: row[name] for name in _FIELDS[record] if name not in derived}
    return record(**columns, **derived)


def _workspace(row: RowMapping) -> WorkspaceRow:
    skip_dates = tuple(date.fromisoformat(d) for d in row["skip_dates"] or ())
    return _from_row(WorkspaceRow, row, skip_dates=skip_dates)


def _schedule(row: RowMapping) -> ScheduleRow:
    return _from_row(ScheduleRow, row, spec=_spec(row), paused=bool(row["paused"]))


def _reminder(row: RowMapping) -> ReminderRow:
    return _from_row(ReminderRow, row, spec=_spec(row), enabled=bool(row["enabled"]))


def _delivery(row: RowMapping) -> DeliveryRow:
    return _from_row(DeliveryRow, row, status=LedgerStatus(row["status"]))


__all__ = ["DEFAULT_URL", "Store", "StoreUnavailable", "create_store", "db_error", "new_nonce"]
