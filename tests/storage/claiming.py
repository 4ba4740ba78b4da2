"""Claims as the storage tests use them: take the due rows and see which were taken.

``Store.claim_due`` takes, plans and advances in one transaction; most tests only ask which
rows a claim takes, so ``take`` plans each row away (``next_due`` None: not due again) and
returns the rows, or advances them as ``advance`` says.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime, timedelta

from bot.storage import Advance, ClaimScope, ReminderRow, ScheduleRow, Store, WorkspaceRow
from bot.storage.claims import Claimed, table_of
from bot.storage.scope import EVERYTHING

LEASE = timedelta(minutes=2)
Row = ScheduleRow | ReminderRow


def parked(row: Row) -> Advance:
    """No next slot and nothing to send: the row is not due again."""
    return Advance(table_of(row), row.id, None)


async def claim(
    store: Store,
    now: datetime,
    limit: int = 100,
    *,
    owner: str = "a",
    scope: ClaimScope = EVERYTHING,
    per_workspace: int | None = None,
    advance: Callable[[Row], Advance] = parked,
) -> tuple[list[Row], Claimed]:
    """One claim: the rows it took and moved on (schedules first) and what it returned."""
    taken: list[Row] = []

    def plan(rows: Sequence[Row], workspaces: dict[tuple[str, str], WorkspaceRow]
             ) -> list[Advance]:
        assert {(r.platform, r.workspace_id) for r in rows} <= set(workspaces)
        taken.extend(rows)
        return [advance(r) for r in rows]

    claimed = await store.claim_due(now, limit, plan, owner=owner, send_lease=LEASE,
                                    scope=scope, per_workspace=per_workspace)
    # SQLite's claim plans what it read and leaves out rows changed before it wrote.
    moved = [r for r in taken if (table_of(r), r.id) in claimed.taken]
    assert len(moved) == len(claimed.taken)
    return moved, claimed


async def take(store: Store, now: datetime, limit: int = 100, **kwargs: object) -> list[Row]:
    """The rows one claim takes (see :func:`claim`)."""
    return (await claim(store, now, limit, **kwargs))[0]  # type: ignore[arg-type]


async def take_schedules(store: Store, now: datetime, limit: int = 100,
                         **kwargs: object) -> list[ScheduleRow]:
    return [r for r in await take(store, now, limit, **kwargs) if isinstance(r, ScheduleRow)]


async def take_reminders(store: Store, now: datetime, limit: int = 100,
                         **kwargs: object) -> list[ReminderRow]:
    return [r for r in await take(store, now, limit, **kwargs) if isinstance(r, ReminderRow)]
