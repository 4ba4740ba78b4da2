"""The scheduling service: one APScheduler job ticks; each tick turns due rows into sends.

Why one job and not one per reminder: APScheduler keeps every job in memory and checks each
one's misfire grace at wake-up, so 100k reminders cost seconds and hundreds of MB and a busy
wake-up marks them "missed". Here the database is the schedule: ``next_due`` is indexed, a
tick claims only the rows that are due, and the work is proportional to what is due.

Exactly-once, as far as a chat platform allows: for every slot the ledger row (pending, with a
nonce) and the schedule's new ``next_due`` are committed in one transaction *before* sending.
A crash after that commit leaves a pending row that is resent on start with the same nonce
(Discord drops the duplicate via ``enforce_nonce``); a crash before it leaves nothing, and the
row is simply due again.

This module owns the lifecycle and the claims; what to send for a row is the planner's
(``planner.py``), sending it and settling the result the dispatcher's (``dispatcher.py``).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from bot.core.clock import Clock
from bot.core.events import EventLog
from bot.core.ports import DeliveryResult, Notifier, Platform
from bot.observability.metrics import Metrics
from bot.scheduling import planner
from bot.scheduling.dispatcher import Dispatcher, NudgeSource
from bot.scheduling.instance import claim_scope, lineage, new_instance_id
from bot.scheduling.meetings import MeetingGate
from bot.scheduling.report import TickReport
from bot.scheduling.retention import StatsRetention
from bot.settings import SchedulerSettings, ShardSettings
from bot.storage.errors import StorageError
from bot.storage.records import Advance, ReminderRow, ScheduleRow, WorkspaceRow
from bot.storage.scope import ClaimScope
from bot.storage.store import Store

log = logging.getLogger(__name__)

# What `deskbreak run` exits with when the SQLite file disappears under it: not 0, so
# systemd's Restart=on-failure, Docker's restart policies and Kubernetes restart it.
LOST_DATABASE_STATUS = 1

JOB_ID = "deskbreak-scheduler-tick"
FIRST_CLAIM = 50
# Presence answers live a minute: people due within the next 45 s are checked ahead.
AHEAD_SECONDS = 45.0
AHEAD_EVERY = timedelta(seconds=10)
AHEAD_LIMIT = 5000
# Rows per claim after the first: each claim round costs a few statements and transactions
# whatever its size, so bigger rounds cost less per delivery (1,000: ~5 rounds per 10k due).
CLAIM_BATCH = 1000
# The first claim of a tick takes this many due rows of every workspace before any more of
# one: a workspace with a nudge or two due never waits behind another's thousands. Ten keep
# a Slack workspace's pacer busy (5 posts a second) until the big claims that follow reach
# it; with five, workspaces whose rows came last in the next_due order sat idle for up to a
# second while their presence checks ran (bench_fanout_slack: 1.011-1.017x against
# 1.012-1.046x).
FIRST_CLAIM_PER_WORKSPACE = 10

__all__ = ["JOB_ID", "SchedulerService", "TickReport", "aligned_tick"]


class SchedulerService:
    """Owns the APScheduler instance and the due-row -> ledger -> Notifier pipeline.

    ``instance_id`` names this process's leases; by default it is unique per start
    (``bot.scheduling.instance``), so processes sharing a database never take each other's
    in-flight work before its lease runs out. Given the same id, a restarted process takes
    back at once the sends its previous life left in flight. ``scope`` is what this process
    claims: by default its notifiers' platforms and, with DESKBREAK_SHARD_COUNT/IDS, its
    Discord shards' guilds (``bot.storage.scope``). Grace, tick and leases come from
    ``settings`` (DESKBREAK_GRACE_MINUTES, _TICK_SECONDS, _LEASE_SECONDS).
    """

    def __init__(
        self,
        store: Store,
        notifiers: Mapping[Platform, Notifier],
        content: NudgeSource,
        clock: Clock,
        settings: SchedulerSettings | None = None,
        *,
        shards: ShardSettings | None = None,
        instance_id: str | None = None,
        batch_size: int = CLAIM_BATCH,
        max_concurrency: int = 16,
        claim_lease: timedelta | None = None,
        send_lease: timedelta | None = None,
        scope: ClaimScope | None = None,
        stop_timeout: float = 10.0,
        metrics: Metrics | None = None,
        gate: MeetingGate | None = None,
        events: EventLog | None = None,
        retention: StatsRetention | None = None,
    ) -> None:
        self.store = store
        # Prunes old stats events once a day, after a tick and beside the next ones.
        self.retention = retention
        self.content = content
        self.clock = clock
        settings = settings or SchedulerSettings()
        shards = shards or ShardSettings()
        self.grace = settings.grace
        self.tick_seconds = settings.tick_seconds
        name = settings.instance_name
        self.instance_id = instance_id or new_instance_id(shards.ids, name)
        # Whose leftovers recover() takes back at once: this id's earlier lives (an explicit
        # id is its own lineage).
        self.lineage = instance_id or lineage(shards.ids, name)
        self.batch_size = batch_size
        # A claim holds its rows only for its own transaction; what this lease still decides
        # is how overdue another shard's schedule must be before this process takes it over.
        self.claim_lease = claim_lease or settings.lease
        self.send_lease = send_lease or settings.lease
        self.scope = scope or claim_scope((str(p) for p in notifiers), shards, self.claim_lease)
        self.stop_timeout = stop_timeout
        self.dispatcher = Dispatcher(
            store,
            notifiers,
            content,
            clock,
            owner=self.instance_id,
            grace=self.grace,
            send_lease=self.send_lease,
            max_concurrency=max_concurrency,
            metrics=metrics,
            gate=gate,
            events=events,
        )
        self.gate = gate
        self.holds = self.dispatcher.holds
        self._ahead: asyncio.Task[None] | None = None
        self._ahead_at: datetime | None = None
        self._scheduler: Any = None
        self._ticks: set[asyncio.Task[None]] = set()
        # Other due work this one job drives (group breaks: bot/scheduling/groupbreaks.py),
        # each called with the tick's time; and what to stop with the scheduler.
        self.tick_work: list[Callable[[datetime], Coroutine[Any, Any, object]]] = []
        self.stop_work: list[Callable[[], Coroutine[Any, Any, object]]] = []
        self._failed_ticks = 0  # in a row; a working tick after some logs the recovery
        self._lost = asyncio.Event()  # the SQLite file was deleted or replaced under us

    # ------------------------------------------------------------------ lifecycle

    async def start(self) -> None:
        """Resend what a previous run left pending, then add the ONE interval job."""
        from apscheduler.schedulers.asyncio import AsyncIOScheduler
        from apscheduler.triggers.interval import IntervalTrigger

        self.dispatcher.stopping = False
        # Shielded and tracked like a tick: a stop during recovery (SIGTERM right after a
        # start) lets the resends already under way finish instead of cancelling them.
        await self._shielded(self._guarded_recover())
        if self.dispatcher.stopping:
            return
        scheduler = AsyncIOScheduler(event_loop=asyncio.get_running_loop(), timezone=UTC)
        scheduler.add_job(
            self._scheduled_tick,
            IntervalTrigger(seconds=self.tick_seconds, timezone=UTC),
            id=JOB_ID,
            replace_existing=True,
            coalesce=True,  # after a stall, run once, not once per missed interval
            max_instances=1,  # a slow tick is never overlapped by the next one
            # A wake-up that is late by less than a few ticks still runs; APScheduler's
            # default of 1 s would drop ticks whenever the event loop is briefly busy.
            misfire_grace_time=max(30, int(self.tick_seconds * 4)),
            # First tick right away (this instant is at most one interval ago), and every
            # later one on the interval's grid: slots fall on whole minutes, so a tick lands
            # on the slot itself instead of up to one interval after it.
            next_run_time=aligned_tick(datetime.now(UTC), self.tick_seconds),
        )
        scheduler.start()
        self._scheduler = scheduler
        log.info("scheduler started: tick every %gs, grace %s", self.tick_seconds, self.grace)

    async def stop(self) -> None:
        """Stop ticking; let in-flight sends finish (up to ``stop_timeout``), else leave them
        pending for the next start, and release this instance's leases."""
        self.dispatcher.stopping = True
        if self._scheduler is not None:
            self._scheduler.shutdown(wait=False)
            self._scheduler = None
        if self._ticks:
            done, running = await asyncio.wait(set(self._ticks), timeout=self.stop_timeout)
            for task in running:
                task.cancel()
            if running:
                await asyncio.wait(running)
        if self._ahead is not None:
            self._ahead.cancel()
            await asyncio.gather(self._ahead, return_exceptions=True)
            self._ahead = None
        if self.gate is not None:
            await self.gate.close()
        for work in self.stop_work:
            await _survive(work(), "stopping the scheduler's other work", "it is dropped")
        try:
            await self.store.release_leases(self.instance_id)
        except StorageError as exc:  # a stop must finish; the leases simply run out
            log.error("could not release this run's leases (%s); they expire by themselves",
                      exc)
        if self.retention is not None:
            await self.retention.stop()
        log.info("scheduler stopped")

    async def wait_lost(self) -> int:
        """Return (the exit status to stop with) once a tick finds the database file gone:
        ``run_platforms`` waits for this beside the platforms, so the process ends."""
        await self._lost.wait()
        return LOST_DATABASE_STATUS

    @property
    def jobs(self) -> list[Any]:
        """The APScheduler jobs (always exactly one while running)."""
        return [] if self._scheduler is None else list(self._scheduler.get_jobs())

    async def _scheduled_tick(self) -> None:
        """The APScheduler job. The tick runs as its own shielded task: APScheduler cancels
        running jobs on shutdown, and stop() wants in-flight sends to finish instead."""
        if self.dispatcher.stopping:
            return
        await self._shielded(self._guarded_tick())

    async def _shielded(self, work: Coroutine[Any, Any, Any]) -> None:
        """Run ``work`` as its own task that stop() waits for (up to ``stop_timeout``)."""
        task = asyncio.ensure_future(work)
        self._ticks.add(task)
        task.add_done_callback(self._ticks.discard)
        try:
            await asyncio.shield(task)
        except asyncio.CancelledError:
            if not self.dispatcher.stopping:
                raise
            # stop() shut APScheduler down, which cancels its running job: the work itself
            # goes on in ``task`` and stop() waits for it; this wrapper just ends quietly.

    async def _guarded_tick(self) -> None:
        """One tick; while the database is down each failed tick is one line, and the first
        tick that works again says so once (an outage has a start and an end in the log)."""
        problem = self.store.file_problem()
        if problem is not None:  # every write would go to a file nobody will ever open again
            log.error("%s; writing nothing more and stopping (exit status %d) so a supervisor "
                      "restarts the bot", problem, LOST_DATABASE_STATUS)
            self._lost.set()
            return
        ok = await _survive(self.tick(), "scheduler tick", "the next tick retries")
        if ok and self._failed_ticks:
            log.warning("scheduler tick works again after %d failed tick(s)", self._failed_ticks)
        self._failed_ticks = 0 if ok else self._failed_ticks + 1
        if self.retention is not None:
            self.retention.maybe_start()

    async def _guarded_recover(self) -> None:
        await _survive(self.recover(), "resending what the last run left pending",
                       "the ticks retry those sends")

    # ------------------------------------------------------------------ the work

    async def recover(self) -> int:
        """Resend, with their original nonce, the pending rows a previous run left behind.

        Rows this lineage's previous life still holds are taken back now, not after their
        lease: the sooner a post that may have reached Discord is resent, the surer its nonce
        is still remembered there (Discord keeps them for a few minutes), so the resend is
        dropped instead of doubled.
        """
        now = self.clock.now()
        await self.store.fail_expired_deliveries(
            now - self.grace, now, owner=self.lineage, scope=self.scope
        )
        rows = await self.store.claim_retryable_deliveries(
            now,
            self.instance_id,
            self.send_lease,
            self.batch_size,
            reclaim_from=self.lineage,
            scope=self.scope,
        )
        # Held nudges this lineage was deciding when it died: decided again now.
        rows += await self.holds.claim_due(
            now, self.instance_id, self.send_lease, self.batch_size,
            scope=self.scope, reclaim_from=self.lineage,
        )
        report = TickReport()
        await self.dispatcher.send_all(rows, report)
        if rows:
            log.info("recovered %d pending deliveries after restart", len(rows))
        return len(rows)

    async def tick(self) -> TickReport:
        """Claim due rows, write their ledger rows and new next_due, then send; tests call this."""
        report = TickReport()
        now = self.clock.now()
        for work in self.tick_work:
            await _survive(work(now), "the tick's other work", "the next tick retries")
        self._check_ahead(now)
        if not await self.store.has_work(now, scope=self.scope) and not (
                self.gate is not None and await self.holds.has_due(now, scope=self.scope)):
            return report
        report.expired = await self.store.fail_expired_deliveries(
            now - self.grace, now, owner=self.instance_id, scope=self.scope
        )
        retries = await self.store.claim_retryable_deliveries(
            now, self.instance_id, self.send_lease, self.batch_size, scope=self.scope
        )
        # Held nudges whose time has come: the gate decides again (release, hold, drop).
        retries += await self.holds.claim_due(
            now, self.instance_id, self.send_lease, self.batch_size, scope=self.scope
        )
        # Each claimed batch is handed to the senders at once and the next batch is claimed
        # while they work, so the notifier's pacer never idles between batches.
        sending = [asyncio.ensure_future(self.dispatcher.send_all(retries, report))]
        try:
            await self._claim_and_send(now, report, sending)
        except asyncio.CancelledError:
            # Cancelled mid-claim (a dying process): the sends go down with it rather than
            # being waited for, or a send that never returns would hold the tick forever.
            for task in sending:
                task.cancel()
            raise
        finally:
            await asyncio.gather(*sending)
        if report.sent or report.failed or report.missed or report.retrying or report.held:
            log.info(
                "tick: sent %d, skipped %d, retrying %d, failed %d, missed %d, held %d, "
                "dropped %d",
                report.sent,
                report.skipped,
                report.retrying,
                report.failed,
                report.missed,
                report.held,
                report.dropped,
            )
        return report

    def _check_ahead(self, now: datetime) -> None:
        """Start checking the people whose nudges fall due before the next ticks (presence
        and calendars), in the background, so their answers are cached by their slot."""
        if self.gate is None or not self.gate.active or (
                self._ahead is not None and not self._ahead.done()):
            return
        if self._ahead_at is not None and now - self._ahead_at < AHEAD_EVERY:
            return  # short ticks: the 45 s window is looked at every 10 s, not every tick
        self._ahead_at = now
        self._ahead = asyncio.ensure_future(self._prefetch_upcoming(now))

    async def _prefetch_upcoming(self, now: datetime) -> None:
        assert self.gate is not None
        # Within the presence cache's minute, so what is fetched now is still fresh at the
        # slot; at least one tick, so every slot is looked at once before it falls due. The
        # gate skips people it already looked at for the same slot.
        horizon = now + timedelta(seconds=max(self.tick_seconds, AHEAD_SECONDS))
        try:
            upcoming = await self.holds.upcoming(now, horizon, AHEAD_LIMIT, scope=self.scope)
            await self.gate.prefetch_upcoming(upcoming)
        except asyncio.CancelledError:
            raise
        except StorageError as exc:  # one line, as the tick's own storage failures
            log.error("checking ahead for upcoming nudges failed: the database refused (%s); "
                      "they are checked when due", exc)
        except Exception:
            log.exception("checking ahead for upcoming nudges failed; they are checked when due")

    async def _claim_and_send(
        self, now: datetime, report: TickReport, sending: list[asyncio.Task[None]]
    ) -> None:
        # The first claim takes a few rows of every workspace with work (so none waits for
        # another's thousands to be claimed), the second a small batch, so sends start within
        # milliseconds; the bigger ones after them are made while those sends are under way.
        fair: int | None = FIRST_CLAIM_PER_WORKSPACE
        limit = self.batch_size

        def plan(rows: Sequence[ScheduleRow | ReminderRow],
                 workspaces: dict[tuple[str, str], WorkspaceRow]) -> list[Advance]:
            return planner.plan_batch(rows, workspaces, now, self.grace, report)

        while not self.dispatcher.stopping:  # a stop lets this batch finish but claims no more
            claimed = await self.store.claim_due(
                now, limit, plan, owner=self.instance_id, send_lease=self.send_lease,
                scope=self.scope, per_workspace=fair,
            )
            if not claimed.schedules and not claimed.reminders:
                break
            sending.append(asyncio.ensure_future(self.dispatcher.send_all(claimed.pending,
                                                                          report)))
            if fair is not None:  # fewer than asked says nothing about the rows left
                fair, limit = None, min(self.batch_size, FIRST_CLAIM)
                continue
            if claimed.schedules < limit and claimed.reminders < limit:
                break
            limit = self.batch_size

    # ------------------------------------------------------------------ one-off posts

    async def send_test(self, schedule: ScheduleRow) -> DeliveryResult:
        """Post one message from ``schedule`` now (``/schedule test``); see the dispatcher."""
        return await self.dispatcher.send_test(schedule)


async def _survive(work: Coroutine[Any, Any, Any], what: str, then: str) -> bool:
    """Run ``work``; a failure is logged and survived, so the scheduler never dies of it.
    True when it worked.

    A database that is locked, full or gone (a PostgreSQL outage included) gets one clear
    line per attempt (the driver's reason), not a traceback every tick; anything else is a
    bug and keeps its traceback.
    """
    try:
        await work
    except StorageError as exc:
        log.error("%s failed: the database refused (%s); %s", what, exc, then)
    except Exception:
        log.exception("%s failed; %s", what, then)
    else:
        return True
    return False


def aligned_tick(now: datetime, tick_seconds: float) -> datetime:
    """The latest multiple of ``tick_seconds`` since the epoch at or before ``now``."""
    epoch = now.timestamp()
    return datetime.fromtimestamp(epoch - epoch % tick_seconds, UTC)
