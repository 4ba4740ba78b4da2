"""Stats events in the database: the store-backed :class:`bot.core.events.EventLog` and the
queries /mystats, /teamstats, the export and the retention prune read them with.

Aggregation happens in SQL: events are grouped by the calendar day (or hour) in a time zone
the caller names (``bot/storage/localday.py``). /teamstats reads the daily rollup
(``bot/storage/rollup.py``) kept current as events are recorded, and scans the events only
while that rollup is being built.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import sqlalchemy as sa

from bot.core.events import BreakEvent, EventKind
from bot.storage import tables as t
from bot.storage.errors import StorageError
from bot.storage.localday import LocalDay, as_date
from bot.storage.rollup import (
    WORKSPACE,
    Rollup,
    RollupDay,
    RollupPeriod,
    schedule_of,
    team_filter,
)
from bot.storage.store import Store

log = logging.getLogger(__name__)

E = t.stats_events
PRUNE_BATCH = 5000
PERSONAL = "@me"  # Discord: a person's own space, not a team


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
    """Distinct people who took a break over a whole period, per schedule and in total, and
    each schedule's (nudges posted, breaks taken)."""

    by_schedule: dict[int | None, int]
    total: int
    counts: dict[int | None, tuple[int, int]] = field(default_factory=dict)


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


class StatsEvents:
    """The EventLog every part records breaks through, and the stats queries.

    ``record`` never raises for a database fault: a break that happened must not turn into
    an error because stats could not be written, so the fault is one log line. Reads raise
    :class:`StorageError` like the rest of storage.
    """

    def __init__(self, store: Store) -> None:
        self.store = store
        self.rollup = Rollup(store)

    @property
    def clock(self) -> Any:
        return self.store.clock

    # ------------------------------------------------------------------ writing

    async def record(self, event: BreakEvent) -> None:
        await self.record_many((event,))

    async def record_many(self, events: Iterable[BreakEvent]) -> None:
        """Several events in one statement (the dispatcher's sent nudges of a fan-out)."""
        batch = list(events)
        rows = [_values(e) for e in batch]
        if not rows:
            return
        try:
            async with self.store.write() as conn:
                await self.rollup.lock_spaces(conn, batch)
                await conn.execute(sa.insert(E), rows)
                await self.rollup.apply(conn, batch)
        except StorageError as exc:
            log.warning("could not record %d stats event(s): %s", len(rows), exc)

    # ------------------------------------------------------------------ reading

    async def _all(self, stmt: sa.Select[Any]) -> Sequence[sa.Row[Any]]:
        async with self.store.read() as conn:
            return (await conn.execute(stmt)).all()

    def _local(self, zone: ZoneInfo, start: datetime, end: datetime) -> LocalDay:
        return LocalDay(self.store.dialect, E.c.at, zone, start, end)

    async def person_days(self, platform: str, workspace_id: str, user_id: str,
                          zone: ZoneInfo, start: datetime, end: datetime) -> list[DayCount]:
        """Events of one person per local day and kind, in [start, end)."""
        day = self._local(zone, start, end).day().label("day")
        stmt = (sa.select(day, E.c.kind, sa.func.count().label("n"))
                .where(E.c.platform == platform, E.c.workspace_id == workspace_id,
                       E.c.user_id == user_id, E.c.at >= start, E.c.at < end)
                .group_by(day, E.c.kind))
        return [DayCount(as_date(r.day), r.kind, int(r.n)) for r in await self._all(stmt)]

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
                       E.c.at >= start, E.c.at < end, team_filter()))
        stmt = stmt.group_by(day, E.c.schedule_id) if by_schedule else stmt.group_by(day)
        return [TeamDay(as_date(r.day), r.schedule_id, int(r.nudged or 0), int(r.done or 0),
                        int(r.people or 0)) for r in await self._all(stmt)]

    async def team_schedules(self, platform: str, workspace_id: str, start: datetime,
                             end: datetime) -> TeamPeople:
        """Per schedule over a whole period (no day grouping, so no per-row date maths):
        channel nudges posted, breaks taken and distinct people; plus the workspace's
        distinct people overall."""
        where = (E.c.platform == platform, E.c.workspace_id == workspace_id,
                 E.c.at >= start, E.c.at < end, team_filter())
        is_done = E.c.kind == str(EventKind.DONE)
        per = (sa.select(
            E.c.schedule_id,
            sa.func.sum(sa.case((sa.and_(E.c.kind == str(EventKind.NUDGED),
                                         E.c.user_id.is_(None)), 1), else_=0)).label("nudged"),
            sa.func.sum(sa.case((is_done, 1), else_=0)).label("done"),
            sa.func.count(sa.distinct(sa.case((is_done, E.c.user_id)))).label("people"))
            .where(*where).group_by(E.c.schedule_id))
        total = (sa.select(sa.func.count(sa.distinct(E.c.user_id)).label("n"))
                 .where(*where[:-1], is_done))
        rows = await self._all(per)
        [row] = await self._all(total)
        return TeamPeople(
            {r.schedule_id: int(r.people or 0) for r in rows}, int(row.n),
            {r.schedule_id: (int(r.nudged or 0), int(r.done or 0)) for r in rows})

    async def team(self, platform: str, workspace_id: str, zone: ZoneInfo, start: datetime,
                   end: datetime) -> tuple[list[TeamDay], TeamPeople]:
        """What /teamstats shows for [start, end) (local midnights in ``zone``, ending
        today): from the rollup when it is built in ``zone``, else from the events while the
        rollup is built in the background."""
        build = await self.rollup.ensure(platform, workspace_id, zone)
        if build is not None:
            first = start.astimezone(zone).date()
            last = (end - timedelta(microseconds=1)).astimezone(zone).date()
            days = await self.rollup.days(platform, workspace_id, first, last)
            period = await self.rollup.period(platform, workspace_id, first, last)
            if await self.rollup.still(platform, workspace_id, build):
                return self._from_rollup(days, period)
        return (await self.team_days(platform, workspace_id, zone, start, end,
                                     by_schedule=False),
                await self.team_schedules(platform, workspace_id, start, end))

    @staticmethod
    def _from_rollup(days: Sequence[RollupDay], period: RollupPeriod
                     ) -> tuple[list[TeamDay], TeamPeople]:
        per_day = [TeamDay(d.day, None, d.nudged, d.done, d.people) for d in days]
        keys = set(period.counts) | {k for k in period.people if k != WORKSPACE}
        return per_day, TeamPeople(
            {schedule_of(k): period.people.get(k, 0) for k in keys},
            period.people.get(WORKSPACE, 0),
            {schedule_of(k): period.counts.get(k, (0, 0)) for k in keys})

    async def prepare_rollups(self) -> int:
        """Build the team rollup of every workspace with events that has none in its current
        zone (just upgraded, or its zone changed), one after another; returns how many.

        The daily retention job calls this, so the first /teamstats after an upgrade or a
        zone change rarely has to scan the events. Discord's personal "@me" space has no
        team stats and is skipped.
        """
        async with self.store.read() as conn:
            spaces = (await conn.execute(
                sa.select(E.c.platform, E.c.workspace_id).distinct())).all()
        built = 0
        for platform, workspace_id in spaces:
            if workspace_id == PERSONAL:
                continue
            ws = await self.store.get_workspace(platform, workspace_id)
            try:
                zone = ZoneInfo(ws.timezone)
            except (ValueError, ZoneInfoNotFoundError):
                continue  # never stored (validated on the way in); nothing to build for
            state = await self.rollup.state(platform, workspace_id)
            if state is not None and state.ready and state.zone == zone.key:
                continue
            built += await self.rollup.build(platform, workspace_id, zone)
        return built

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
                await self.rollup.prune(before)
                return removed
            await asyncio.sleep(0)
