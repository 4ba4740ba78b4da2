"""Stats events in the database: the store-backed :class:`bot.core.events.EventLog` and the
queries /mystats, /teamstats, the export and the retention prune read them with.

Aggregation happens in SQL: events are grouped by the calendar day (or hour) in a time zone
the caller names. PostgreSQL does that natively (``timezone(zone, at)``); SQLite has no time
zones, so the zone's UTC offsets over the queried period are spelled out as a ``CASE`` over
its transition instants (a zone changes offset a few times a year at most, so the expression
stays small) and SQLite's ``date(at, '+60 minutes')`` applies the right one to each row.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from bot.core.events import BreakEvent, EventKind
from bot.storage import tables as t
from bot.storage.errors import StorageError
from bot.storage.store import Store

log = logging.getLogger(__name__)

E = t.stats_events
PRUNE_BATCH = 5000


@dataclass(frozen=True, slots=True)
class DayCount:
    """How many events of ``kind`` fell on ``day`` (a local calendar day)."""

    day: date
    kind: str
    count: int


@dataclass(frozen=True, slots=True)
class TeamDay:
    """One local day of one schedule (``schedule_id`` None: not tied to a schedule) in a
    workspace: channel nudges posted, breaks taken and how many people took them."""

    day: date
    schedule_id: int | None
    nudged: int
    done: int
    people: int


@dataclass(frozen=True, slots=True)
class TeamPeople:
    """Distinct people who took a break over a whole period, per schedule and in total."""

    by_schedule: dict[int | None, int]
    total: int


def _values(event: BreakEvent) -> dict[str, Any]:
    return {
        "platform": str(event.platform),
        "workspace_id": event.workspace_id[:64],
        "user_id": None if event.user_id is None else event.user_id[:64],
        "kind": str(event.kind),
        "schedule_id": event.schedule_id,
        "source": event.source[:16],
        "reason": event.reason[:64],
        "at": event.at,
    }


def offset_pieces(zone: ZoneInfo, start: datetime, end: datetime) -> list[tuple[datetime, int]]:
    """The zone's UTC offset, in minutes, over [start, end): ``[(from, minutes), ...]`` with
    the first piece starting at ``start``. Transitions are found day by day and pinned to the
    second by bisection, so a DST change lands on its exact instant."""

    def minutes(at: datetime) -> int:
        offset = at.astimezone(zone).utcoffset() or timedelta(0)
        return int(offset.total_seconds() // 60)

    pieces = [(start, minutes(start))]
    cursor = start
    while cursor < end:
        step = min(cursor + timedelta(days=1), end)
        if minutes(step) != pieces[-1][1]:
            # Whole seconds from cursor: minutes() is the old offset at low, the new at high.
            low, high = 0, int((step - cursor).total_seconds())
            while high - low > 1:
                mid = (low + high) // 2
                if minutes(cursor + timedelta(seconds=mid)) == pieces[-1][1]:
                    low = mid
                else:
                    high = mid
            change = cursor + timedelta(seconds=high)
            pieces.append((change, minutes(change)))
        cursor = step
    return pieces


class _Local:
    """SQL for "the local day / hour of ``at``" in one zone over one period, per dialect."""

    def __init__(self, dialect: str, zone: ZoneInfo, start: datetime, end: datetime) -> None:
        self.dialect = dialect
        self.zone = zone
        self.pieces = offset_pieces(zone, start, end)

    def _modifier(self) -> sa.ColumnElement[Any]:
        def text(minutes: int) -> str:
            return f"{minutes:+d} minutes"

        if len(self.pieces) == 1:
            return sa.literal(text(self.pieces[0][1]))
        whens = [(E.c.at < until, text(minutes))
                 for (_, minutes), (until, _) in zip(self.pieces, self.pieces[1:], strict=False)]
        return sa.case(*whens, else_=text(self.pieces[-1][1]))

    def day(self) -> sa.ColumnElement[Any]:
        if self.dialect == "postgresql":
            return sa.cast(sa.func.timezone(self.zone.key, E.c.at), sa.Date)
        return sa.func.date(E.c.at, self._modifier())

    def hour(self) -> sa.ColumnElement[Any]:
        if self.dialect == "postgresql":
            return sa.cast(sa.extract("hour", sa.func.timezone(self.zone.key, E.c.at)),
                           sa.Integer)
        return sa.cast(sa.func.strftime("%H", E.c.at, self._modifier()), sa.Integer)


def _as_date(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


class StatsEvents:
    """The EventLog every part records breaks through, and the stats queries.

    ``record`` never raises for a database fault: a break that happened must not turn into
    an error because stats could not be written, so the fault is one log line. Reads raise
    :class:`StorageError` like the rest of storage.
    """

    def __init__(self, store: Store) -> None:
        self.store = store

    @property
    def clock(self) -> Any:
        return self.store.clock

    # ------------------------------------------------------------------ writing

    async def record(self, event: BreakEvent) -> None:
        await self.record_many((event,))

    async def record_many(self, events: Iterable[BreakEvent]) -> None:
        """Several events in one statement (the dispatcher's sent nudges of a fan-out)."""
        rows = [_values(e) for e in events]
        if not rows:
            return
        try:
            async with self.store.write(begin="DEFERRED") as conn:
                await conn.execute(sa.insert(E), rows)
        except StorageError as exc:
            log.warning("could not record %d stats event(s): %s", len(rows), exc)

    # ------------------------------------------------------------------ reading

    async def _all(self, stmt: sa.Select[Any]) -> Sequence[sa.Row[Any]]:
        async with self.store.read() as conn:
            return (await conn.execute(stmt)).all()

    def _local(self, zone: ZoneInfo, start: datetime, end: datetime) -> _Local:
        return _Local(self.store.dialect, zone, start, end)

    async def person_days(self, platform: str, workspace_id: str, user_id: str,
                          zone: ZoneInfo, start: datetime, end: datetime) -> list[DayCount]:
        """Events of one person per local day and kind, in [start, end)."""
        day = self._local(zone, start, end).day().label("day")
        stmt = (sa.select(day, E.c.kind, sa.func.count().label("n"))
                .where(E.c.platform == platform, E.c.workspace_id == workspace_id,
                       E.c.user_id == user_id, E.c.at >= start, E.c.at < end)
                .group_by(day, E.c.kind))
        return [DayCount(_as_date(r.day), r.kind, int(r.n)) for r in await self._all(stmt)]

    async def person_hours(self, platform: str, workspace_id: str, user_id: str,
                           zone: ZoneInfo, start: datetime, end: datetime) -> dict[int, int]:
        """Breaks taken by one person per local hour of the day, in [start, end)."""
        hour = self._local(zone, start, end).hour().label("hour")
        stmt = (sa.select(hour, sa.func.count().label("n"))
                .where(E.c.platform == platform, E.c.workspace_id == workspace_id,
                       E.c.user_id == user_id, E.c.at >= start, E.c.at < end,
                       E.c.kind == str(EventKind.DONE))
                .group_by(hour))
        return {int(r.hour): int(r.n) for r in await self._all(stmt)}

    async def team_days(self, platform: str, workspace_id: str, zone: ZoneInfo,
                        start: datetime, end: datetime, *, by_schedule: bool = True
                        ) -> list[TeamDay]:
        """Per local day and schedule (or per day for the whole workspace): channel nudges
        posted, breaks taken, people taking part. Only channel posts count as posted nudges
        (a DM nudge is one person's)."""
        day = self._local(zone, start, end).day().label("day")
        schedule = E.c.schedule_id if by_schedule else sa.null()
        nudged = sa.func.sum(sa.case(
            (sa.and_(E.c.kind == str(EventKind.NUDGED), E.c.user_id.is_(None)), 1), else_=0))
        done = sa.func.sum(sa.case((E.c.kind == str(EventKind.DONE), 1), else_=0))
        people = sa.func.count(sa.distinct(sa.case(
            (E.c.kind == str(EventKind.DONE), E.c.user_id))))
        stmt = (sa.select(day, schedule.label("schedule_id"), nudged.label("nudged"),
                          done.label("done"), people.label("people"))
                .where(E.c.platform == platform, E.c.workspace_id == workspace_id,
                       E.c.at >= start, E.c.at < end,
                       E.c.kind.in_((str(EventKind.NUDGED), str(EventKind.DONE)))))
        stmt = stmt.group_by(day, E.c.schedule_id) if by_schedule else stmt.group_by(day)
        return [TeamDay(_as_date(r.day), r.schedule_id, int(r.nudged or 0), int(r.done or 0),
                        int(r.people or 0)) for r in await self._all(stmt)]

    async def team_people(self, platform: str, workspace_id: str, start: datetime,
                          end: datetime) -> TeamPeople:
        """Distinct people who took a break in [start, end), per schedule and overall."""
        where = (E.c.platform == platform, E.c.workspace_id == workspace_id,
                 E.c.at >= start, E.c.at < end, E.c.kind == str(EventKind.DONE))
        per = (sa.select(E.c.schedule_id, sa.func.count(sa.distinct(E.c.user_id)).label("n"))
               .where(*where).group_by(E.c.schedule_id))
        total = sa.select(sa.func.count(sa.distinct(E.c.user_id)).label("n")).where(*where)
        by_schedule = {r.schedule_id: int(r.n) for r in await self._all(per)}
        [row] = await self._all(total)
        return TeamPeople(by_schedule, int(row.n))

    async def workspace_has_events(self, platform: str, workspace_id: str) -> bool:
        stmt = sa.select(E.c.id).where(E.c.platform == platform,
                                       E.c.workspace_id == workspace_id).limit(1)
        return bool(await self._all(stmt))

    async def schedule_for_channel(self, platform: str, workspace_id: str,
                                   channel_key: str) -> int | None:
        """The schedule whose nudge was posted last in a channel: what a Done clicked there
        answers (the button itself names no schedule)."""
        d = t.deliveries
        stmt = (sa.select(d.c.source)
                .where(d.c.target_key == channel_key, d.c.platform == platform,
                       d.c.workspace_id == workspace_id, d.c.source.startswith("schedule:"),
                       d.c.status == "sent")
                .order_by(d.c.slot.desc()).limit(1))
        try:
            rows = await self._all(stmt)
        except StorageError:
            return None
        ident = rows[0].source.partition(":")[2] if rows else ""
        return int(ident) if ident.isdigit() else None

    # ------------------------------------------------------------------ retention

    async def prune(self, before: datetime, *, batch: int = PRUNE_BATCH) -> int:
        """Delete events older than ``before``, ``batch`` rows per transaction, yielding
        between batches so ticks and commands interleave; returns how many went."""
        removed = 0
        while True:
            ids = sa.select(E.c.id).where(E.c.at < before).order_by(E.c.at).limit(batch)
            async with self.store.write(begin="DEFERRED") as conn:
                result = await conn.execute(
                    sa.delete(E).where(E.c.id.in_(ids.scalar_subquery())))
            removed += result.rowcount or 0
            if (result.rowcount or 0) < batch:
                return removed
            await asyncio.sleep(0)
