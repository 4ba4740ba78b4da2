"""Team stats' daily rollup: what /teamstats reads instead of a period's events (issue 13).

A year of a 10,000-person workspace is a million events; grouping them by local day on every
/teamstats took seconds. The rollup keeps, per workspace:

- ``stats_days``: per local day and ``schedule_key`` (a schedule id, :data:`NO_SCHEDULE` for a
  Done tied to none, :data:`WORKSPACE` for everything), channel nudges posted, breaks taken
  and the people who took one that day;
- ``stats_people``: each person's last break per ``schedule_key``, and on each day row the
  number of people whose last break is that day (``lasts``). A period always ends today, so
  "people taking part in the period" is the sum of ``lasts`` over its days, which no sum of
  daily people counts could give (the same person on two days).

Rows are added to in the transaction that records the events (:meth:`Rollup.apply`), so they
are exactly as current as the events. A person counts once per day because their
``last_at`` row is read ``FOR UPDATE`` before it moves (and a new row is added by an INSERT
only one of two simultaneous clicks can win), atomic under concurrent clicks on both
backends.

Days are local days in the workspace's zone, so the rollup is built for one zone (recorded in
``stats_rollups``) and rebuilt from the events when the workspace's zone changes, on the
migration's first use, or after ``/remind forget`` hit a rollup mid-build. A build goes a
month of events per transaction, yielding in between, so it never holds SQLite's write lock
for long; until it is ``ready`` the increments are skipped (the build counts those events
itself) and /teamstats scans the events as before. On PostgreSQL recorders take a shared
advisory lock per workspace and the build's transactions an exclusive one, so an event is
either counted by the build or added by its recorder, never both or neither.

Known limit: an event recorded with a time earlier than the same person's last break (not
something the bot does: events are stamped when they happen) is counted, but not as a new
person for its older day.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.core.events import BreakEvent, EventKind
from bot.storage import tables as t
from bot.storage.errors import StorageError
from bot.storage.localday import LocalDay, as_date, midnight
from bot.storage.store import Store

log = logging.getLogger(__name__)

E, D, P, R = t.stats_events, t.stats_days, t.stats_people, t.stats_rollups
WORKSPACE = -1  # schedule_key of the whole workspace's rows
NO_SCHEDULE = 0  # schedule_key of Done clicks tied to no schedule
CHUNK_DAYS = 31
LOCK = "stats_rollup"
DONE, NUDGED = str(EventKind.DONE), str(EventKind.NUDGED)

Space = tuple[str, str]  # (platform, workspace_id)
DayKey = tuple[str, str, date, int]  # (platform, workspace_id, local day, schedule_key)
_SAME_DAY = object()  # the person already took a break that day


def schedule_key(schedule_id: int | None) -> int:
    return NO_SCHEDULE if schedule_id is None else schedule_id


def schedule_of(key: int) -> int | None:
    return None if key == NO_SCHEDULE else key


def counts_for_team(event: BreakEvent) -> bool:
    """Team stats count breaks taken and channel posts (a DM nudge is one person's)."""
    return event.kind == EventKind.DONE or (
        event.kind == EventKind.NUDGED and event.user_id is None)


def team_filter() -> sa.ColumnElement[bool]:
    """The same rule in SQL, for the build and the events scan."""
    return sa.or_(E.c.kind == DONE, sa.and_(E.c.kind == NUDGED, E.c.user_id.is_(None)))


@dataclass(frozen=True, slots=True)
class RollupState:
    zone: str
    build_id: str
    built_until: datetime
    ready: bool


@dataclass(frozen=True, slots=True)
class RollupDay:
    day: date
    nudged: int
    done: int
    people: int


@dataclass(frozen=True, slots=True)
class RollupPeriod:
    """A period's figures from the rollup: per schedule_key (nudged, done) and people."""

    counts: dict[int, tuple[int, int]]
    people: dict[int, int]


class Rollup:
    def __init__(self, store: Store, *, chunk_days: int = CHUNK_DAYS) -> None:
        self.store = store
        self.chunk_days = chunk_days
        self._builds: dict[Space, asyncio.Task[bool]] = {}

    # ------------------------------------------------------------------ recording

    async def lock_spaces(self, conn: AsyncConnection, events: Sequence[BreakEvent]) -> None:
        """Before the events are inserted: the shared lock that orders them against a build."""
        for platform, ws in sorted({(str(e.platform), e.workspace_id[:64])  # as stored
                                    for e in events if counts_for_team(e)}):
            await self.store.lock(conn, LOCK, platform, ws, shared=True)

    async def apply(self, conn: AsyncConnection, events: Sequence[BreakEvent]) -> None:
        """Add ``events`` (just inserted in ``conn``'s transaction) to the ready rollups."""
        relevant = [e for e in events if counts_for_team(e)]
        if not relevant:
            return
        states = await self._states(conn, {(str(e.platform), e.workspace_id[:64])
                                           for e in relevant})
        adds: dict[DayKey, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
        leaves: Counter[DayKey] = Counter()  # people whose last break moved off that day
        for event in relevant:
            space = (str(event.platform), event.workspace_id[:64])
            state = states.get(space)
            if state is None or not state.ready:
                continue
            zone = ZoneInfo(state.zone)
            day = event.at.astimezone(zone).date()
            for key in (schedule_key(event.schedule_id), WORKSPACE):
                row = adds[(*space, day, key)]
                if event.kind == EventKind.NUDGED:
                    row[0] += 1
                    continue
                row[1] += 1
                if event.user_id is None:
                    continue
                before = await self._move_last(conn, space, key, event.user_id[:64], event.at,
                                               midnight(day, zone))
                if before is _SAME_DAY:
                    continue
                row[2] += 1  # their first break that day
                row[3] += 1  # and their latest, until the next one
                if isinstance(before, datetime):
                    leaves[(*space, before.astimezone(zone).date(), key)] += 1
        if adds:
            await self._add_days(conn, adds)
        for (platform, ws, day, key), count in sorted(leaves.items()):
            await conn.execute(sa.update(D).where(
                D.c.platform == platform, D.c.workspace_id == ws, D.c.day == day,
                D.c.schedule_key == key).values(lasts=D.c.lasts - count))

    async def _move_last(self, conn: AsyncConnection, space: Space, key: int, user: str,
                         at: datetime, day_start: datetime) -> datetime | object | None:
        """Make ``at`` the person's last break; say what it was before: None (no break
        before), the earlier instant (a break on an earlier day), or :data:`_SAME_DAY`.

        The row is read ``FOR UPDATE`` (SQLite's write transaction already excludes every
        other writer), and a missing row is added with an INSERT only one of two simultaneous
        clicks can win; the loser reads the winner's row, so each person counts once a day.
        """
        platform, ws = space
        pk = (P.c.platform == platform, P.c.workspace_id == ws, P.c.schedule_key == key,
              P.c.user_id == user)
        read = sa.select(P.c.last_at).where(*pk).with_for_update()
        before = (await conn.execute(read)).scalar()
        if before is None:
            added = await conn.execute(self.store._insert(P).values(  # noqa: SLF001
                platform=platform, workspace_id=ws, schedule_key=key, user_id=user, last_at=at
            ).on_conflict_do_nothing())
            if added.rowcount:
                return None
            before = (await conn.execute(read)).scalar()
        if before is None or before >= day_start:  # None: a /remind forget just removed it
            return _SAME_DAY
        await conn.execute(sa.update(P).where(*pk).values(last_at=at))
        return before

    async def _add_days(self, conn: AsyncConnection, adds: dict[DayKey, list[int]]) -> None:
        rows = [{"platform": p, "workspace_id": ws, "day": day, "schedule_key": key,
                 "nudged": n, "done": d, "people": people, "lasts": lasts}
                for (p, ws, day, key), (n, d, people, lasts) in sorted(adds.items())]
        stmt = self.store._insert(D).values(rows)  # noqa: SLF001
        stmt = stmt.on_conflict_do_update(
            index_elements=[D.c.platform, D.c.workspace_id, D.c.day, D.c.schedule_key],
            set_={column: D.c[column] + stmt.excluded[column]
                  for column in ("nudged", "done", "people", "lasts")})
        await conn.execute(stmt)

    @staticmethod
    async def _states(conn: AsyncConnection, spaces: Iterable[Space]) -> dict[Space, RollupState]:
        found: dict[Space, RollupState] = {}
        for platform, ws in spaces:
            row = (await conn.execute(sa.select(R).where(
                R.c.platform == platform, R.c.workspace_id == ws))).first()
            if row is not None:
                found[(platform, ws)] = RollupState(row.zone, row.build_id, row.built_until,
                                                    bool(row.ready))
        return found

    # ------------------------------------------------------------------ reading

    async def state(self, platform: str, workspace_id: str) -> RollupState | None:
        async with self.store.read() as conn:
            return (await self._states(conn, [(platform, workspace_id)])).get(
                (platform, workspace_id))

    async def ensure(self, platform: str, workspace_id: str, zone: ZoneInfo) -> str | None:
        """The ready build's id if the rollup can answer for ``zone`` now; otherwise start
        (or leave running) the build in the background and answer None. A reader checks the
        id again after reading (:meth:`still`): a rebuild that began meanwhile has a new one."""
        state = await self.state(platform, workspace_id)
        if state is not None and state.ready and state.zone == zone.key:
            return state.build_id
        space = (platform, workspace_id)
        task = self._builds.get(space)
        if task is None or task.done():
            self._builds[space] = asyncio.ensure_future(self._build_logged(space, zone))
        return None

    async def still(self, platform: str, workspace_id: str, build_id: str) -> bool:
        state = await self.state(platform, workspace_id)
        return state is not None and state.ready and state.build_id == build_id

    async def days(self, platform: str, workspace_id: str, first: date, last: date
                   ) -> list[RollupDay]:
        """The whole workspace's rows for local days ``first`` to ``last`` inclusive."""
        stmt = (sa.select(D.c.day, D.c.nudged, D.c.done, D.c.people)
                .where(D.c.platform == platform, D.c.workspace_id == workspace_id,
                       D.c.schedule_key == WORKSPACE, D.c.day >= first, D.c.day <= last)
                .order_by(D.c.day))
        async with self.store.read() as conn:
            rows = (await conn.execute(stmt)).all()
        return [RollupDay(as_date(r.day), r.nudged, r.done, r.people) for r in rows]

    async def period(self, platform: str, workspace_id: str, first: date, last: date
                     ) -> RollupPeriod:
        """Per schedule_key over the days ``first`` to ``last`` (today): posts, breaks, and
        the people whose last break falls in those days (so took one in the period)."""
        stmt = (sa.select(D.c.schedule_key, sa.func.sum(D.c.nudged).label("nudged"),
                          sa.func.sum(D.c.done).label("done"),
                          sa.func.sum(D.c.lasts).label("people"))
                .where(D.c.platform == platform, D.c.workspace_id == workspace_id,
                       D.c.day >= first, D.c.day <= last)
                .group_by(D.c.schedule_key))
        async with self.store.read() as conn:
            rows = (await conn.execute(stmt)).all()
        return RollupPeriod(
            {r.schedule_key: (int(r.nudged or 0), int(r.done or 0))
             for r in rows if r.schedule_key != WORKSPACE},
            {r.schedule_key: int(r.people or 0) for r in rows})

    # ------------------------------------------------------------------ building

    async def _build_logged(self, space: Space, zone: ZoneInfo) -> bool:
        try:
            return await self.build(*space, zone)
        except StorageError as exc:
            log.warning("team stats rollup for one workspace not built (%s); the events are "
                        "read directly until the next try", exc)
            return False

    async def build(self, platform: str, workspace_id: str, zone: ZoneInfo) -> bool:
        """(Re)build one workspace's rollup in ``zone``, a chunk of days per transaction.
        False if another build (another process, a zone change) took over meanwhile."""
        build_id = secrets.token_hex(8)
        now = self.store.clock.now()
        async with self.store.write() as conn:
            await self.store.lock(conn, LOCK, platform, workspace_id)
            first: datetime | None = (await conn.execute(sa.select(sa.func.min(E.c.at)).where(
                E.c.platform == platform, E.c.workspace_id == workspace_id))).scalar()
            start = midnight((first or now).astimezone(zone).date(), zone)
            for table in (D, P):
                await conn.execute(sa.delete(table).where(
                    table.c.platform == platform, table.c.workspace_id == workspace_id))
            await conn.execute(sa.delete(R).where(R.c.platform == platform,
                                                  R.c.workspace_id == workspace_id))
            await conn.execute(sa.insert(R).values(
                platform=platform, workspace_id=workspace_id, zone=zone.key, build_id=build_id,
                built_until=start, ready=False))
        while True:
            async with self.store.write() as conn:
                await self.store.lock(conn, LOCK, platform, workspace_id)
                state = (await self._states(conn, [(platform, workspace_id)])).get(
                    (platform, workspace_id))
                if state is None or state.build_id != build_id:
                    return False
                cursor = state.built_until
                end = midnight(cursor.astimezone(zone).date()
                               + timedelta(days=self.chunk_days), zone)
                now = self.store.clock.now()
                final = end > now
                if final:  # today's day whole, and whatever a clock a little ahead stamped
                    end = midnight(now.astimezone(zone).date() + timedelta(days=2), zone)
                await self._aggregate(conn, platform, workspace_id, zone, cursor, end)
                if final:
                    await self._count_lasts(conn, platform, workspace_id, zone, end)
                await conn.execute(sa.update(R).where(
                    R.c.platform == platform, R.c.workspace_id == workspace_id).values(
                    built_until=end, ready=final))
            if final:
                return True
            await self._between_chunks()

    async def _between_chunks(self) -> None:
        """Let ticks, commands and recorders in before the next chunk takes the lock."""
        await asyncio.sleep(0)

    async def _aggregate(self, conn: AsyncConnection, platform: str, workspace_id: str,
                         zone: ZoneInfo, start: datetime, end: datetime) -> None:
        """The events of [start, end) (whole local days) into the rollup, in SQL."""
        day = LocalDay(self.store.dialect, E.c.at, zone, start, end).day()
        where = (E.c.platform == platform, E.c.workspace_id == workspace_id,
                 E.c.at >= start, E.c.at < end, team_filter())
        is_done = E.c.kind == DONE
        key = sa.func.coalesce(E.c.schedule_id, NO_SCHEDULE)
        figures = (sa.func.sum(sa.case((E.c.kind == NUDGED, 1), else_=0)),
                   sa.func.sum(sa.case((is_done, 1), else_=0)),
                   sa.func.count(sa.distinct(sa.case((is_done, E.c.user_id)))))
        here = (sa.literal(platform, sa.String), sa.literal(workspace_id, sa.String))
        columns = ["platform", "workspace_id", "day", "schedule_key", "nudged", "done", "people"]
        per_key = sa.select(*here, day, key, *figures).where(*where).group_by(day, key)
        whole = sa.select(*here, day, sa.literal(WORKSPACE, sa.Integer), *figures).where(
            *where).group_by(day)
        for select in (per_key, whole):
            await conn.execute(sa.insert(D).from_select(columns, select))
        people = ["platform", "workspace_id", "schedule_key", "user_id", "last_at"]
        last = sa.func.max(E.c.at)
        for select in (
            sa.select(*here, key, E.c.user_id, last).where(*where, is_done)
            .group_by(key, E.c.user_id),
            sa.select(*here, sa.literal(WORKSPACE, sa.Integer), E.c.user_id, last)
            .where(*where, is_done).group_by(E.c.user_id),
        ):
            stmt = self.store._insert(P).from_select(people, select)  # noqa: SLF001
            await conn.execute(stmt.on_conflict_do_update(
                index_elements=[P.c.platform, P.c.workspace_id, P.c.schedule_key, P.c.user_id],
                set_={"last_at": stmt.excluded.last_at}))

    async def _count_lasts(self, conn: AsyncConnection, platform: str, workspace_id: str,
                           zone: ZoneInfo, end: datetime) -> None:
        """Once every chunk is in, each person's last break is known: count them per day."""
        mine = (P.c.platform == platform, P.c.workspace_id == workspace_id)
        first: datetime | None = (await conn.execute(
            sa.select(sa.func.min(P.c.last_at)).where(*mine))).scalar()
        if first is None:
            return
        day = LocalDay(self.store.dialect, P.c.last_at, zone, first, end).day()
        select = (sa.select(sa.literal(platform, sa.String), sa.literal(workspace_id, sa.String),
                            day, P.c.schedule_key, sa.func.count())
                  .where(*mine).group_by(day, P.c.schedule_key))
        stmt = self.store._insert(D).from_select(  # noqa: SLF001
            ["platform", "workspace_id", "day", "schedule_key", "lasts"], select)
        await conn.execute(stmt.on_conflict_do_update(
            index_elements=[D.c.platform, D.c.workspace_id, D.c.day, D.c.schedule_key],
            set_={"lasts": stmt.excluded.lasts}))

    async def wait(self) -> None:
        """Let builds started by :meth:`ensure` finish (tests, and a clean shutdown)."""
        tasks = [task for task in self._builds.values() if not task.done()]
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)

    async def stop(self) -> None:
        for task in self._builds.values():
            task.cancel()
        await asyncio.gather(*self._builds.values(), return_exceptions=True)
        self._builds.clear()

    # ------------------------------------------------------------------ pruning

    async def prune(self, before: datetime) -> int:
        """Days before the retention cutoff (a day kept in hand for zones ahead of UTC), and
        people whose last break is older than it."""
        keep_from = (before - timedelta(days=1)).date()
        async with self.store.write(begin="DEFERRED") as conn:
            days = await conn.execute(sa.delete(D).where(D.c.day < keep_from))
            people = await conn.execute(sa.delete(P).where(P.c.last_at < before))
        return (days.rowcount or 0) + (people.rowcount or 0)


def forget_in_rollup(conn: sa.Connection, platform: str, workspace_id: str | None,
                     user_id: str) -> int:
    """``/remind forget``'s part, run in its transaction before the events go: take the
    person's breaks out of the days they were counted in (in ``workspace_id``, or in every
    workspace of the platform for Discord's personal "@me"), and delete their last-break rows.
    A rollup still being built is dropped instead, so it is built again without them.
    Returns the rows deleted."""
    where = [E.c.platform == platform, E.c.user_id == user_id, E.c.kind == DONE]
    gone = [P.c.platform == platform, P.c.user_id == user_id]
    if workspace_id is not None:
        where.append(E.c.workspace_id == workspace_id)
        gone.append(P.c.workspace_id == workspace_id)
    breaks = conn.execute(sa.select(E.c.workspace_id, E.c.schedule_id, E.c.at)
                          .where(*where)).all()
    lasts = conn.execute(sa.select(P.c.workspace_id, P.c.schedule_key, P.c.last_at)
                         .where(*gone)).all()
    for ws in sorted({r.workspace_id for r in breaks} | {r.workspace_id for r in lasts}):
        state = conn.execute(sa.select(R).where(R.c.platform == platform,
                                                R.c.workspace_id == ws)).first()
        if state is None:
            continue
        if not state.ready:
            conn.execute(sa.delete(R).where(R.c.platform == platform, R.c.workspace_id == ws))
            continue
        zone = ZoneInfo(state.zone)
        done: Counter[tuple[date, int]] = Counter()
        for row in breaks:
            if row.workspace_id == ws:
                day = row.at.astimezone(zone).date()
                done[(day, schedule_key(row.schedule_id))] += 1
                done[(day, WORKSPACE)] += 1
        for (day, key), count in done.items():  # they counted once on each of these days
            conn.execute(sa.update(D).where(
                D.c.platform == platform, D.c.workspace_id == ws, D.c.day == day,
                D.c.schedule_key == key).values(done=D.c.done - count, people=D.c.people - 1))
        for row in lasts:
            if row.workspace_id == ws:
                conn.execute(sa.update(D).where(
                    D.c.platform == platform, D.c.workspace_id == ws,
                    D.c.day == row.last_at.astimezone(zone).date(),
                    D.c.schedule_key == row.schedule_key).values(lasts=D.c.lasts - 1))
    return conn.execute(sa.delete(P).where(*gone)).rowcount or 0
