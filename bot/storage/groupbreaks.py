"""Group breaks (``/groupbreak``): the break, who joined, and who pressed Done.

Why a table and not a timer in memory: a group break is promised for a time up to an hour
away, and the process may restart in between. The row is the promise; the scheduler's tick
claims it when it is due (``claim_due``) the same way it claims schedules, so several
processes sharing one database start it exactly once.

A group break moves ``posting`` (the card is being posted) -> ``open`` (people can join) ->
``starting`` (claimed by one process, leased) -> ``started`` | ``missed``; ``posting`` rows
whose card never got out are deleted by the one who created them.

Every change is one statement or one short transaction whose condition re-reads the state it
depends on, so the answer to "who joined" is never lost or doubled by concurrent clicks:

- join: ``INSERT .. SELECT .. WHERE the break is open`` with ``ON CONFLICT DO NOTHING`` on
  (break, person); on PostgreSQL the break's row is read ``FOR SHARE`` first, so a join racing
  the start's claim waits for it and then sees the break is no longer open.
- leave: ``DELETE .. WHERE the break is open``.
- Done: ``UPDATE .. SET done_at WHERE done_at IS NULL``: one person counts once however often
  they press it.

A self-contained module beside the Store (its engine and metadata only), in bot/storage
because only storage talks to the database (tests/test_layers.py).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.storage.store import Store
from bot.storage.tables import UTCDateTime, metadata

_T = TypeVar("_T")

group_breaks = sa.Table(
    "group_breaks",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("platform", sa.String(16), nullable=False),
    sa.Column("workspace_id", sa.String(64), nullable=False),
    sa.Column("channel_id", sa.String(64), nullable=False),
    # The card's message (Discord message id, Slack ts): threads hang from it, edits go to it.
    sa.Column("card_id", sa.String(64)),
    sa.Column("created_by", sa.String(64), nullable=False),
    sa.Column("routine", sa.String(64)),  # routine id, or None for one desk stretch
    sa.Column("title", sa.String(100), nullable=False),  # "3 min desk reset", as promised
    sa.Column("starts_at", UTCDateTime, nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("lease_owner", sa.String(128)),
    sa.Column("lease_until", UTCDateTime),
    # Where the start was announced (a thread id, or the channel) and that message's id.
    sa.Column("start_channel_id", sa.String(64)),
    sa.Column("start_message_id", sa.String(64)),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("updated_at", UTCDateTime, nullable=False),
    sa.Index("ix_group_breaks_status_starts_at", "status", "starts_at"),
)

group_break_people = sa.Table(
    "group_break_people",
    metadata,
    sa.Column("group_id", sa.Integer,
              sa.ForeignKey("group_breaks.id", ondelete="CASCADE",
                            name="fk_group_break_people_group_id"),
              primary_key=True),
    sa.Column("user_id", sa.String(64), primary_key=True),
    sa.Column("display_name", sa.String(100), nullable=False, server_default=""),
    sa.Column("joined_at", UTCDateTime, nullable=False),
    sa.Column("done_at", UTCDateTime),
)


class GroupStatus(StrEnum):
    POSTING = "posting"
    OPEN = "open"
    STARTING = "starting"
    STARTED = "started"
    MISSED = "missed"


@dataclass(frozen=True, slots=True)
class Person:
    user_id: str
    display_name: str
    done: bool = False


@dataclass(frozen=True, slots=True)
class GroupBreakRow:
    id: int
    platform: str
    workspace_id: str
    channel_id: str
    card_id: str | None
    created_by: str
    routine: str | None
    title: str
    starts_at: datetime
    status: GroupStatus
    start_channel_id: str | None = None
    start_message_id: str | None = None
    people: tuple[Person, ...] = ()

    @property
    def user_ids(self) -> tuple[str, ...]:
        return tuple(p.user_id for p in self.people)


@dataclass(frozen=True, slots=True)
class Change:
    """What a join or leave did, and the break as it is right after (for the card)."""

    changed: bool
    group: GroupBreakRow | None


class GroupBreakStore:
    def __init__(self, store: Store) -> None:
        self._store = store

    # ------------------------------------------------------------------ helpers

    def _insert(self, table: sa.Table) -> Any:
        return (postgresql.insert(table) if self._store.dialect == "postgresql"
                else sqlite.insert(table))

    async def _write(self, work: Callable[[AsyncConnection], Awaitable[_T]]) -> _T:
        # Store.write(): one transaction that takes SQLite's write lock before its first read
        # (so a join's read-modify-write is atomic) and lets out only StorageError.
        async with self._store.write() as conn:
            return await work(conn)

    async def _read(self, work: Callable[[AsyncConnection], Awaitable[_T]]) -> _T:
        async with self._store.read() as conn:
            return await work(conn)

    async def _load(self, conn: AsyncConnection, group_id: int) -> GroupBreakRow | None:
        row = (await conn.execute(
            sa.select(group_breaks).where(group_breaks.c.id == group_id))).mappings().first()
        if row is None:
            return None
        return (await self._with_people(conn, [row]))[0]

    async def _with_people(self, conn: AsyncConnection, rows: Iterable[RowMapping]
                           ) -> list[GroupBreakRow]:
        rows = list(rows)
        if not rows:
            return []
        people = group_break_people.c
        found = (await conn.execute(
            sa.select(people.group_id, people.user_id, people.display_name, people.done_at)
            .where(people.group_id.in_([r["id"] for r in rows]))
            .order_by(people.joined_at, people.user_id))).all()
        by_group: dict[int, list[Person]] = {}
        for p in found:
            by_group.setdefault(p.group_id, []).append(
                Person(p.user_id, p.display_name, p.done_at is not None))
        return [_row(r, tuple(by_group.get(r["id"], ()))) for r in rows]

    # ------------------------------------------------------------------ creating

    async def create(self, *, platform: str, workspace_id: str, channel_id: str,
                     created_by: str, display_name: str, routine: str | None, title: str,
                     starts_at: datetime) -> GroupBreakRow:
        """A new break in ``posting`` state with its creator already in (they asked for it)."""
        now = self._store.clock.now()

        async def work(conn: AsyncConnection) -> GroupBreakRow:
            result = await conn.execute(sa.insert(group_breaks).values(
                platform=str(platform), workspace_id=workspace_id, channel_id=channel_id,
                created_by=created_by, routine=routine, title=title[:100],
                starts_at=starts_at, status=GroupStatus.POSTING.value, created_at=now,
                updated_at=now).returning(group_breaks.c.id))
            group_id = int(result.scalar_one())
            await conn.execute(sa.insert(group_break_people).values(
                group_id=group_id, user_id=created_by, display_name=display_name[:100],
                joined_at=now))
            loaded = await self._load(conn, group_id)
            assert loaded is not None
            return loaded

        return await self._write(work)

    async def opened(self, group_id: int, card_id: str) -> None:
        """The card is out: remember it and let people join."""
        now = self._store.clock.now()
        await self._write(lambda conn: conn.execute(
            sa.update(group_breaks)
            .where(group_breaks.c.id == group_id,
                   group_breaks.c.status == GroupStatus.POSTING.value)
            .values(card_id=card_id, status=GroupStatus.OPEN.value, updated_at=now)))

    async def discard(self, group_id: int) -> None:
        """Forget a break whose card could not be posted (nobody ever saw it)."""
        await self._write(lambda conn: conn.execute(
            sa.delete(group_breaks).where(group_breaks.c.id == group_id,
                                          group_breaks.c.status == GroupStatus.POSTING.value)))

    async def get(self, group_id: int) -> GroupBreakRow | None:
        return await self._read(lambda conn: self._load(conn, group_id))

    # ------------------------------------------------------------------ joining

    async def join(self, group_id: int, user_id: str, display_name: str) -> Change:
        """Add the person if the break is still open; a second join changes nothing."""
        now = self._store.clock.now()
        g = group_breaks.c

        async def work(conn: AsyncConnection) -> Change:
            if not await self._lock_open(conn, group_id):
                return Change(False, await self._load(conn, group_id))
            source = sa.select(
                sa.literal(group_id), sa.literal(user_id), sa.literal(display_name[:100]),
                sa.literal(now, UTCDateTime()),
            ).where(sa.exists().where(g.id == group_id, g.status == GroupStatus.OPEN.value))
            stmt = self._insert(group_break_people).from_select(
                ["group_id", "user_id", "display_name", "joined_at"], source
            ).on_conflict_do_nothing(index_elements=["group_id", "user_id"])
            result = await conn.execute(stmt)
            return Change(result.rowcount > 0, await self._load(conn, group_id))

        return await self._write(work)

    async def leave(self, group_id: int, user_id: str) -> Change:
        """Take the person out if the break is still open."""
        g, people = group_breaks.c, group_break_people.c

        async def work(conn: AsyncConnection) -> Change:
            if not await self._lock_open(conn, group_id):
                return Change(False, await self._load(conn, group_id))
            result = await conn.execute(sa.delete(group_break_people).where(
                people.group_id == group_id, people.user_id == user_id,
                sa.exists().where(g.id == group_id, g.status == GroupStatus.OPEN.value)))
            return Change(result.rowcount > 0, await self._load(conn, group_id))

        return await self._write(work)

    async def _lock_open(self, conn: AsyncConnection, group_id: int) -> bool:
        """Whether the break is open, holding it so a claim cannot start it meanwhile.

        PostgreSQL: ``FOR SHARE`` conflicts with the claim's ``UPDATE``; whichever comes
        second waits, and a join that waited re-reads the row and sees it started. SQLite
        has one writer at a time, and each join/leave statement re-checks the state itself.
        """
        g = group_breaks.c
        pick = sa.select(g.status).where(g.id == group_id)
        if self._store.dialect == "postgresql":
            pick = pick.with_for_update(read=True)
        status = (await conn.execute(pick)).scalar_one_or_none()
        return status == GroupStatus.OPEN.value

    # ------------------------------------------------------------------ starting

    async def claim_due(self, now: datetime, owner: str, lease: timedelta,
                        platforms: Iterable[str], limit: int = 50) -> list[GroupBreakRow]:
        """Take the breaks due at ``now`` (open, or ``starting`` under an expired lease) for
        ``owner``: each is handed to exactly one claimer while its lease runs. On PostgreSQL
        a break whose row a join holds at that instant is skipped (SKIP LOCKED: claimers never
        queue behind each other) and taken by the next tick."""
        g = group_breaks.c
        wanted = [str(p) for p in platforms]
        if not wanted:
            return []
        due = sa.and_(
            g.starts_at <= now,
            g.platform.in_(wanted),
            sa.or_(g.status == GroupStatus.OPEN.value,
                   sa.and_(g.status == GroupStatus.STARTING.value, g.lease_until < now)),
        )
        pick = sa.select(g.id).where(due).order_by(g.starts_at).limit(limit)
        if self._store.dialect == "postgresql":
            pick = pick.with_for_update(skip_locked=True)
        stmt = (sa.update(group_breaks)
                .where(g.id.in_(pick.scalar_subquery()), due)
                .values(status=GroupStatus.STARTING.value, lease_owner=owner,
                        lease_until=now + lease, updated_at=now)
                .returning(*group_breaks.c))

        async def work(conn: AsyncConnection) -> list[GroupBreakRow]:
            rows = (await conn.execute(stmt)).mappings().all()
            return await self._with_people(conn, sorted(rows, key=lambda r: r["starts_at"]))

        return await self._write(work)

    async def has_due(self, now: datetime, platforms: Iterable[str]) -> bool:
        """A cheap read first, so an idle tick takes no write lock."""
        g = group_breaks.c
        wanted = [str(p) for p in platforms]
        if not wanted:
            return False
        stmt = sa.select(sa.literal(1)).where(
            g.starts_at <= now, g.platform.in_(wanted),
            g.status.in_([GroupStatus.OPEN.value, GroupStatus.STARTING.value])).limit(1)
        return await self._read(lambda conn: _first(conn, stmt))

    async def finish(self, group_id: int, owner: str, status: GroupStatus, *,
                     start_channel_id: str | None = None,
                     start_message_id: str | None = None) -> bool:
        """Settle a claimed break as started (where it was announced) or missed; False if
        ``owner`` no longer holds it (its lease ran out and someone else took it)."""
        now = self._store.clock.now()
        g = group_breaks.c
        stmt = (sa.update(group_breaks)
                .where(g.id == group_id, g.status == GroupStatus.STARTING.value,
                       g.lease_owner == owner)
                .values(status=status.value, lease_owner=None, lease_until=None,
                        start_channel_id=start_channel_id, start_message_id=start_message_id,
                        updated_at=now))
        result = await self._write(lambda conn: conn.execute(stmt))
        return bool(result.rowcount)

    # ------------------------------------------------------------------ Done

    async def mark_done(self, group_id: int, user_id: str) -> bool:
        """True the first time a person who joined a started break presses Done."""
        now = self._store.clock.now()
        g, people = group_breaks.c, group_break_people.c
        stmt = (sa.update(group_break_people)
                .where(people.group_id == group_id, people.user_id == user_id,
                       people.done_at.is_(None),
                       sa.exists().where(g.id == group_id,
                                         g.status == GroupStatus.STARTED.value))
                .values(done_at=now))
        result = await self._write(lambda conn: conn.execute(stmt))
        return bool(result.rowcount)


async def _first(conn: AsyncConnection, stmt: sa.Select[Any]) -> bool:
    return (await conn.execute(stmt)).first() is not None


def _row(r: RowMapping, people: tuple[Person, ...]) -> GroupBreakRow:
    return GroupBreakRow(
        id=int(r["id"]), platform=r["platform"], workspace_id=r["workspace_id"],
        channel_id=r["channel_id"], card_id=r["card_id"], created_by=r["created_by"],
        routine=r["routine"], title=r["title"], starts_at=r["starts_at"],
        status=GroupStatus(r["status"]), start_channel_id=r["start_channel_id"],
        start_message_id=r["start_message_id"], people=people)


__all__ = ["Change", "GroupBreakRow", "GroupBreakStore", "GroupStatus", "Person",
           "group_break_people", "group_breaks"]
