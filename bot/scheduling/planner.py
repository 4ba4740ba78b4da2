"""Planning: for a due schedule or reminder, the one slot (at most) to deliver and its next time.

Pure: no database, no platform, no clock of its own. The service claims rows and writes the
returned :class:`Advance` (ledger rows and the new ``next_due``) in one transaction before
anything is sent, which is what makes a crash between planning and sending harmless.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime, timedelta, tzinfo

from bot.core.ports import Platform, Target, TargetKind
from bot.scheduling.policy import catch_up, in_quiet_hours, is_skip_date
from bot.scheduling.report import TickReport
from bot.scheduling.specs import hhmm, recurrence_for, zone
from bot.storage.records import (
    Advance,
    LedgerStatus,
    NewDelivery,
    ReminderRow,
    ScheduleRow,
    WorkspaceRow,
)

log = logging.getLogger(__name__)


def channel_target(row: ScheduleRow) -> Target:
    """The channel a schedule posts to."""
    return Target(Platform(row.platform), row.workspace_id, TargetKind.CHANNEL, row.channel_id)


def plan(
    row: ScheduleRow | ReminderRow,
    ws: WorkspaceRow,
    now: datetime,
    grace: timedelta,
    report: TickReport,
) -> Advance:
    """Plan one claimed row; a row that cannot be planned (say a stored spec a newer parser
    rejects) is parked with a reason instead of failing every tick for everyone."""
    try:
        if isinstance(row, ScheduleRow):
            return _plan_schedule(row, ws, now, grace, report)
        return _plan_reminder(row, ws, now, grace, report)
    except Exception as exc:
        log.exception("cannot plan %s; parking it", row.source)
        reason = f"cannot compute the next time: {exc}"[:300]
        if isinstance(row, ScheduleRow):
            return Advance("schedules", row.id, None, (), {"paused": True, "paused_reason": reason})
        return Advance(
            "reminders", row.id, None, (), {"enabled": False, "disabled_reason": "error"}
        )


def plan_batch(
    rows: Sequence[ScheduleRow | ReminderRow],
    workspaces: dict[tuple[str, str], WorkspaceRow],
    now: datetime,
    grace: timedelta,
    report: TickReport,
) -> list[Advance]:
    """A claimed batch planned row by row, each with its workspace: what a claim's ``plan``
    does for the tick (and for bench_tick_db, which must plan exactly as the tick does)."""
    return [plan(row, workspaces[(row.platform, row.workspace_id)], now, grace, report)
            for row in rows]


def _plan_schedule(
    row: ScheduleRow, ws: WorkspaceRow, now: datetime, grace: timedelta, report: TickReport
) -> Advance:
    return _plan(row, "schedules", row.kind, channel_target(row), ws, now, grace, report)


def _plan_reminder(
    row: ReminderRow, ws: WorkspaceRow, now: datetime, grace: timedelta, report: TickReport
) -> Advance:
    target = Target(Platform(row.platform), row.workspace_id, TargetKind.DM, row.user_id)
    advance = _plan(
        row, "reminders", "break", target, ws, now, grace, report, paused_until=row.paused_until
    )
    if row.snoozed_until is not None and row.snoozed_until <= now:
        advance.updates["snoozed_until"] = None
    return advance


def _plan(
    row: ScheduleRow | ReminderRow,
    table: str,
    kind: str,
    target: Target,
    ws: WorkspaceRow,
    now: datetime,
    grace: timedelta,
    report: TickReport,
    *,
    paused_until: datetime | None = None,
) -> Advance:
    """Decide the one slot (at most) to deliver for a due row, and its next due time."""
    assert row.next_due is not None  # claimed rows are due
    source = row.source
    tz = zone(row.timezone or ws.timezone)
    recurrence = recurrence_for(row.spec)
    caught = catch_up(recurrence, tz, row.next_due, now, grace)
    if caught.missed:
        report.missed += caught.missed
        log.info("%s missed %d slot(s) beyond the %s grace", source, caught.missed, grace)
    new_next = caught.next_due
    if paused_until is not None and new_next is not None and new_next < paused_until:
        new_next = recurrence.next_after(paused_until - timedelta(microseconds=1), tz)
    deliveries: tuple[NewDelivery, ...] = ()
    if caught.send is not None:
        reason = skip_reason(caught.send, tz, ws, paused_until)
        status = LedgerStatus.PENDING if reason is None else LedgerStatus.SKIPPED
        if reason is not None:
            report.skipped += 1
            log.debug("%s slot %s skipped: %s", source, caught.send, reason)
        deliveries = (
            NewDelivery.for_target(
                target, source=source, slot=caught.send, kind=kind, status=status, detail=reason
            ),
        )
    return Advance(table, row.id, new_next, deliveries)


def skip_reason(
    slot: datetime, tz: tzinfo, ws: WorkspaceRow, paused_until: datetime | None
) -> str | None:
    """Why a due slot is recorded as skipped rather than sent, or None to send it."""
    if paused_until is not None and slot < paused_until:
        return "paused"
    local = slot.astimezone(tz)
    if is_skip_date(local.date(), ws.skip_dates):
        return "skip date"
    if in_quiet_hours(local, hhmm(ws.quiet_start), hhmm(ws.quiet_end)):
        return "quiet hours"
    return None
