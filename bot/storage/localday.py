"""SQL for "the local calendar day (or hour) of a UTC instant" in one zone, per dialect.

PostgreSQL does that natively (``timezone(zone, at)``); SQLite has no time zones, so the
zone's UTC offsets over the queried period are spelled out as a ``CASE`` over its transition
instants (a zone changes offset a few times a year at most, so the expression stays small)
and SQLite's ``date(at, '+60 minutes')`` applies the right one to each row. Shared by the
stats queries and the team-stats rollup, which must agree on which day an event fell.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa


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


def midnight(day: date, zone: ZoneInfo) -> datetime:
    """The instant a local day starts (what its events are counted from)."""
    return datetime.combine(day, time(0), tzinfo=zone)


def as_date(value: Any) -> date:
    """A day column's value: a ``date`` from PostgreSQL, ISO text from SQLite."""
    return value if isinstance(value, date) else date.fromisoformat(str(value))


class LocalDay:
    """The local day / hour of the ``at`` column in one zone over one period."""

    def __init__(self, dialect: str, at: sa.ColumnElement[Any], zone: ZoneInfo,
                 start: datetime, end: datetime) -> None:
        self.dialect = dialect
        self.at = at
        self.zone = zone
        self.pieces = offset_pieces(zone, start, end)

    def _modifier(self) -> sa.ColumnElement[Any]:
        def text(minutes: int) -> str:
            return f"{minutes:+d} minutes"

        if len(self.pieces) == 1:
            return sa.literal(text(self.pieces[0][1]))
        whens = [(self.at < until, text(minutes))
                 for (_, minutes), (until, _) in zip(self.pieces, self.pieces[1:], strict=False)]
        return sa.case(*whens, else_=text(self.pieces[-1][1]))

    def day(self) -> sa.ColumnElement[Any]:
        if self.dialect == "postgresql":
            return sa.cast(sa.func.timezone(self.zone.key, self.at), sa.Date)
        return sa.func.date(self.at, self._modifier())

    def hour(self) -> sa.ColumnElement[Any]:
        if self.dialect == "postgresql":
            return sa.cast(sa.extract("hour", sa.func.timezone(self.zone.key, self.at)),
                           sa.Integer)
        return sa.cast(sa.func.strftime("%H", self.at, self._modifier()), sa.Integer)
