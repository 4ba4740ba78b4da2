"""Rows to records and back: the one place that knows how columns map to the store's dataclasses.

A record's fields are its columns of the same name, except the few derived from several
columns or converted (a spec, a status enum, SQLite's integer booleans), so a new column needs
no mapper edit.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import UTC, date
from typing import Any, TypeVar

from sqlalchemy.engine import RowMapping

from bot.storage.records import (
    DeliveryRow,
    LedgerStatus,
    ReminderRow,
    ScheduleRow,
    Spec,
    WorkspaceRow,
)

_Record = TypeVar("_Record", WorkspaceRow, ScheduleRow, ReminderRow, DeliveryRow)

_FIELDS: dict[type, tuple[str, ...]] = {
    record: tuple(f.name for f in dataclasses.fields(record))
    for record in (WorkspaceRow, ScheduleRow, ReminderRow, DeliveryRow)
}


def spec_columns(spec: Spec) -> dict[str, Any]:
    return {
        "cron": spec.cron,
        "every_minutes": spec.every_minutes,
        "start_time": spec.start,
        "end_time": spec.end,
        "days": spec.days,
    }


def _spec(row: RowMapping, cron: str | None) -> Spec:
    return Spec(
        cron=cron,
        every_minutes=row["every_minutes"],
        start=row["start_time"],
        end=row["end_time"],
        days=row["days"],
    )


def _from_row(record: type[_Record], row: RowMapping, **derived: Any) -> _Record:
    columns = {name: row[name] for name in _FIELDS[record] if name not in derived}
    return record(**columns, **derived)


def workspace_record(row: RowMapping, skip_dates: tuple[date, ...]) -> WorkspaceRow:
    """A workspace from its row and its skip dates (rows of their own table)."""
    return _from_row(WorkspaceRow, row, skip_dates=skip_dates)


def schedule_record(row: RowMapping) -> ScheduleRow:
    return _from_row(ScheduleRow, row, spec=_spec(row, row["cron"]), paused=bool(row["paused"]))


def reminder_record(row: RowMapping) -> ReminderRow:
    # Reminders have no cron column (asking a row for a missing key costs an exception).
    return _from_row(ReminderRow, row, spec=_spec(row, None), enabled=bool(row["enabled"]))


# A claim's rows come back as tuples of these columns, in this order, and become records
# without a mapping or a dict per row: a claimed batch is a thousand rows, and against every
# column read through a mapping and ``_from_row`` this took a tick's store work to 0.88x its
# time on PostgreSQL and 0.84x on SQLite (bench/README.md, fourth session).
# tests/storage/test_rows.py checks each reader against its mapping twin above.
SCHEDULE_COLUMNS = ("id", "platform", "workspace_id", "channel_id", "kind", "cron",
                    "every_minutes", "start_time", "end_time", "days", "timezone", "paused",
                    "paused_reason", "next_due", "created_by", "created_at")
REMINDER_COLUMNS = ("id", "platform", "workspace_id", "user_id", "dm_channel_id",
                    "every_minutes", "start_time", "end_time", "days", "timezone", "enabled",
                    "snoozed_until", "paused_until", "disabled_reason", "next_due",
                    "created_at", "updated_at")


def schedule_from_tuple(r: Sequence[Any]) -> ScheduleRow:
    """A schedule from a row of ``SCHEDULE_COLUMNS``."""
    return ScheduleRow(r[0], r[1], r[2], r[3], r[4], Spec(r[5], r[6], r[7], r[8], r[9]),
                       r[10], bool(r[11]), r[12], r[13], r[14], r[15])


def reminder_from_tuple(r: Sequence[Any]) -> ReminderRow:
    """A reminder from a row of ``REMINDER_COLUMNS``."""
    return ReminderRow(r[0], r[1], r[2], r[3], r[4], Spec(None, r[5], r[6], r[7], r[8]), r[9],
                       bool(r[10]), r[11], r[12], r[13], r[14], r[15], r[16])


def delivery_record(row: RowMapping) -> DeliveryRow:
    return _from_row(DeliveryRow, row, status=LedgerStatus(row["status"]))


def new_delivery_record(row_id: int, values: dict[str, Any]) -> DeliveryRow:
    """A ledger row just inserted with ``values`` (ledger.ledger_values) and given ``row_id``
    (its slot in UTC, as the table gives it back). Built field by field: a claimed batch
    makes a thousand of these at a time."""
    v = values
    return DeliveryRow(
        id=row_id, source=v["source"], slot=v["slot"].astimezone(UTC),
        target_key=v["target_key"], platform=v["platform"], workspace_id=v["workspace_id"],
        target_kind=v["target_kind"], target_id=v["target_id"], kind=v["kind"],
        status=LedgerStatus(v["status"]), nonce=v["nonce"], attempts=v["attempts"],
        detail=v["detail"], next_attempt_at=v["next_attempt_at"], created_at=v["created_at"],
        updated_at=v["updated_at"], sent_at=None)
