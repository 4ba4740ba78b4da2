"""Stats retention: events older than DESKBREAK_STATS_RETENTION_DAYS are deleted once a day,
and then any workspace's team rollup missing in its zone is built (bot/storage/rollup.py).

The scheduler's job calls :meth:`StatsRetention.maybe_start` after each tick; at most once
per UTC day (by the injected clock) it starts the prune as its own task, which deletes in
batches and yields between them, so the next tick never waits for it. A prune that fails is
one log line and is tried again the next day.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import date, timedelta

from bot.core.clock import Clock
from bot.storage.errors import StorageError
from bot.storage.stats import PRUNE_BATCH, StatsEvents

log = logging.getLogger(__name__)


class StatsRetention:
    def __init__(self, events: StatsEvents, clock: Clock, days: int, *,
                 batch: int = PRUNE_BATCH) -> None:
        self.events = events
        self.clock = clock
        self.days = days
        self.batch = batch
        self._last: date | None = None
        self._task: asyncio.Task[int] | None = None

    def maybe_start(self) -> asyncio.Task[int] | None:
        """Start today's prune unless it already ran (or is running) today."""
        today = self.clock.now().date()
        if self._last == today or (self._task is not None and not self._task.done()):
            return None
        self._last = today
        self._task = asyncio.ensure_future(self.run_once())
        return self._task

    async def run_once(self) -> int:
        cutoff = self.clock.now() - timedelta(days=self.days)
        try:
            removed = await self.events.prune(cutoff, batch=self.batch)
        except StorageError as exc:
            log.warning("stats retention: could not prune old events (%s); tried again "
                        "tomorrow", exc)
            return 0
        if removed:
            log.info("stats retention: %d events older than %d days deleted", removed, self.days)
        try:
            built = await self.events.prepare_rollups()
        except StorageError as exc:
            log.warning("stats retention: team rollups not built (%s); tried again tomorrow",
                        exc)
        else:
            if built:
                log.info("stats retention: team stats rollup built for %d workspace(s)", built)
        return removed

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None and not task.done():
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
