"""catch_up gives exactly what the straightforward (slower) formulation gives.

``reference_catch_up`` is the earlier implementation, kept verbatim: it walks the grace
window, recounts every due slot from the stored ``next_due``, and asks for the next slot
after now separately. The optimised ``catch_up`` must agree on every field.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.scheduling.policy import CatchUp, catch_up
from bot.scheduling.recurrence import Recurrence, friendly, parse_cron


def _reference_count_due(
    recurrence: Recurrence, tz: ZoneInfo, after: datetime, until: datetime, limit: int
) -> int:
    count = 0
    cursor = after
    while count < limit:
        slot = recurrence.next_after(cursor, tz)
        if slot is None or slot > until:
            break
        count += 1
        cursor = slot
    return count


def reference_catch_up(
    recurrence: Recurrence,
    tz: ZoneInfo,
    stored_next_due: datetime,
    now_utc: datetime,
    grace: timedelta,
    max_counted: int = 100,
) -> CatchUp:
    if stored_next_due > now_utc:
        return CatchUp(send=None, next_due=stored_next_due, missed=0)
    window_start = now_utc - grace
    send = stored_next_due if stored_next_due >= window_start else None
    cursor = max(stored_next_due, window_start - timedelta(microseconds=1))
    while (slot := recurrence.next_after(cursor, tz)) is not None and slot <= now_utc:
        send = slot
        cursor = slot
    due = 1 + _reference_count_due(recurrence, tz, stored_next_due, now_utc, max_counted)
    missed = min(due, max_counted) - (1 if send is not None else 0)
    return CatchUp(send=send, next_due=recurrence.next_after(now_utc, tz), missed=max(0, missed))


ZONES = [
    ZoneInfo("UTC"),
    ZoneInfo("Europe/London"),
    ZoneInfo("America/New_York"),
    ZoneInfo("Australia/Lord_Howe"),  # 30-minute DST shift
    ZoneInfo("America/Santiago"),  # southern-hemisphere DST
]

SPECS = [
    parse_cron("* * * * *"),
    parse_cron("*/7 * * * *"),
    parse_cron("30 1 * * *"),  # inside the fall-back hour in London and New York
    parse_cron("0 2 * * *"),  # inside the spring-forward gap in New York
    parse_cron("0,30 0-3 * * *"),
    parse_cron("0 9 * * 1-5"),
    parse_cron("0 0 30 2 *"),  # never fires
    friendly(15, "00:30", "03:15", "mon-sun"),
    friendly(60, "09:00", "17:00", "mon-fri"),
]

# Starts of DST weeks (both directions, both hemispheres), as UTC instants.
WEEKS = [
    datetime(2026, 3, 8, tzinfo=UTC),  # US spring forward
    datetime(2026, 3, 29, tzinfo=UTC),  # EU spring forward
    datetime(2026, 4, 5, tzinfo=UTC),  # Lord Howe / Santiago fall back
    datetime(2026, 9, 6, tzinfo=UTC),  # Santiago spring forward
    datetime(2026, 10, 4, tzinfo=UTC),  # Lord Howe spring forward
    datetime(2026, 10, 25, tzinfo=UTC),  # EU fall back
    datetime(2026, 11, 1, tzinfo=UTC),  # US fall back
]


@settings(max_examples=400, deadline=None)
@given(
    tz=st.sampled_from(ZONES),
    recurrence=st.sampled_from(SPECS),
    week=st.sampled_from(WEEKS),
    now_offset=st.integers(min_value=-2 * 24 * 3600, max_value=7 * 24 * 3600),
    behind=st.one_of(
        st.integers(min_value=-120, max_value=3 * 3600),
        st.integers(min_value=0, max_value=3 * 24 * 3600),
    ),
    behind_micros=st.sampled_from([0, 1, 999_999]),
    grace_minutes=st.integers(min_value=0, max_value=60),
    max_counted=st.sampled_from([1, 3, 100]),
    on_recurrence=st.booleans(),
)
def test_catch_up_matches_reference(
    tz: ZoneInfo,
    recurrence: Recurrence,
    week: datetime,
    now_offset: int,
    behind: int,
    behind_micros: int,
    grace_minutes: int,
    max_counted: int,
    on_recurrence: bool,
) -> None:
    now = week + timedelta(seconds=now_offset)
    stored = now - timedelta(seconds=behind, microseconds=behind_micros)
    if on_recurrence:
        # A real stored next_due: the slot the schedule was waiting on (not a snooze time).
        snapped = recurrence.next_after(stored - timedelta(microseconds=1), tz)
        if snapped is not None:
            stored = snapped
    grace = timedelta(minutes=grace_minutes)
    assert catch_up(recurrence, tz, stored, now, grace, max_counted) == reference_catch_up(
        recurrence, tz, stored, now, grace, max_counted
    )


def test_catch_up_matches_reference_at_window_edges() -> None:
    """Stored next_due exactly at, and one microsecond either side of, the window start."""
    now = datetime(2026, 10, 25, 1, 10, tzinfo=UTC)
    for tz in ZONES:
        for recurrence in SPECS:
            for grace_minutes in (0, 1, 10, 60):
                grace = timedelta(minutes=grace_minutes)
                for nudge in (-2, -1, 0, 1):
                    stored = now - grace + timedelta(microseconds=nudge)
                    for max_counted in (1, 100):
                        got = catch_up(recurrence, tz, stored, now, grace, max_counted)
                        want = reference_catch_up(recurrence, tz, stored, now, grace, max_counted)
                        assert got == want
