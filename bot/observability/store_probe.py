"""The store as /healthz and the stored-object gauges see it.

The SQL lives in the store (:meth:`Store.ping`, :meth:`Store.count_stored`); this module only
turns those into the shapes observability asks for, so observability names no database
library and sees exactly the database the scheduler uses.
"""

from __future__ import annotations

from bot.observability.health import HealthCheck
from bot.observability.metrics import CountSource, StoredCounts
from bot.storage import Store


def store_health(store: Store) -> HealthCheck:
    """A check that passes when the database answers ``SELECT 1`` (raises StorageError if not)."""

    async def check() -> str | None:
        await store.ping()
        return None

    return check


def store_counts(store: Store) -> CountSource:
    """A count source for ``Metrics.watch_store``: every schedule and reminder row.

    Paused schedules and disabled reminders are counted too: the gauges say how much the bot is
    keeping, which is what capacity planning (and the 300 MB target) is about.
    """

    async def count() -> StoredCounts:
        schedules, reminders = await store.count_stored()
        return StoredCounts(schedules=schedules, reminders=reminders)

    return count
