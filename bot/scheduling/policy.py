"""Decisions the scheduler service makes about a slot, as pure functions.

Kept free of I/O and clocks (times are passed in) so every rule — quiet hours wrapping
midnight, skip dates, lateness grace, catch-up after downtime — is tested directly.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from bot.scheduling.recurrence import Recurrence

SlotPlan = Literal["send", "skip_missed"]


def in_quiet_hours(local_dt: datetime, quiet_start: time | None, quiet_end: time | None) -> bool:
    """Whether a local wall time falls in ``[quiet_start, quiet_end)``.

    A window whose end is not after its start wraps midnight (22:00–07:00). No window (either
    bound None) or an empty one (start == end) is never quiet.
    """
    if quiet_start is None or quiet_end is None or quiet_start == quiet_end:
        return False
    now = local_dt.time().replace(tzinfo=None)
    start = quiet_start.replace(tzinfo=None)
    end = quiet_end.replace(tzinfo=None)
    if start < end:
        return start <= now < end
    return now >= start or now < end


def quiet_hours_end(
    local_dt: datetime, quiet_start: time | None, quiet_end: time | None
) -> datetime | None:
    """When the quiet window holding ``local_dt`` ends (same zone), or None outside one.

    A snooze into quiet hours moves here rather than being skipped at send time: the person
    asked for a nudge, so they get one, at the first moment the workspace allows, and are told
    so when they press the button instead of waiting for a nudge that never comes.
    """
    if not in_quiet_hours(local_dt, quiet_start, quiet_end):
        return None
    assert quiet_end is not None  # in_quiet_hours is False without a window
    end = local_dt.replace(hour=quiet_end.hour, minute=quiet_end.minute, second=0,
                           microsecond=0, fold=0)
    if end <= local_dt:  # a window wrapping midnight, entered before midnight
        end += timedelta(days=1)  # wall-clock day: aware arithmetic keeps the local time
    return end


def is_skip_date(local_date: date, skip_dates: Collection[date]) -> bool:
    """Whether a local calendar date is one the workspace asked to skip (e.g. a holiday)."""
    day = local_date.date() if isinstance(local_date, datetime) else local_date
    return day in skip_dates


def plan_slot(slot_utc: datetime, now_utc: datetime, grace: timedelta) -> SlotPlan:
    """Send a due slot if it is at most ``grace`` late; otherwise it was missed.

    A slot that is not yet due counts as on time: lateness, not earliness, is what makes a
    reminder pointless ("take a break" three hours after the fact).
    """
    return "send" if now_utc - slot_utc <= grace else "skip_missed"


@dataclass(frozen=True, slots=True)
class CatchUp:
    """What to do with a schedule whose stored ``next_due`` is in the past.

    ``send`` is the one slot still worth delivering (or None); ``next_due`` is the first
    slot strictly after now (None when the schedule never fires again); ``missed`` counts
    the due slots that will not be sent, for logs and metrics, capped at ``max_counted``.
    """

    send: datetime | None
    next_due: datetime | None
    missed: int


def catch_up(
    recurrence: Recurrence,
    tz: ZoneInfo,
    stored_next_due: datetime,
    now_utc: datetime,
    grace: timedelta,
    max_counted: int = 100,
) -> CatchUp:
    """Resolve a backlog after downtime into at most one delivery plus the next future slot.

    Only the most recent due slot inside the grace period is sent, so a restart after a long
    outage never floods a channel with stale reminders. The stored ``next_due`` itself counts
    as a due slot (it may be a snoozed time that is not on the recurrence). Finding the slot
    to send starts at ``now - grace``, so its cost does not grow with the outage's length;
    counting the missed ones stops at ``max_counted``.
    """
    if stored_next_due > now_utc:
        return CatchUp(send=None, next_due=stored_next_due, missed=0)
    window_start = now_utc - grace
    send = stored_next_due if stored_next_due >= window_start else None
    cursor = max(stored_next_due, window_start - timedelta(microseconds=1))
    # Slots before the window are only counted; the window's own slots are counted as found.
    before = (
        _count_due(recurrence, tz, stored_next_due, cursor, max_counted)
        if cursor > stored_next_due
        else 0
    )
    in_window = 0
    while (slot := recurrence.next_after(cursor, tz)) is not None and slot <= now_utc:
        send = slot
        cursor = slot
        in_window += 1
    due = 1 + min(before + in_window, max_counted)
    missed = min(due, max_counted) - (1 if send is not None else 0)
    # The loop stopped at the first slot after now (or None): that is the next one due.
    return CatchUp(send=send, next_due=slot, missed=max(0, missed))


def _count_due(
    recurrence: Recurrence, tz: ZoneInfo, after: datetime, until: datetime, limit: int
) -> int:
    """Slots in ``(after, until]``, counting no further than ``limit``."""
    count = 0
    cursor = after
    while count < limit:
        slot = recurrence.next_after(cursor, tz)
        if slot is None or slot > until:
            break
        count += 1
        cursor = slot
    return count
