"""Quiet hours, skip dates, lateness grace and catch-up after downtime."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.scheduling.policy import (
    catch_up,
    in_quiet_hours,
    is_skip_date,
    plan_slot,
    quiet_hours_end,
)
from bot.scheduling.recurrence import friendly, parse_cron

LONDON = ZoneInfo("Europe/London")
GRACE = timedelta(minutes=10)


@pytest.mark.parametrize(
    ("clock", "quiet"),
    [
        ("22:00", True),
        ("23:59", True),
        ("00:00", True),
        ("06:59", True),
        ("07:00", False),
        ("12:00", False),
        ("21:59", False),
    ],
)
def test_quiet_hours_wrapping_midnight(clock: str, quiet: bool) -> None:
    """A 22:00–07:00 window covers late evening and early morning, end excluded."""
    local = datetime.combine(date(2027, 1, 4), time.fromisoformat(clock), tzinfo=LONDON)
    assert in_quiet_hours(local, time(22), time(7)) is quiet


@pytest.mark.parametrize(
    ("clock", "quiet"), [("12:00", True), ("12:59", True), ("13:00", False), ("11:59", False)]
)
def test_quiet_hours_same_day(clock: str, quiet: bool) -> None:
    """A 12:00–13:00 window is quiet only inside that hour."""
    local = datetime.combine(date(2027, 1, 4), time.fromisoformat(clock), tzinfo=LONDON)
    assert in_quiet_hours(local, time(12), time(13)) is quiet


def test_no_quiet_window() -> None:
    """Missing or empty windows are never quiet."""
    local = datetime(2027, 1, 4, 3, 0, tzinfo=LONDON)
    assert not in_quiet_hours(local, None, time(7))
    assert not in_quiet_hours(local, time(7), time(7))


@pytest.mark.parametrize(
    ("local", "window", "ends"),
    [
        ("2027-03-01 12:30", (time(12), time(13)), "2027-03-01 13:00"),
        ("2027-03-01 23:15", (time(22), time(7)), "2027-03-02 07:00"),  # wraps midnight
        ("2027-03-02 06:59", (time(22), time(7)), "2027-03-02 07:00"),  # after midnight
        ("2027-03-01 13:00", (time(12), time(13)), None),  # the end itself is not quiet
        ("2027-03-01 11:00", (time(12), time(13)), None),
        ("2027-03-01 11:00", (None, None), None),
    ],
)
def test_quiet_hours_end(local: str, window: tuple[time | None, time | None],
                         ends: str | None) -> None:
    """Where a snooze that lands in quiet hours moves to: the window's end, same zone."""
    zone = ZoneInfo("Europe/Berlin")
    at = datetime.fromisoformat(local).replace(tzinfo=zone)
    got = quiet_hours_end(at, *window)
    assert got == (None if ends is None else datetime.fromisoformat(ends).replace(tzinfo=zone))


def test_quiet_hours_end_across_a_dst_night_is_the_local_end() -> None:
    """22:00-07:00 entered the evening before clocks go forward ends at 07:00 local (7 h of
    elapsed time, not 8): the window is wall-clock time."""
    zone = ZoneInfo("Europe/Berlin")
    at = datetime(2027, 3, 27, 23, 0, tzinfo=zone)
    end = quiet_hours_end(at, time(22), time(7))
    assert end is not None
    assert end.astimezone(zone).replace(tzinfo=None) == datetime(2027, 3, 28, 7, 0)
    assert end.astimezone(UTC) - at.astimezone(UTC) == timedelta(hours=7)


def test_skip_dates() -> None:
    """Only listed local dates are skipped."""
    skips = {date(2027, 12, 25)}
    assert is_skip_date(date(2027, 12, 25), skips)
    assert not is_skip_date(date(2027, 12, 26), skips)


def test_plan_slot_grace() -> None:
    """A slot up to `grace` late is sent; later than that it is missed."""
    slot = datetime(2027, 1, 4, 9, 0, tzinfo=UTC)
    assert plan_slot(slot, slot, GRACE) == "send"
    assert plan_slot(slot, slot + GRACE, GRACE) == "send"
    assert plan_slot(slot, slot + GRACE + timedelta(seconds=1), GRACE) == "skip_missed"


def test_catch_up_after_long_outage_sends_nothing_stale() -> None:
    """After three days down, no old slot is sent and next_due is the next future slot."""
    recurrence = parse_cron("0 * * * *")
    stored = datetime(2027, 1, 1, 9, 0, tzinfo=UTC)
    now = datetime(2027, 1, 4, 9, 30, tzinfo=UTC)
    plan = catch_up(recurrence, UTC, stored, now, GRACE)
    assert plan.send is None
    assert plan.next_due == datetime(2027, 1, 4, 10, 0, tzinfo=UTC)
    assert plan.missed == 73  # the stored slot and the 72 hourly ones after it


def test_catch_up_missed_count_is_capped() -> None:
    """Counting missed slots stops at max_counted, so a long outage stays cheap."""
    stored = datetime(2027, 1, 1, 9, 0, tzinfo=UTC)
    now = datetime(2027, 2, 1, 9, 30, tzinfo=UTC)
    plan = catch_up(parse_cron("* * * * *"), UTC, stored, now, GRACE, max_counted=50)
    assert plan.send == datetime(2027, 2, 1, 9, 30, tzinfo=UTC)
    assert plan.missed == 49


def test_catch_up_sends_only_most_recent_slot_in_grace() -> None:
    """With several slots inside the grace window, only the latest is sent."""
    recurrence = parse_cron("* * * * *")
    stored = datetime(2027, 1, 4, 8, 0, tzinfo=UTC)
    now = datetime(2027, 1, 4, 9, 0, 30, tzinfo=UTC)
    plan = catch_up(recurrence, UTC, stored, now, GRACE)
    assert plan.send == datetime(2027, 1, 4, 9, 0, tzinfo=UTC)
    assert plan.next_due == datetime(2027, 1, 4, 9, 1, tzinfo=UTC)
    assert plan.missed == 60


def test_catch_up_on_time_slot() -> None:
    """A slot that is just due is sent with nothing missed."""
    recurrence = friendly(60, "09:00", "17:00", "daily")
    stored = datetime(2027, 1, 4, 9, 0, tzinfo=UTC)
    plan = catch_up(recurrence, UTC, stored, stored + timedelta(seconds=5), GRACE)
    assert (plan.send, plan.missed) == (stored, 0)
    assert plan.next_due == datetime(2027, 1, 4, 10, 0, tzinfo=UTC)


def test_catch_up_keeps_off_grid_stored_slot() -> None:
    """A snoozed next_due that is not on the recurrence is still sent when in grace."""
    recurrence = parse_cron("0 9 * * *")
    stored = datetime(2027, 1, 4, 9, 10, tzinfo=UTC)
    plan = catch_up(recurrence, UTC, stored, stored + timedelta(minutes=2), GRACE)
    assert plan.send == stored
    assert plan.next_due == datetime(2027, 1, 5, 9, 0, tzinfo=UTC)


def test_catch_up_not_yet_due() -> None:
    """A next_due in the future is left alone."""
    stored = datetime(2027, 1, 4, 9, 0, tzinfo=UTC)
    plan = catch_up(parse_cron("0 9 * * *"), UTC, stored, stored - timedelta(minutes=1), GRACE)
    assert (plan.send, plan.next_due, plan.missed) == (None, stored, 0)


def test_catch_up_when_schedule_ends() -> None:
    """A schedule that never fires again has no next_due."""
    stored = datetime(2027, 1, 4, 9, 0, tzinfo=UTC)
    plan = catch_up(parse_cron("0 0 30 2 *"), UTC, stored, stored + timedelta(minutes=1), GRACE)
    assert plan.send == stored and plan.next_due is None
