"""Friendly every/start/end/days schedules and the cron-or-friendly entry point."""

from __future__ import annotations

from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.scheduling.recurrence import (
    ScheduleError,
    build_recurrence,
    friendly,
    parse_cron,
)

LONDON = ZoneInfo("Europe/London")


def test_hourly_work_hours_equal_cron() -> None:
    """every 60, 09:00–17:00, mon-fri fires exactly like `0 9-17 * * 1-5` for a month."""
    after = datetime(2027, 3, 1, tzinfo=UTC)
    ours = friendly(60, time(9), time(17), {0, 1, 2, 3, 4}).upcoming(after, LONDON, 250)
    assert ours == parse_cron("0 9-17 * * 1-5").upcoming(after, LONDON, 250)


def test_end_is_inclusive_only_when_aligned() -> None:
    """every 45 from 09:00 to 10:00 fires 09:00 and 09:45, not 10:00."""
    recurrence = friendly(45, "09:00", "10:00", "daily")
    fires = recurrence.upcoming(datetime(2027, 1, 4, tzinfo=UTC), UTC, 3)
    assert [f.strftime("%d %H:%M") for f in fires] == ["04 09:00", "04 09:45", "05 09:00"]


def test_string_and_typed_arguments_agree() -> None:
    """Strings go through the chat parsers and give the same schedule as typed values."""
    assert friendly("1h", "9am", "5pm", "weekdays") == friendly(60, time(9), time(17), range(5))


@pytest.mark.parametrize(
    ("every", "start", "end", "days", "message"),
    [
        (0, "09:00", "17:00", "mon-fri", "every must be between 1 and 1440 minutes, got 0"),
        (1441, "09:00", "17:00", "mon-fri", "got 1441"),
        ("soon", "09:00", "17:00", "mon-fri", "every: duration 'soon'"),
        (60, "17:00", "09:00", "mon-fri", "end 09:00 must be after start 17:00"),
        (60, "09:00", "09:00", "mon-fri", "must be after start"),
        (60, "25:00", "26:00", "mon-fri", "start: time '25:00': hour 25"),
        (60, "09:00", "17:00", "someday", "'someday' is not a day name"),
        (60, "09:00", "17:00", [7], "days must be 0 (Monday) to 6 (Sunday)"),
        (60, "09:00", "17:00", [], "days is empty"),
        (60, time(9, 0, 30), "17:00", "daily", "start must be a whole minute"),
    ],
)
def test_friendly_rejects(
    every: object, start: object, end: object, days: object, message: str
) -> None:
    """Out-of-range, reversed or unreadable friendly specs raise ScheduleError saying why."""
    with pytest.raises(ScheduleError) as caught:
        friendly(every, start, end, days)  # type: ignore[arg-type]
    assert message in str(caught.value)


def test_describe_friendly() -> None:
    """A friendly schedule describes itself in words."""
    assert friendly(60, "09:00", "17:00", "mon-fri").describe() == (
        "every 60 min, 09:00–17:00, Mon–Fri"
    )
    assert friendly(30, "08:00", "12:00", "mon,wed,fri").describe() == (
        "every 30 min, 08:00–12:00, Mon, Wed, Fri"
    )
    assert friendly(15, "10:00", "11:00", "daily").describe() == (
        "every 15 min, 10:00–11:00, every day"
    )


@pytest.mark.parametrize(
    "recurrence",
    [parse_cron("0 9-17 * * 1-5"), friendly(45, "08:30", "18:00", "mon,wed,sat")],
    ids=["cron", "friendly"],
)
def test_spec_round_trips(recurrence: object) -> None:
    """build_recurrence(**spec()) rebuilds an equal schedule."""
    assert build_recurrence(**recurrence.spec()) == recurrence  # type: ignore[attr-defined]


def test_build_recurrence_defaults_to_working_hours() -> None:
    """A bare `every` means 09:00–17:00 on weekdays."""
    assert build_recurrence(every="60") == friendly(60, "09:00", "17:00", "mon-fri")


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"cron": "* * * * *", "every": 5}, "not both"),
        ({"start": "09:00"}, "every is required"),
        ({}, "give a cron expression"),
    ],
)
def test_build_recurrence_rejects_mixed_or_missing(kwargs: dict, message: str) -> None:
    """Cron and friendly fields cannot be mixed, and one of them is required."""
    with pytest.raises(ScheduleError, match=message):
        build_recurrence(**kwargs)


@settings(max_examples=200, deadline=None)
@given(
    every=st.integers(1, 1440),
    start=st.integers(0, 1438),
    length=st.integers(1, 1439),
    days=st.sets(st.integers(0, 6), min_size=1),
    after=st.datetimes(
        min_value=datetime(2020, 1, 1), max_value=datetime(2035, 1, 1), timezones=st.just(UTC)
    ),
)
def test_friendly_fires_only_on_its_grid(
    every: int, start: int, length: int, days: set[int], after: datetime
) -> None:
    """Every fire time is on a chosen day, inside the window, on the every-N grid."""
    end = min(start + length, 1439)
    recurrence = friendly(every, time(start // 60, start % 60), time(end // 60, end % 60), days)
    fires = recurrence.upcoming(after, LONDON, 5)
    assert len(fires) == 5 and fires[0] > after
    for fire in fires:
        local = fire.astimezone(LONDON)
        minute = local.hour * 60 + local.minute
        assert local.weekday() in days and start <= minute <= end
        assert (minute - start) % every == 0


TEXT_OR_NONE = st.one_of(
    st.none(),
    st.text(max_size=50),
    st.text(alphabet="0123456789:-, amhinutesmonfriwedaly", max_size=20),
)


@settings(max_examples=300, deadline=None)
@given(
    cron=TEXT_OR_NONE, every=TEXT_OR_NONE, start=TEXT_OR_NONE, end=TEXT_OR_NONE, days=TEXT_OR_NONE
)
def test_build_recurrence_fuzz_only_schedule_error(
    cron: str | None, every: str | None, start: str | None, end: str | None, days: str | None
) -> None:
    """Any mix of text fields builds a schedule or raises ScheduleError, nothing else."""
    try:
        recurrence = build_recurrence(cron=cron, every=every, start=start, end=end, days=days)
    except ScheduleError:
        return
    recurrence.upcoming(datetime(2027, 1, 1, tzinfo=UTC), LONDON, 3)
    assert recurrence.describe()
