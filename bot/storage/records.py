"""Plain, immutable rows the store hands out: callers never see SQLAlchemy objects."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bot.core.ports import Target


class LedgerStatus(StrEnum):
    PENDING = "pending"
    SENT = "sent"
    SKIPPED = "skipped"
    FAILED = "failed"
    # A personal nudge waiting for its person to be free (bot/scheduling/meetings.py):
    # ``next_attempt_at`` is when to look again, ``detail`` why. Not pending, so the grace
    # expiry leaves it alone; bot/storage/holds.py claims it when it is due.
    HELD = "held"


@dataclass(frozen=True, slots=True)
class Spec:
    """When something fires: either a cron expression or the friendly every/start/end/days."""

    cron: str | None = None
    every_minutes: int | None = None
    start: str | None = None  # "HH:MM" local
    end: str | None = None  # "HH:MM" local
    days: str | None = None  # "0,1,2,3,4" (0 = Monday)


@dataclass(frozen=True, slots=True)
class WorkspaceRow:
    platform: str
    workspace_id: str
    timezone: str = "UTC"
    quiet_start: str | None = None
    quiet_end: str | None = None
    skip_dates: tuple[date, ...] = ()
    admin_channel_id: str | None = None


@dataclass(frozen=True, slots=True)
class SkipChange:
    """What adding or removing one skip date did: ``changed`` is False when the date was
    already there (add) or was not (remove), ``full`` when an add hit the limit; ``dates``
    are the workspace's skip dates after the change, sorted."""

    changed: bool
    dates: tuple[date, ...]
    full: bool = False


@dataclass(frozen=True, slots=True)
class ScheduleRow:
    id: int
    platform: str
    workspace_id: str
    channel_id: str
    kind: str
    spec: Spec
    timezone: str | None
    paused: bool
    paused_reason: str | None
    next_due: datetime | None
    created_by: str
    created_at: datetime

    @property
    def source(self) -> str:
        return f"schedule:{self.id}"


@dataclass(frozen=True, slots=True)
class ReminderRow:
    id: int
    platform: str
    workspace_id: str
    user_id: str
    dm_channel_id: str | None
    spec: Spec
    timezone: str | None
    enabled: bool
    snoozed_until: datetime | None
    paused_until: datetime | None
    disabled_reason: str | None
    next_due: datetime | None
    created_at: datetime
    updated_at: datetime

    @property
    def source(self) -> str:
        return f"reminder:{self.id}"


@dataclass(frozen=True, slots=True)
class DeliveryRow:
    id: int
    source: str
    slot: datetime
    target_key: str
    platform: str
    workspace_id: str
    target_kind: str
    target_id: str
    kind: str
    status: LedgerStatus
    nonce: str
    attempts: int
    detail: str | None
    next_attempt_at: datetime | None
    created_at: datetime
    updated_at: datetime
    sent_at: datetime | None


@dataclass(frozen=True, slots=True)
class NewDelivery:
    """A ledger row to write; ``status`` is pending (to send) or skipped (decided not to)."""

    source: str
    slot: datetime
    target_key: str
    platform: str
    workspace_id: str
    target_kind: str
    target_id: str
    kind: str
    status: LedgerStatus = LedgerStatus.PENDING
    detail: str | None = None

    @classmethod
    def for_target(
        cls,
        target: Target,
        *,
        source: str,
        slot: datetime,
        kind: str,
        status: LedgerStatus = LedgerStatus.PENDING,
        detail: str | None = None,
    ) -> NewDelivery:
        """A ledger row for ``target``, its key and address fields copied from the target."""
        return cls(
            source=source,
            slot=slot,
            target_key=target.key,
            platform=str(target.platform),
            workspace_id=target.workspace_id,
            target_kind=str(target.kind),
            target_id=target.id,
            kind=kind,
            status=status,
            detail=detail,
        )


@dataclass(frozen=True, slots=True)
class Advance:
    """What one claimed schedule/reminder becomes after a tick: ledger rows and a new next_due.

    ``updates`` carries extra column changes (e.g. clearing ``snoozed_until``).
    """

    table: str  # "schedules" | "reminders"
    row_id: int
    next_due: datetime | None
    deliveries: tuple[NewDelivery, ...] = ()
    updates: dict[str, Any] = field(default_factory=dict)
