"""Fire times across DST changes, checked against a brute-force minute walk.

The reference shares no code with ``bot.scheduling.recurrence``: wall-time matching comes from
croniter's ``match`` (or a hand-written predicate), and the DST rules are applied the obvious
way: a wall time that never appears when walking UTC is skipped by construction, and the second
appearance of a repeated wall time is dropped.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from croniter import croniter

from bot.scheduling.recurrence import Recurrence, friendly, parse_cron

WallMatcher = Callable[[datetime], bool]


def cron_matcher(expr: str, around: datetime) -> WallMatcher:
    """Match wall times croniter lists for a naive (zone-less) calendar near ``around``.

    croniter on naive datetimes knows nothing of DST, so it enumerates the wall times that
    match the fields; listing them once is much faster than ``croniter.match`` per minute.
    """
    cursor = croniter(expr, around.replace(tzinfo=None) - timedelta(days=3))
    limit = around.replace(tzinfo=None) + timedelta(days=6)
    walls: set[datetime] = set()
    while (wall := cursor.get_next(datetime)) <= limit:
        walls.add(wall)
    return walls.__contains__


def brute_force(
    matcher: WallMatcher, tz: ZoneInfo, after_utc: datetime, until_utc: datetime
) -> list[datetime]:
    """Every UTC minute in (after, until] whose local wall time matches, first occurrences only."""
    minute = after_utc.replace(second=0, microsecond=0) + timedelta(minutes=1)
    found: list[datetime] = []
    while minute <= until_utc:
        local = minute.astimezone(tz)
        repeated = local.fold == 1 and local.replace(fold=0).utcoffset() != local.utcoffset()
        if not repeated and matcher(local.replace(tzinfo=None, fold=0)):
            found.append(minute.astimezone(UTC))
        minute += timedelta(minutes=1)
    return found


NEW_YORK = ZoneInfo("America/New_York")
LONDON = ZoneInfo("Europe/London")
LORD_HOWE = ZoneInfo("Australia/Lord_Howe")
APIA = ZoneInfo("Pacific/Apia")

# (zone, local date of a change). Lord Howe shifts by 30 minutes; Apia skipped 2011-12-30
# entirely when it moved across the date line, and observed DST until 2021.
CHANGE_DAYS = [
    (NEW_YORK, date(2027, 3, 14)),
    (NEW_YORK, date(2027, 11, 7)),
    (LONDON, date(2027, 3, 28)),
    (LONDON, date(2027, 10, 31)),
    (LORD_HOWE, date(2027, 4, 4)),
    (LORD_HOWE, date(2027, 10, 3)),
    (APIA, date(2011, 12, 29)),
    (APIA, date(2019, 9, 29)),
    (APIA, date(2020, 4, 5)),
]
CRONS = [
    "*/30 1 * * *",
    "*/30 2 * * *",
    "0 9-17 * * *",
    "15,45 0-4 * * *",
    "*/10 * * * *",
    "0 3 * * *",
    "30 1 * * 0",
    "59 23 * * *",
]


def _all_until(recurrence: Recurrence, tz: ZoneInfo, after: datetime, until: datetime) -> list:
    found = []
    cursor = after
    while (nxt := recurrence.next_after(cursor, tz)) is not None and nxt <= until:
        found.append(nxt)
        cursor = nxt
    return found


def _window(tz: ZoneInfo, day: date) -> tuple[datetime, datetime]:
    midday = datetime(day.year, day.month, day.day, 12, tzinfo=UTC)
    return midday - timedelta(hours=40), midday + timedelta(hours=40)


@pytest.mark.parametrize(("tz", "day"), CHANGE_DAYS, ids=lambda v: str(v))
@pytest.mark.parametrize("expr", CRONS)
def test_cron_matches_brute_force_on_change_days(tz: ZoneInfo, day: date, expr: str) -> None:
    """Cron fire times around a DST change equal the naive minute-walk reference."""
    after, until = _window(tz, day)
    expected = brute_force(cron_matcher(expr, after), tz, after, until)
    assert _all_until(parse_cron(expr), tz, after, until) == expected


@pytest.mark.parametrize(("tz", "day"), CHANGE_DAYS, ids=lambda v: str(v))
@pytest.mark.parametrize(
    ("every", "start", "end"), [(60, "09:00", "17:00"), (45, "00:30", "04:00")]
)
def test_friendly_matches_brute_force_on_change_days(
    tz: ZoneInfo, day: date, every: int, start: str, end: str
) -> None:
    """Friendly fire times around a DST change equal the naive minute-walk reference."""
    recurrence = friendly(every, start, end, "daily")
    first = time.fromisoformat(start)
    last = time.fromisoformat(end)

    def matcher(wall: datetime) -> bool:
        minutes = wall.hour * 60 + wall.minute - (first.hour * 60 + first.minute)
        return first <= wall.time() <= last and minutes % every == 0

    after, until = _window(tz, day)
    assert _all_until(recurrence, tz, after, until) == brute_force(matcher, tz, after, until)


def test_repeated_hour_fires_once_at_first_occurrence() -> None:
    """`*/30 1 * * *` on New York's fall-back day fires 01:00 and 01:30 EDT only."""
    after = datetime(2027, 11, 7, 0, 0, tzinfo=UTC)
    fires = parse_cron("*/30 1 * * *").upcoming(after, NEW_YORK, 3)
    assert [f.isoformat() for f in fires] == [
        "2027-11-07T05:00:00+00:00",
        "2027-11-07T05:30:00+00:00",
        "2027-11-08T06:00:00+00:00",
    ]


def test_asking_inside_repeated_hour_moves_forward() -> None:
    """Asked during the second 01:xx, the next fire is the next day, not back in time."""
    after = datetime(2027, 11, 7, 6, 10, tzinfo=UTC)  # 01:10 EST, the repeat
    nxt = parse_cron("*/30 1 * * *").next_after(after, NEW_YORK)
    assert nxt == datetime(2027, 11, 8, 6, 0, tzinfo=UTC)


def test_gap_time_is_skipped() -> None:
    """02:30 does not exist in New York on 2027-03-14, so that day has no fire."""
    after = datetime(2027, 3, 13, 12, 0, tzinfo=UTC)
    fires = parse_cron("30 2 * * *").upcoming(after, NEW_YORK, 2)
    assert [f.astimezone(NEW_YORK).isoformat() for f in fires] == [
        "2027-03-15T02:30:00-04:00",
        "2027-03-16T02:30:00-04:00",
    ]


@pytest.mark.parametrize(("tz", "day"), CHANGE_DAYS, ids=lambda v: str(v))
def test_hourly_work_schedule_fires_at_local_hours_on_change_day(tz: ZoneInfo, day: date) -> None:
    """Hourly 09:00–17:00 fires at exactly those nine local hours on a DST change day."""
    start = datetime(day.year, day.month, day.day, tzinfo=tz).astimezone(UTC)
    for recurrence in (parse_cron("0 9-17 * * *"), friendly(60, "09:00", "17:00", "daily")):
        fires = recurrence.upcoming(start, tz, 9)
        local = [f.astimezone(tz) for f in fires]
        assert [(t.date(), t.hour, t.minute) for t in local] == [
            (day, hour, 0) for hour in range(9, 18)
        ]


@pytest.mark.parametrize("tz", [NEW_YORK, LONDON, LORD_HOWE, APIA], ids=str)
@pytest.mark.parametrize("expr", ["*/30 1 * * *", "*/7 * * * *", "0 2 * * *"])
def test_never_steps_backwards(tz: ZoneInfo, expr: str) -> None:
    """Successive fire times strictly increase across a year of DST changes."""
    fires = parse_cron(expr).upcoming(datetime(2027, 1, 1, tzinfo=UTC), tz, 1000)
    assert all(later > earlier for earlier, later in zip(fires, fires[1:], strict=False))
    probe = datetime(2027, 11, 7, 5, 45, tzinfo=UTC)
    for _ in range(100):
        nxt = parse_cron(expr).next_after(probe, tz)
        assert nxt is not None and nxt > probe
        probe = nxt - timedelta(seconds=1) if _ % 2 else nxt


def test_apia_skipped_day_has_no_fires() -> None:
    """Pacific/Apia had no 2011-12-30; a daily 09:00 goes from the 29th to the 31st."""
    fires = parse_cron("0 9 * * *").upcoming(datetime(2011, 12, 28, 12, tzinfo=UTC), APIA, 3)
    assert [f.astimezone(APIA).date() for f in fires] == [
        date(2011, 12, 28),
        date(2011, 12, 29),
        date(2011, 12, 31),
    ]
