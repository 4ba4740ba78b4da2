"""What the health endpoint and the stored-object gauges ask the database.

Both are read-only, one round trip each, and go through the store's own engine so they see
exactly the database the scheduler uses. They live here rather than on ``Store`` because only
operations care about them; the store's API stays about the bot's own work.
"""

from __future__ import annotations

import sqlalchemy as sa

from bot.observability.health import HealthCheck
from bot.observability.metrics import CountSource, StoredCounts
from bot.storage import Store
from bot.storage import tables as t


def store_health(store: Store) -> HealthCheck:
    """A check that passes when the database answers ``SELECT 1``."""

    async def check() -> str | None:
        async with store.engine.connect() as conn:
            await conn.execute(sa.text("SELECT 1"))
        return None

    return check


def store_counts(store: Store) -> CountSource:
    """A count source for ``Metrics.watch_store``: every schedule and reminder row.

    Paused schedules and disabled reminders are counted too: the gauges say how much the bot is
    keeping, which is what capacity planning (and the 300 MB target) is about.
    """

    async def count() -> StoredCounts:
        async with store.engine.connect() as conn:
            schedules = await conn.scalar(sa.select(sa.func.count()).select_from(t.schedules))
            reminders = await conn.scalar(sa.select(sa.func.count()).select_from(t.reminders))
        return StoredCounts(schedules=int(schedules or 0), reminders=int(reminders or 0))

    return count
