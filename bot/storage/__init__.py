"""Persistence: one :class:`Store` over SQLite (default) or PostgreSQL, migrated by Alembic."""

# groupbreaks adds its own tables to the shared metadata (the drift test compares it all).
from bot.storage import groupbreaks as _groupbreaks  # noqa: F401
from bot.storage.records import (
    Advance,
    DeliveryRow,
    LedgerStatus,
    NewDelivery,
    ReminderRow,
    ScheduleRow,
    Spec,
    WorkspaceRow,
)
from bot.storage.scope import ClaimScope, shard_of
from bot.storage.store import DEFAULT_URL, Store, create_store

__all__ = [
    "DEFAULT_URL",
    "Advance",
    "ClaimScope",
    "DeliveryRow",
    "LedgerStatus",
    "NewDelivery",
    "ReminderRow",
    "ScheduleRow",
    "Spec",
    "Store",
    "WorkspaceRow",
    "create_store",
    "shard_of",
]
