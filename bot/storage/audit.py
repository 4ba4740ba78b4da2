"""The audit log's queries: one row per admin change, read back newest first per workspace.

Kept out of ``store.py`` (one module per job): the log is written by the scheduling facade
through the :class:`bot.scheduling.audit.Audit` port and read only by the dashboard.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from datetime import datetime

import sqlalchemy as sa

from bot.core.ports import Actor
from bot.storage import tables as t
from bot.storage.errors import StorageError
from bot.storage.store import Store

log = logging.getLogger(__name__)

# Where a change came from, as the audit page shows it.
CHAT = "chat"
DASHBOARD = "dashboard"
PAGE_SIZE = 50


@dataclass(frozen=True, slots=True)
class AuditRow:
    id: int
    platform: str
    workspace_id: str
    user_id: str
    user_name: str
    origin: str
    action: str
    detail: str
    at: datetime


@dataclass(frozen=True, slots=True)
class AuditLog:
    """The SQL side of the audit port; ``origin`` tags every row this instance writes."""

    store: Store
    origin: str = CHAT

    def from_origin(self, origin: str) -> AuditLog:
        return replace(self, origin=origin)

    async def record(self, actor: Actor, action: str, detail: str) -> None:
        """Write one row; a database that refuses is logged, never raised: the admin's change
        itself already succeeded and must not be reported as failed."""
        values = {
            "platform": str(actor.platform),
            "workspace_id": actor.workspace_id,
            "user_id": actor.user_id[:64],
            "user_name": (actor.display_name or "")[:100],
            "origin": self.origin,
            "action": action[:32],
            "detail": detail[:500],
            "at": self.store.clock.now(),
        }
        try:
            async with self.store.write() as conn:
                await conn.execute(sa.insert(t.audit_log).values(**values))
        except StorageError as exc:
            log.warning("could not write the audit log (%s): %s", action, exc)

    async def page(
        self, platform: str, workspace_id: str, *, before: int | None = None,
        limit: int = PAGE_SIZE,
    ) -> list[AuditRow]:
        """Up to ``limit`` rows of one workspace, newest first, older than row id ``before``."""
        a = t.audit_log
        stmt = sa.select(a).where(a.c.platform == platform, a.c.workspace_id == workspace_id)
        if before is not None:
            stmt = stmt.where(a.c.id < before)
        stmt = stmt.order_by(a.c.id.desc()).limit(limit)
        async with self.store.read() as conn:
            return [AuditRow(**dict(r)) for r in (await conn.execute(stmt)).mappings()]
