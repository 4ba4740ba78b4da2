"""The crontab parser and its evaluation, compared with croniter away from DST."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from croniter import croniter
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.scheduling.recurrence import ScheduleError, parse_cron

FIXED_OFFSET = ZoneInfo("Etc/GMT+5")  # UTC-05:00 all year


def _item(low: int, high: int, allow_star: bool) -> st.SearchStrategy[str]:
    single = st.integers(low, high).map(str)
    # croniter reads a one-value range such as "5-5" as "*", so ranges here span 2+ values.
    ranges = st.tuples(st.integers(low, high - 1), st.integers(1, high - low)).map(
        lambda pair: f"{pair[0]}-{min(high, pair[0] + pair[1])}"
    )
    stepped = st.tuples(ranges, st.integers(1, high - low + 1)).map(lambda p: f"{p[0]}/{p[1]}")
    options = [single, ranges, stepped]
    if allow_star:
        options.append(st.integers(1, high - low + 1).map(lambda step: f"*/{step}"))
    return st.one_of(*options)


def _field(low: int, high: int, allow_star: bool = True) -> st.SearchStrategy[str]:
    items = st.lists(_item(low, high, allow_star), min_size=1, max_size=3).map(",".join)
    return st.one_of(st.just("*"), items)


# Day-of-month and day-of-week are either exactly "*" or restricted without a leading star:
# croniter and crontab disagree about whether "*/2" counts as restricted for the OR rule.
# Days stop at 28 so every generated expression fires in every month.
CRON_EXPRESSIONS = st.tuples(
    _field(0, 59),
    _field(0, 23),
    _field(1, 28, allow_star=False),
    _field(1, 12),
    _field(0, 7, allow_star=False),
).map(" ".join)
STARTS = st.datetimes(
    min_value=datetime(2024, 1, 1), max_value=datetime(2031, 12, 31), timezones=st.just(UTC)
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(expr=CRON_EXPRESSIONS, start=STARTS, tz=st.sampled_from([UTC, FIXED_OFFSET]))
def test_matches_croniter_without_dst(expr: str, start: datetime, tz: ZoneInfo) -> None:
    """In zones without DST, the next 8 fire times equal croniter's."""
    reference = croniter(expr, start.astimezone(tz))
    expected = [reference.get_next(datetime).astimezone(UTC) for _ in range(8)]
    assert parse_cron(expr).upcoming(start, tz, 8) == expected


@pytest.mark.parametrize(
    ("expr", "local"),
    [
        ("0 9 * * 0", "2027-01-03T09:00"),  # Sunday
        ("0 9 * * 7", "2027-01-03T09:00"),  # 7 is Sunday too
        ("0 9 * * sun", "2027-01-03T09:00"),
        ("0 9 * * MON-FRI", "2027-01-01T09:00"),  # Friday 1 Jan
        ("0 9 * * fri-sun", "2027-01-01T09:00"),
        ("0 9 * JAN *", "2027-01-01T09:00"),
        ("0 9 * feb *", "2027-02-01T09:00"),
        ("5/20 * * * *", "2027-01-01T00:05"),
        ("0 12 15 * 1", "2027-01-04T12:00"),  # OR rule: Monday 4th before the 15th
        ("0 12 */15 * 1", "2027-02-01T12:00"),  # starred day-of-month: AND rule
        ("@hourly", "2027-01-01T00:00"),
        ("@weekly", "2027-01-03T00:00"),
        ("@monthly", "2027-01-01T00:00"),
        ("@yearly", "2027-01-01T00:00"),
    ],
)
def test_first_fire_time(expr: str, local: str) -> None:
    """Names, 0/7 Sunday, steps, macros and the day OR rule pick the right first time."""
    after = datetime(2026, 12, 31, 23, 59, 30, tzinfo=UTC)
    assert parse_cron(expr).next_after(after, UTC) == datetime.fromisoformat(local).replace(
        tzinfo=UTC
    )


def test_starred_day_of_month_uses_and_rule() -> None:
    """`*/15` in day-of-month with a weekday means both must match (crontab's star rule)."""
    fires = parse_cron("0 12 */15 * 1").upcoming(datetime(2027, 1, 1, tzinfo=UTC), UTC, 3)
    assert all(f.weekday() == 0 and f.day in {1, 16, 31} for f in fires)


def test_restricted_days_use_or_rule() -> None:
    """With both day fields restricted, a day matches if either does."""
    fires = parse_cron("0 0 13 * fri").upcoming(datetime(2027, 1, 1, tzinfo=UTC), UTC, 40)
    assert {f.day for f in fires if f.weekday() != 4} == {13}
    assert any(f.weekday() == 4 and f.day != 13 for f in fires)


def test_impossible_date_never_fires() -> None:
    """February 30th has no next fire time."""
    assert parse_cron("0 0 30 2 *").next_after(datetime(2027, 1, 1, tzinfo=UTC), UTC) is None


def test_leap_day_fires_every_four_years() -> None:
    """February 29th fires only in leap years."""
    fires = parse_cron("0 0 29 2 *").upcoming(datetime(2027, 1, 1, tzinfo=UTC), UTC, 2)
    assert [f.date() for f in fires] == [date(2028, 2, 29), date(2032, 2, 29)]


def test_strictly_after() -> None:
    """A fire time equal to `after` is not returned again."""
    at = datetime(2027, 1, 4, 9, 0, tzinfo=UTC)
    assert parse_cron("0 9 * * *").next_after(at, UTC) == at + timedelta(days=1)


def test_naive_datetime_is_refused() -> None:
    """next_after refuses a naive datetime instead of guessing its zone."""
    with pytest.raises(ValueError, match="timezone-aware"):
        parse_cron("* * * * *").next_after(datetime(2027, 1, 1), UTC)  # noqa: DTZ001


def test_describe_cron() -> None:
    """A cron schedule describes itself by its normalised expression."""
    assert parse_cron("  0 9-17  * * 1-5 ").describe() == "cron `0 9-17 * * 1-5`"


@pytest.mark.parametrize(
    ("expr", "message"),
    [
        ("0 25 * * *", "hour field '25' is out of range 0-23"),
        ("* * * * * *", "expected 5 fields (minute hour day-of-month month day-of-week), got 6"),
        ("* * * *", "got 4"),
        ("60 * * * *", "minute field '60' is out of range 0-59"),
        ("0 0 0 * *", "day-of-month field '0' is out of range 1-31"),
        ("0 0 * 13 *", "month field '13' is out of range 1-12"),
        ("0 0 * * 8", "day-of-week field '8' is out of range 0-7"),
        ("0 9-25 * * *", "hour field '9-25': 25 is out of range 0-23"),
        ("0 17-9 * * *", "hour field '17-9' is a reversed range"),
        ("*/0 * * * *", "minute field '*/0': step 0 is out of range 1-60"),
        ("0 9 * * mon-fry", "day-of-week field 'mon-fry': 'fry' is not a number or name"),
        ("0 9 * mon * ", "month field 'mon': 'mon' is not a number or name"),
        ("0 9,,10 * * *", "hour field '9,,10' has an empty list item"),
        ("0 9 ? * *", "day-of-month field '?': '?' is not a number"),
        ("@reboot", "cron macro '@reboot' is not supported"),
        ("", "cron expression is empty"),
        ("0 ９ * * *", "hour field '９': '９' is not a number"),
    ],
)
def test_error_messages(expr: str, message: str) -> None:
    """Bad cron text raises ScheduleError naming the field and the reason."""
    with pytest.raises(ScheduleError) as caught:
        parse_cron(expr)
    assert message in str(caught.value)


@settings(max_examples=300, deadline=None)
@given(text=st.text(max_size=300))
def test_fuzz_only_schedule_error(text: str) -> None:
    """Any text either parses or raises ScheduleError, never another exception."""
    try:
        recurrence = parse_cron(text)
    except ScheduleError:
        return
    recurrence.next_after(datetime(2027, 1, 1, tzinfo=UTC), UTC)


@settings(max_examples=300, deadline=None)
@given(
    fields=st.lists(
        st.text(alphabet="0123456789*/-,abcdefjmnorstuvwyADFJMNOSTW?#L@", max_size=8),
        min_size=5,
        max_size=5,
    )
)
def test_fuzz_cron_alphabet(fields: list[str]) -> None:
    """Near-miss cron text from cron's own alphabet fails only with ScheduleError."""
    try:
        recurrence = parse_cron(" ".join(fields))
    except ScheduleError:
        return
    recurrence.next_after(datetime(2027, 1, 1, tzinfo=UTC), UTC)


@pytest.mark.parametrize("zone", ["UTC", "America/New_York", "Pacific/Kiritimati"])
def test_edges_of_datetime_range_return_none(zone: str) -> None:
    """Near year 9999 there is no next fire time, and no OverflowError either."""
    tz = ZoneInfo(zone)
    assert parse_cron("0 0 29 2 *").next_after(datetime(9996, 3, 1, tzinfo=UTC), tz) is None
    assert parse_cron("* * * * *").next_after(datetime.max.replace(tzinfo=UTC), tz) is None
