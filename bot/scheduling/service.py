"""The scheduling service: one APScheduler job ticks; each tick turns due rows into sends.

Why one job and not one per reminder: APScheduler keeps every job in memory and checks each
one's misfire grace at wake-up, so 100k reminders cost seconds and hundreds of MB and a busy
wake-up marks them "missed" (see NOTES.md). Here the database is the schedule: ``next_due`` is
indexed, a tick claims only the rows that are due, and the work is proportional to what is due.

Exactly-once, as far as a chat platform allows: for every slot the ledger row (pending, with a
nonce) and the schedule's new ``next_due`` are committed in one transaction *before* sending.
A crash after that commit leaves a pending row that is resent on start with the same nonce
(Discord drops the duplicate via ``enforce_nonce``); a crash before it leaves nothing, and the
row is simply due again.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from sqlalchemy.exc import SQLAlchemyError

from bot.core.clock import Clock
from bot.core.messages import Message, MessageKind
from bot.core.ports import (
    Delivery,
    DeliveryResult,
    DeliveryStatus,
    Notifier,
    Platform,
    Target,
    TargetKind,
)
from bot.core.retry_after import parse_retry_after
from bot.observability.metrics import Metrics
from bot.scheduling.instance import claim_scope, lineage, new_instance_id
from bot.scheduling.policy import catch_up, in_quiet_hours, is_skip_date
from bot.scheduling.specs import hhmm, recurrence_for, zone
from bot.settings import SchedulerSettings, ShardSettings
from bot.storage.records import (
    Advance,
    DeliveryRow,
    LedgerStatus,
    NewDelivery,
    ReminderRow,
    ScheduleRow,
    WorkspaceRow,
)
from bot.storage.scope import ClaimScope
from bot.storage.store import Store, db_error

log = logging.getLogger(__name__)

JOB_ID = "deskbreak-scheduler-tick"
MAX_BACKOFF = timedelta(minutes=5)
FIRST_BACKOFF = timedelta(seconds=30)
# Sent marks are written in batches of this many (and whenever a batch of sends ends).
MARK_BATCH = 100
FIRST_CLAIM = 50


class NudgeSource(Protocol):
    """What a due slot says (``ContentCommands.nudge``)."""

    async def nudge(self, kind: str, target_key: str) -> Message: ...


@dataclass(slots=True)
class TickReport:
    """What one tick did; returned for tests and logged for operators."""

    sent: int = 0
    skipped: int = 0
    retrying: int = 0
    failed: int = 0
    missed: int = 0
    expired: int = 0
    paused_schedules: list[int] = field(default_factory=list)
    disabled_reminders: list[int] = field(default_factory=list)


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
        batch_size: int = 500,
        max_concurrency: int = 16,
        claim_lease: timedelta | None = None,
        send_lease: timedelta | None = None,
        scope: ClaimScope | None = None,
        stop_timeout: float = 10.0,
        metrics: Metrics | None = None,
    ) -> None:
        self.store = store
        self.metrics = metrics
        self.notifiers = dict(notifiers)
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
        self.claim_lease = claim_lease or settings.lease
        self.send_lease = send_lease or settings.lease
        self.scope = scope or claim_scope(
            (str(p) for p in self.notifiers), shards, self.claim_lease
        )
        self.stop_timeout = stop_timeout
        self._send_slots = asyncio.Semaphore(max_concurrency)
        self._scheduler: Any = None
        self._ticks: set[asyncio.Task[None]] = set()
        # Ledger ids sent but not yet marked: one UPDATE per MARK_BATCH instead of one
        # transaction per message, so the database never paces a fan-out. A crash before the
        # mark leaves the row pending; the resend carries the same nonce and Discord drops it.
        self._sent_marks: list[int] = []
        self._stopping = False

    # ------------------------------------------------------------------ lifecycle

    async def start(self) -> None:
        """Resend what a previous run left pending, then add the ONE interval job."""
        from apscheduler.schedulers.asyncio import AsyncIOScheduler
        from apscheduler.triggers.interval import IntervalTrigger

        self._stopping = False
        # Shielded and tracked like a tick: a stop during recovery (SIGTERM right after a
        # start) lets the resends already under way finish instead of cancelling them.
        await self._shielded(self._guarded_recover())
        if self._stopping:
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
        log.info("scheduler started: tick every %.0fs, grace %s", self.tick_seconds, self.grace)

    async def stop(self) -> None:
        """Stop ticking; let in-flight sends finish (up to ``stop_timeout``), else leave them
        pending for the next start, and release this instance's leases."""
        self._stopping = True
        if self._scheduler is not None:
            self._scheduler.shutdown(wait=False)
            self._scheduler = None
        if self._ticks:
            done, running = await asyncio.wait(set(self._ticks), timeout=self.stop_timeout)
            for task in running:
                task.cancel()
            if running:
                await asyncio.wait(running)
        try:
            await self.store.release_leases(self.instance_id)
        except SQLAlchemyError as exc:  # a stop must finish; the leases simply run out
            log.error("could not release this run's leases (%s); they expire by themselves",
                      db_error(exc))
        log.info("scheduler stopped")

    @property
    def jobs(self) -> list[Any]:
        """The APScheduler jobs (always exactly one while running)."""
        return [] if self._scheduler is None else list(self._scheduler.get_jobs())

    async def _scheduled_tick(self) -> None:
        """The APScheduler job. The tick runs as its own shielded task: APScheduler cancels
        running jobs on shutdown, and stop() wants in-flight sends to finish instead."""
        if self._stopping:
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
            if not self._stopping:
                raise
            # stop() shut APScheduler down, which cancels its running job: the work itself
            # goes on in ``task`` and stop() waits for it; this wrapper just ends quietly.

    async def _guarded_tick(self) -> None:
        await _survive(self.tick(), "scheduler tick", "the next tick retries")

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
        report = TickReport()
        await self._send_all(rows, report)
        if rows:
            log.info("recovered %d pending deliveries after restart", len(rows))
        return len(rows)

    async def tick(self) -> TickReport:
        """Claim due rows, write their ledger rows and new next_due, then send; tests call this."""
        report = TickReport()
        now = self.clock.now()
        if not await self.store.has_work(now, scope=self.scope):
            return report
        report.expired = await self.store.fail_expired_deliveries(
            now - self.grace, now, owner=self.instance_id, scope=self.scope
        )
        retries = await self.store.claim_retryable_deliveries(
            now, self.instance_id, self.send_lease, self.batch_size, scope=self.scope
        )
        # Each claimed batch is handed to the senders at once and the next batch is claimed
        # while they work, so the notifier's pacer never idles between batches.
        sending = [asyncio.ensure_future(self._send_all(retries, report))]
        try:
            await self._claim_and_send(now, report, sending)
        finally:
            await asyncio.gather(*sending)
        if report.sent or report.failed or report.missed or report.retrying:
            log.info(
                "tick: sent %d, skipped %d, retrying %d, failed %d, missed %d",
                report.sent,
                report.skipped,
                report.retrying,
                report.failed,
                report.missed,
            )
        return report

    async def _claim_and_send(
        self, now: datetime, report: TickReport, sending: list[asyncio.Task[None]]
    ) -> None:
        # A small first claim gets the first sends out at once; the bigger ones after it are
        # made while those sends are under way.
        limit = min(self.batch_size, FIRST_CLAIM)
        while not self._stopping:  # a stop lets this batch finish but claims no more
            schedules = await self.store.claim_due_schedules(
                now, self.instance_id, self.claim_lease, limit, scope=self.scope
            )
            reminders = await self.store.claim_due_reminders(
                now, self.instance_id, self.claim_lease, limit, scope=self.scope
            )
            if not schedules and not reminders:
                break
            keys = {(r.platform, r.workspace_id) for r in schedules}
            keys |= {(r.platform, r.workspace_id) for r in reminders}
            workspaces = await self.store.get_workspaces(keys)
            advances: list[Advance] = []
            for row in schedules:
                ws = workspaces[(row.platform, row.workspace_id)]
                advances.append(self._safe_plan(self._plan_schedule, row, ws, now, report))
            for rem in reminders:
                ws = workspaces[(rem.platform, rem.workspace_id)]
                advances.append(self._safe_plan(self._plan_reminder, rem, ws, now, report))
            pending = await self.store.apply_advances(
                advances, owner=self.instance_id, now=now, send_lease=self.send_lease
            )
            sending.append(asyncio.ensure_future(self._send_all(pending, report)))
            if len(schedules) < limit and len(reminders) < limit:
                break
            limit = self.batch_size

    def _safe_plan(
        self,
        plan: Any,
        row: ScheduleRow | ReminderRow,
        ws: WorkspaceRow,
        now: datetime,
        report: TickReport,
    ) -> Advance:
        """Plan one row; a row that cannot be planned (say a stored spec a newer parser
        rejects) is parked with a reason instead of failing every tick for everyone."""
        try:
            advance: Advance = plan(row, ws, now, report)
            return advance
        except Exception as exc:
            log.exception("cannot plan %s; parking it", row.source)
            reason = f"cannot compute the next time: {exc}"[:300]
            if isinstance(row, ScheduleRow):
                return Advance(
                    "schedules", row.id, None, (), {"paused": True, "paused_reason": reason}
                )
            return Advance(
                "reminders", row.id, None, (), {"enabled": False, "disabled_reason": "error"}
            )

    def _plan_schedule(
        self, row: ScheduleRow, ws: WorkspaceRow, now: datetime, report: TickReport
    ) -> Advance:
        return self._plan(row, "schedules", row.kind, _channel_target(row), ws, now, report)

    def _plan_reminder(
        self, row: ReminderRow, ws: WorkspaceRow, now: datetime, report: TickReport
    ) -> Advance:
        target = Target(Platform(row.platform), row.workspace_id, TargetKind.DM, row.user_id)
        advance = self._plan(
            row, "reminders", "break", target, ws, now, report, paused_until=row.paused_until
        )
        if row.snoozed_until is not None and row.snoozed_until <= now:
            advance.updates["snoozed_until"] = None
        return advance

    def _plan(
        self,
        row: ScheduleRow | ReminderRow,
        table: str,
        kind: str,
        target: Target,
        ws: WorkspaceRow,
        now: datetime,
        report: TickReport,
        *,
        paused_until: datetime | None = None,
    ) -> Advance:
        """Decide the one slot (at most) to deliver for a due row, and its next due time."""
        assert row.next_due is not None  # claimed rows are due
        source = row.source
        tz = zone(row.timezone or ws.timezone)
        recurrence = recurrence_for(row.spec)
        plan = catch_up(recurrence, tz, row.next_due, now, self.grace)
        if plan.missed:
            report.missed += plan.missed
            log.info("%s missed %d slot(s) beyond the %s grace", source, plan.missed, self.grace)
        new_next = plan.next_due
        if paused_until is not None and new_next is not None and new_next < paused_until:
            new_next = recurrence.next_after(paused_until - timedelta(microseconds=1), tz)
        deliveries: tuple[NewDelivery, ...] = ()
        if plan.send is not None:
            reason = self._skip_reason(plan.send, tz, ws, paused_until)
            status = LedgerStatus.PENDING if reason is None else LedgerStatus.SKIPPED
            if reason is not None:
                report.skipped += 1
                log.debug("%s slot %s skipped: %s", source, plan.send, reason)
            deliveries = (
                NewDelivery.for_target(
                    target, source=source, slot=plan.send, kind=kind, status=status, detail=reason
                ),
            )
        return Advance(table, row.id, new_next, deliveries)

    @staticmethod
    def _skip_reason(
        slot: datetime, tz: Any, ws: WorkspaceRow, paused_until: datetime | None
    ) -> str | None:
        if paused_until is not None and slot < paused_until:
            return "paused"
        local = slot.astimezone(tz)
        if is_skip_date(local.date(), ws.skip_dates):
            return "skip date"
        if in_quiet_hours(local, hhmm(ws.quiet_start), hhmm(ws.quiet_end)):
            return "quiet hours"
        return None

    # ------------------------------------------------------------------ sending

    async def _send_all(self, rows: Sequence[DeliveryRow], report: TickReport) -> None:
        if rows:
            try:
                await asyncio.gather(*(self._send_one(row, report) for row in rows))
            finally:
                await self._flush_marks()

    async def _flush_marks(self) -> None:
        """Write the pending sent marks in one statement."""
        if not self._sent_marks:
            return
        ids, self._sent_marks = self._sent_marks, []
        try:
            await self.store.finish_sent_deliveries(ids, now=self.clock.now())
        except Exception:
            # Left pending: after the lease they are resent with their nonce (a no-op on
            # Discord), which beats losing the record that they went out.
            log.exception("could not mark %d sent deliveries", len(ids))

    async def _send_one(self, row: DeliveryRow, report: TickReport) -> DeliveryResult:
        async with self._send_slots:
            if self._stopping:
                # Shutting down: sends already under way finish, the rest of a fan-out stays
                # pending (its lease is released by stop) and the next start sends it.
                return DeliveryResult(DeliveryStatus.RETRY, "stopping; left pending")
            result = await self._deliver(row)
        self._count(row, result)
        await self._settle(row, result, report)
        return result

    def _count(self, row: DeliveryRow, result: DeliveryResult) -> None:
        """Every attempt's outcome, and for a sent one its lag behind the slot."""
        if self.metrics is None:
            return
        lag = (self.clock.now() - row.slot).total_seconds()
        self.metrics.delivery_result(row.platform, row.kind, result, lag)

    async def _deliver(self, row: DeliveryRow) -> DeliveryResult:
        platform = Platform(row.platform)
        notifier = self.notifiers.get(platform)
        if notifier is None:
            return DeliveryResult(DeliveryStatus.RETRY, f"no notifier for {platform} in this run")
        target = Target(platform, row.workspace_id, TargetKind(row.target_kind), row.target_id)
        delivery = Delivery(ledger_id=row.id, target=target, nonce=row.nonce, source=row.source)
        try:
            message = await self.content.nudge(row.kind, target.key)
            return await notifier.deliver(delivery, message)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # a notifier must not raise; if it does, treat as transient
            log.exception("delivery %s to %s raised", row.id, target.key)
            return DeliveryResult(DeliveryStatus.RETRY, f"{type(exc).__name__}: {exc}"[:300])

    async def _settle(self, row: DeliveryRow, result: DeliveryResult, report: TickReport) -> None:
        now = self.clock.now()
        status = result.status
        detail = result.detail[:300] or None
        if status == DeliveryStatus.SENT:
            report.sent += 1
            self._sent_marks.append(row.id)
            # Batching marks is safe only where a resend after a crash is dropped (Discord's
            # nonce); on Slack an unwritten mark means a duplicate post, so write it now.
            if len(self._sent_marks) >= MARK_BATCH or row.platform != Platform.DISCORD:
                await self._flush_marks()
            return
        if status == DeliveryStatus.RETRY:
            backoff = _backoff(row.attempts + 1, result.retry_after)
            retry_at = now + backoff
            if retry_at > row.slot + self.grace:
                report.failed += 1
                log.warning("delivery %s gave up after %d attempts", row.id, row.attempts + 1)
                await self.store.finish_delivery(
                    row.id, LedgerStatus.FAILED, now=now, detail=detail or "retries exhausted"
                )
            else:
                report.retrying += 1
                await self.store.finish_delivery(
                    row.id, LedgerStatus.PENDING, now=now, detail=detail, next_attempt_at=retry_at
                )
            return
        # A permanent refusal: record it, then (unless only the message was at fault) stop
        # feeding that target.
        report.failed += 1
        await self.store.finish_delivery(
            row.id, LedgerStatus.FAILED, now=now, detail=detail or str(status)
        )
        if status == DeliveryStatus.REJECTED:
            # Our message, not the target: a bug to fix, so it is loud in the log, while the
            # schedule and the person's reminders go on with the next slot's message.
            log.error("delivery %s to %s refused by the platform as malformed: %s",
                      row.id, row.target_key, detail)
            return
        kind, _, ident = row.source.partition(":")
        if not ident.isdigit():
            return  # e.g. a "test:" post: the admin sees the error in their reply
        if kind == "reminder":
            if await self.store.disable_reminder_once(int(ident), "dm_closed"):
                report.disabled_reminders.append(int(ident))
                log.info("reminder %s disabled: %s", ident, status)
        elif kind == "schedule":
            reason = _pause_reason(status, row.target_id, result.detail)
            if await self.store.pause_schedule_once(int(ident), reason):
                report.paused_schedules.append(int(ident))
                await self._tell_admin(row, int(ident), reason)

    async def _tell_admin(self, row: DeliveryRow, schedule_id: int, reason: str) -> None:
        notifier = self.notifiers.get(Platform(row.platform))
        if notifier is None:
            return
        ws = await self.store.get_workspace(row.platform, row.workspace_id)
        message = Message(
            kind=MessageKind.INFO,
            title=f"Schedule #{schedule_id} is paused",
            body=(
                f"{reason}. Give me permission to post there, then run "
                f"`/schedule resume {schedule_id}` (or `/schedule remove {schedule_id}`)."
            ),
        )
        try:
            await notifier.notify_admin(row.workspace_id, ws.admin_channel_id, message)
        except Exception:
            log.exception(
                "could not tell the admins of %s about schedule %s", row.workspace_id, schedule_id
            )

    # ------------------------------------------------------------------ one-off posts

    async def send_test(self, schedule: ScheduleRow) -> DeliveryResult:
        """Post one message from ``schedule`` now (``/schedule test``), recorded in the ledger.

        A refusal is returned to the caller rather than pausing the schedule: the admin is
        right there to read the reason.
        """
        now = self.clock.now()
        row = await self.store.record_delivery(
            NewDelivery.for_target(
                _channel_target(schedule),
                source=f"test:{schedule.id}",
                slot=now,
                kind=schedule.kind,
            ),
            owner=self.instance_id,
            now=now,
            send_lease=self.send_lease,
        )
        if row is None:
            return DeliveryResult(
                DeliveryStatus.RETRY, "a test post for this instant already exists"
            )
        result = await self._deliver(row)
        final = LedgerStatus.SENT if result.status == DeliveryStatus.SENT else LedgerStatus.FAILED
        await self.store.finish_delivery(
            row.id, final, now=self.clock.now(), detail=result.detail[:300] or None
        )
        return result


async def _survive(work: Coroutine[Any, Any, Any], what: str, then: str) -> None:
    """Run ``work``; a failure is logged and survived, so the scheduler never dies of it.

    A database that is locked, full or gone gets one clear line per attempt (the driver's
    reason), not a traceback every tick; anything else is a bug and keeps its traceback.
    """
    try:
        await work
    except SQLAlchemyError as exc:
        log.error("%s failed: the database refused (%s); %s", what, db_error(exc), then)
    except Exception:
        log.exception("%s failed; %s", what, then)


def aligned_tick(now: datetime, tick_seconds: float) -> datetime:
    """The latest multiple of ``tick_seconds`` since the epoch at or before ``now``."""
    epoch = now.timestamp()
    return datetime.fromtimestamp(epoch - epoch % tick_seconds, UTC)


def _channel_target(row: ScheduleRow) -> Target:
    """The channel a schedule posts to."""
    return Target(Platform(row.platform), row.workspace_id, TargetKind.CHANNEL, row.channel_id)


def _backoff(attempt: int, retry_after: float | None) -> timedelta:
    """Exponential from 30 s, capped at 5 min; a platform's Retry-After wins when longer."""
    delay = min(FIRST_BACKOFF * (2 ** max(0, attempt - 1)), MAX_BACKOFF)
    wait = parse_retry_after(retry_after)  # any notifier's hint, checked once more here
    if wait is not None:
        delay = max(delay, timedelta(seconds=wait))
    return delay


def _pause_reason(status: DeliveryStatus, channel_id: str, detail: str) -> str:
    what = "can't post in" if status == DeliveryStatus.FORBIDDEN else "can't find"
    suffix = f" ({detail})" if detail else ""
    return f"I {what} channel {channel_id}{suffix}"[:300]
