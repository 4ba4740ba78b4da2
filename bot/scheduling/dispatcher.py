"""Dispatch: send planned ledger rows through the platforms' notifiers and settle each result.

Every pending ledger row was committed before it reaches here, so a send is always "a row we
owe". A personal DM first passes the meeting gate (bot/scheduling/meetings.py): a busy person's
nudge is held (its row becomes ``held`` until the time the gate names, then comes back here)
or dropped with the reason, each recorded through the EventLog. The result decides the row's
fate: sent (marked, in batches where the platform drops resends), retry later with backoff
inside the grace window, or failed for good, which pauses the schedule (telling its admins
once) or turns off the person's reminder (closed DMs).
"""

from __future__ import annotations

import asyncio
import itertools
import logging
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Protocol

from bot.core.clock import Clock
from bot.core.events import BreakEvent, EventKind, EventLog, NoEventLog
from bot.core.messages import Message
from bot.core.ports import (
    Delivery,
    DeliveryResult,
    DeliveryStatus,
    Notifier,
    Platform,
    PreparesTargets,
    Target,
    TargetKind,
)
from bot.core.retry_after import parse_retry_after
from bot.meetings.policy import Action
from bot.observability.metrics import Metrics
from bot.scheduling.lanes import Lanes
from bot.scheduling.meetings import DELIVER, MeetingGate, Verdict
from bot.scheduling.notices import pause_reason, schedule_paused
from bot.scheduling.planner import channel_target
from bot.scheduling.report import TickReport
from bot.storage.errors import StorageError
from bot.storage.holds import Holds
from bot.storage.records import DeliveryRow, LedgerStatus, NewDelivery, ScheduleRow
from bot.storage.store import Store

log = logging.getLogger(__name__)

MAX_BACKOFF = timedelta(minutes=5)
FIRST_BACKOFF = timedelta(seconds=30)
# Sent marks are written in batches of this many (and whenever a batch of sends ends).
MARK_BATCH = 500
# Sends in flight across all workspaces, as a multiple of the per-workspace limit.
TOTAL_LANES = 16
# DMs checked for meetings together: the first chunk of a batch, and the most in one.
FIRST_GATE_CHUNK = 100
GATE_CHUNK = 1000


class NudgeSource(Protocol):
    """What due slots say (``ContentCommands.nudges``): one message per (kind, target_key),
    in order, dealt together so a batch's rotation decks cost one database update."""

    async def nudges(self, wanted: Sequence[tuple[str, str]]) -> list[Message]: ...


class Dispatcher:
    """Sends ledger rows, at most ``max_concurrency`` at a time per workspace, channel posts
    ahead of DMs (``lanes.py``: one workspace's fan-out never queues another's nudge behind
    it), and records what happened.

    ``owner`` is the lease owner the rows were claimed by; ``stopping`` is set by the service
    so that a stop lets sends under way finish but starts no more of them.
    """

    def __init__(
        self,
        store: Store,
        notifiers: Mapping[Platform, Notifier],
        content: NudgeSource,
        clock: Clock,
        *,
        owner: str,
        grace: timedelta,
        send_lease: timedelta,
        max_concurrency: int = 16,
        metrics: Metrics | None = None,
        gate: MeetingGate | None = None,
        events: EventLog | None = None,
    ) -> None:
        self.store = store
        self.gate = gate
        self.holds = Holds(store)
        self.events: EventLog = events or NoEventLog()
        self.notifiers = dict(notifiers)
        self.content = content
        self.clock = clock
        self.owner = owner
        self.grace = grace
        self.send_lease = send_lease
        self.metrics = metrics
        self.stopping = False
        self._lanes = Lanes(max_concurrency, max_concurrency * TOTAL_LANES)
        # Ledger ids sent but not yet marked: one UPDATE per MARK_BATCH instead of one
        # transaction per message, so the database never paces a fan-out. A crash before the
        # mark leaves the row pending; the resend carries the same nonce and Discord drops it.
        self._sent_marks: list[int] = []
        # NUDGED events of sends not yet marked: recorded with the marks, in one statement.
        self._sent_events: list[BreakEvent] = []

    async def send_all(self, rows: Sequence[DeliveryRow], report: TickReport) -> None:
        if not rows:
            return
        try:
            if self.gate is None:
                await self._send_batch(rows, [DELIVER] * len(rows), report)
                return
            # A channel has no one person to be busy: its posts go out while the DMs of the
            # same batch wait for their meeting checks (the first posts of a fan-out's
            # workspaces are not held back by the presence lookups of everyone else).
            posts = [row for row in rows if row.target_kind != TargetKind.DM.value]
            dms = [row for row in rows if row.target_kind == TargetKind.DM.value]
            await asyncio.gather(self._send_batch(posts, [DELIVER] * len(posts), report),
                                 self._send_checked(dms, report))
        finally:
            await self._flush_marks()

    async def _send_checked(self, rows: Sequence[DeliveryRow], report: TickReport) -> None:
        """DMs: the gate's verdicts first, asked for together, a growing chunk at a time.

        A chunk's checks are asked for while the chunk before it is being sent. Checking a
        batch of a thousand people at once held every one of them back until the last
        person's presence was in (three Slack calls each when nothing was fetched ahead):
        the workspaces' pacers sat idle for a second or more at the start of a fan-out.
        Chunks take people of every workspace in turn, so each workspace's first sends wait
        for a few checks only.
        """
        if not rows:
            return
        sends: list[asyncio.Future[None]] = []
        try:
            for chunk in gate_chunks(rows):
                verdicts = await self._checked(chunk)
                sends.append(asyncio.ensure_future(self._send_batch(chunk, verdicts, report)))
        except BaseException:
            # Cancelled (a dying process): the chunks' sends go down with the caller, as a
            # batch's sends always did, rather than holding it until they end.
            for send in sends:
                send.cancel()
            await asyncio.gather(*sends, return_exceptions=True)
            raise
        await asyncio.gather(*sends)

    async def _checked(self, rows: Sequence[DeliveryRow]) -> list[Verdict]:
        assert self.gate is not None
        # One batched presence request per workspace, one query for the reminders, one for
        # the workspaces' zones and one for calendar links, instead of one of each per nudge.
        try:
            await self.gate.prefetch(rows)
        except Exception:
            log.exception("meeting checks could not be prepared; checking one by one")
        return list(await asyncio.gather(*(self._verdict(row) for row in rows)))

    async def _send_batch(self, rows: Sequence[DeliveryRow], verdicts: Sequence[Verdict],
                          report: TickReport) -> None:
        if not rows:
            return
        sending = [row for row, v in zip(rows, verdicts, strict=True)
                   if v.action is Action.DELIVER]
        messages, _ = await asyncio.gather(self._messages(sending), self._prepare(sending))
        await asyncio.gather(*(self._send_one(row, verdict, messages.get(row.id), report)
                               for row, verdict in zip(rows, verdicts, strict=True)))

    async def send_test(self, schedule: ScheduleRow) -> DeliveryResult:
        """Post one message from ``schedule`` now (``/schedule test``), recorded in the ledger.

        A refusal is returned to the caller rather than pausing the schedule: the admin is
        right there to read the reason.
        """
        now = self.clock.now()
        row = await self.store.record_delivery(
            NewDelivery.for_target(
                channel_target(schedule), source=f"test:{schedule.id}", slot=now,
                kind=schedule.kind,
            ),
            owner=self.owner,
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

    async def _flush_marks(self) -> None:
        """Write the pending sent marks in one statement, then their stats events."""
        await self._flush_events()
        if not self._sent_marks:
            return
        ids, self._sent_marks = self._sent_marks, []
        try:
            await self.store.finish_sent_deliveries(ids, now=self.clock.now())
        except StorageError as exc:  # one line: an outage is not a bug
            log.error("could not mark %d sent deliveries (%s); they stay pending and are "
                      "resent with their nonce", len(ids), exc)
        except Exception:
            # Left pending: after the lease they are resent with their nonce (a no-op on
            # Discord), which beats losing the record that they went out.
            log.exception("could not mark %d sent deliveries", len(ids))

    async def _flush_events(self) -> None:
        if not self._sent_events:
            return
        events, self._sent_events = self._sent_events, []
        await self.events.record_many(events)

    async def _prepare(self, rows: Sequence[DeliveryRow]) -> None:
        """Let each notifier get ready for its rows at once (``PreparesTargets``)."""
        targets: dict[Platform, list[Target]] = {}
        for row in rows:
            targets.setdefault(Platform(row.platform), []).append(_target(row))
        for platform, wanted in targets.items():
            notifier = self.notifiers.get(platform)
            if isinstance(notifier, PreparesTargets):
                try:
                    await notifier.prepare(wanted)
                except Exception:  # each send finds its own way then
                    log.exception("could not prepare %d sends on %s", len(wanted), platform)

    async def _messages(self, rows: Sequence[DeliveryRow]) -> dict[int, Message]:
        """What each row to be sent says, by ledger id, dealt in one go: the batch's
        rotation decks are read and saved once, not twice per message. Dealt before the
        sends start, so a stop that leaves some of them pending has used up their cards."""
        if not rows:
            return {}
        try:
            messages = await self.content.nudges([(row.kind, _target(row).key) for row in rows])
        except asyncio.CancelledError:
            raise
        except Exception:  # each send deals its own then, and a failure there is a retry
            log.exception("could not deal the messages of %d deliveries together; dealing "
                          "them one by one", len(rows))
            return {}
        return {row.id: message for row, message in zip(rows, messages, strict=True)}

    async def _send_one(self, row: DeliveryRow, verdict: Verdict, message: Message | None,
                        report: TickReport) -> DeliveryResult:
        if verdict.notice is not None:
            await self._tell_person(row, verdict.notice)
        if verdict.action is Action.HOLD:
            return await self._hold(row, verdict, report)
        if verdict.action is Action.DROP:
            return await self._drop(row, verdict.reason or "busy", report)
        # A channel post goes ahead of the workspace's waiting DMs: it is paced by its channel
        # (one a second on Slack) as well as the workspace, so one queued behind a fan-out's
        # DMs came out after all of them and its channel's next posts crawled after it, a
        # second each, past the end the DMs alone would have taken.
        post = row.target_kind != TargetKind.DM.value
        async with self._lanes.slot((row.platform, row.workspace_id), first=post):
            if self.stopping:
                # Shutting down: sends already under way finish, the rest of a fan-out stays
                # pending (its lease is released by stop) and the next start sends it.
                return DeliveryResult(DeliveryStatus.RETRY, "stopping; left pending")
            result = await self._deliver(row, verdict.headline, message)
        self._count(row, result)
        await self._settle(row, result, report)
        return result

    # ------------------------------------------------------------------ meetings

    async def _verdict(self, row: DeliveryRow) -> Verdict:
        assert self.gate is not None  # only DMs come here, and only with a gate
        try:
            return await self.gate.check(row)
        except Exception:  # a bug in a check must not cost anyone their nudge
            log.exception("meeting check for delivery %s failed; delivering", row.id)
            return DELIVER

    async def _hold(self, row: DeliveryRow, verdict: Verdict, report: TickReport
                    ) -> DeliveryResult:
        """Keep the row, ``held`` until ``verdict.at``; the first hold is the HELD event."""
        assert verdict.at is not None
        reason = verdict.reason or "busy"
        now = self.clock.now()
        if not await self.holds.hold(row.id, until=verdict.at, reason=reason, now=now):
            return DeliveryResult(DeliveryStatus.RETRY, "settled elsewhere")
        report.held += 1
        if row.status is LedgerStatus.PENDING:
            await self._record(row, EventKind.HELD, reason)
        return DeliveryResult(DeliveryStatus.RETRY, f"held: {reason}")

    async def _drop(self, row: DeliveryRow, reason: str, report: TickReport) -> DeliveryResult:
        """Not sent, for good: the person was not free in time (skipped, with the reason)."""
        now = self.clock.now()
        detail = f"dropped: {reason}"[:300]
        if await self.holds.finish(row.id, LedgerStatus.SKIPPED, now=now, detail=detail,
                                   was=row.status):
            report.dropped += 1
            if row.status is LedgerStatus.PENDING:
                # Held back at its slot and dropped at once (busy past the next one): still
                # a held nudge for stats, which count DROPPED among the HELD.
                await self._record(row, EventKind.HELD, reason)
            await self._record(row, EventKind.DROPPED, reason)
        return DeliveryResult(DeliveryStatus.RETRY, detail)

    async def _record(self, row: DeliveryRow, kind: EventKind, reason: str) -> None:
        event = BreakEvent(kind, Platform(row.platform), row.workspace_id, row.target_id,
                           self.clock.now(), source=row.source.partition(":")[0],
                           reason=reason)
        try:
            await self.events.record(event)
        except Exception:  # stats never block a break
            log.exception("could not record a %s event", kind)

    async def _tell_person(self, row: DeliveryRow, message: Message) -> None:
        """A one-off DM (their calendar can't be read), recorded in the ledger like any send."""
        platform = Platform(row.platform)
        notifier = self.notifiers.get(platform)
        if notifier is None:
            return
        now = self.clock.now()
        target = Target(platform, row.workspace_id, TargetKind.DM, row.target_id)
        try:
            noted = await self.store.record_delivery(
                NewDelivery.for_target(target, source="calendar-notice", slot=now,
                                       kind="notice"),
                owner=self.owner, now=now, send_lease=self.send_lease)
            if noted is None:
                return
            result = await notifier.deliver(
                Delivery(noted.id, target, noted.nonce, noted.source), message)
            final = (LedgerStatus.SENT if result.status is DeliveryStatus.SENT
                     else LedgerStatus.FAILED)
            await self.store.finish_delivery(noted.id, final, now=self.clock.now(),
                                             detail=result.detail[:300] or None)
        except Exception:
            log.exception("could not tell %s their calendar can't be read", target.key)

    def _count(self, row: DeliveryRow, result: DeliveryResult) -> None:
        """Every attempt's outcome, and for a sent one its lag behind the slot."""
        if self.metrics is None:
            return
        lag = (self.clock.now() - row.slot).total_seconds()
        self.metrics.delivery_result(row.platform, row.kind, result, lag)

    async def _deliver(self, row: DeliveryRow, headline: str | None = None,
                       message: Message | None = None) -> DeliveryResult:
        """Send ``row`` with ``message`` (dealt here when not given)."""
        platform = Platform(row.platform)
        notifier = self.notifiers.get(platform)
        if notifier is None:
            return DeliveryResult(DeliveryStatus.RETRY, f"no notifier for {platform} in this run")
        target = _target(row)
        delivery = Delivery(ledger_id=row.id, target=target, nonce=row.nonce, source=row.source)
        try:
            if message is None:
                message = (await self.content.nudges([(row.kind, target.key)]))[0]
            if headline is not None:  # released after a long run of meetings
                message = replace(message, title=headline)
            return await notifier.deliver(delivery, message)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # a notifier must not raise; if it does, treat as transient
            log.exception("delivery %s to %s raised", row.id, target.key)
            return DeliveryResult(DeliveryStatus.RETRY, f"{type(exc).__name__}: {exc}"[:300])

    def _dedupes_resends(self, platform: str) -> bool:
        notifier = self.notifiers.get(Platform(platform))
        return notifier is not None and notifier.dedupes_resends

    async def _settle(self, row: DeliveryRow, result: DeliveryResult, report: TickReport) -> None:
        if row.status is LedgerStatus.HELD:
            await self._settle_released(row, result, report)
            return
        now = self.clock.now()
        status = result.status
        detail = result.detail[:300] or None
        if status == DeliveryStatus.SENT:
            report.sent += 1
            self._sent_marks.append(row.id)
            event = nudged_event(row, now)
            if event is not None:
                self._sent_events.append(event)
            # Batching marks is safe only where a resend after a crash is dropped (a nonce);
            # elsewhere an unwritten mark means a duplicate post, so it is written now.
            if len(self._sent_marks) >= MARK_BATCH or not self._dedupes_resends(row.platform):
                await self._flush_marks()
            return
        if status == DeliveryStatus.RETRY:
            backoff = backoff_after(row.attempts + 1, result.retry_after)
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
        await self._after_refusal(row, result, report)

    async def _settle_released(self, row: DeliveryRow, result: DeliveryResult,
                               report: TickReport) -> None:
        """A held nudge's send: marked at once (it is one row, not a fan-out); a transient
        failure holds it again for the backoff, and the gate drops it once its time is up."""
        now = self.clock.now()
        status = result.status
        detail = result.detail[:300] or None
        if status == DeliveryStatus.SENT:
            report.sent += 1
            await self.holds.finish(row.id, LedgerStatus.SENT, now=now)
            return
        if status == DeliveryStatus.RETRY:
            report.retrying += 1
            retry_at = now + backoff_after(row.attempts + 1, result.retry_after)
            await self.holds.hold(row.id, until=retry_at, reason=row.detail or "busy", now=now)
            return
        report.failed += 1
        await self.holds.finish(row.id, LedgerStatus.FAILED, now=now,
                                detail=detail or str(status))
        await self._after_refusal(row, result, report)

    async def _after_refusal(self, row: DeliveryRow, result: DeliveryResult,
                             report: TickReport) -> None:
        status = result.status
        detail = result.detail[:300] or None
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
            reason = pause_reason(status, row.target_id, result.detail)
            if await self.store.pause_schedule_once(int(ident), reason):
                report.paused_schedules.append(int(ident))
                await self._tell_admin(row, int(ident), reason)

    async def _tell_admin(self, row: DeliveryRow, schedule_id: int, reason: str) -> None:
        notifier = self.notifiers.get(Platform(row.platform))
        if notifier is None:
            return
        ws = await self.store.get_workspace(row.platform, row.workspace_id)
        try:
            await notifier.notify_admin(
                row.workspace_id, ws.admin_channel_id, schedule_paused(schedule_id, reason)
            )
        except Exception:
            log.exception(
                "could not tell the admins of %s about schedule %s", row.workspace_id, schedule_id
            )


def gate_chunks(rows: Sequence[DeliveryRow]) -> list[list[DeliveryRow]]:
    """``rows`` in chunks for the meeting checks: the first ``FIRST_GATE_CHUNK`` rows, then
    twice as many each time up to ``GATE_CHUNK``, the workspaces taking turns within each
    (one workspace's thousand DMs never fill the first chunk while another waits)."""
    queues: dict[tuple[str, str], list[DeliveryRow]] = {}
    for row in rows:
        queues.setdefault((row.platform, row.workspace_id), []).append(row)
    order = [row for turn in itertools.zip_longest(*queues.values()) for row in turn
             if row is not None]
    chunks: list[list[DeliveryRow]] = []
    size = FIRST_GATE_CHUNK
    while order:
        chunks.append(order[:size])
        order = order[size:]
        size = min(size * 2, GATE_CHUNK)
    return chunks


def _target(row: DeliveryRow) -> Target:
    return Target(Platform(row.platform), row.workspace_id, TargetKind(row.target_kind),
                  row.target_id)


def nudged_event(row: DeliveryRow, at: datetime) -> BreakEvent | None:
    """The NUDGED stats event of a break nudge that went out: a schedule's channel post
    (no person, its schedule id) or one person's DM (a reminder or a one-off snooze). Tips
    and ``/schedule test`` posts are not break nudges and record nothing."""
    if row.kind != "break":
        return None
    origin, _, ident = row.source.partition(":")
    if origin == "schedule" and ident.isdigit():
        return BreakEvent(EventKind.NUDGED, Platform(row.platform), row.workspace_id, None, at,
                          schedule_id=int(ident), source="schedule")
    if origin in ("reminder", "snooze") and row.target_kind == TargetKind.DM:
        return BreakEvent(EventKind.NUDGED, Platform(row.platform), row.workspace_id,
                          row.target_id, at, source=origin)
    return None


def backoff_after(attempt: int, retry_after: float | None) -> timedelta:
    """Exponential from 30 s, capped at 5 min; a platform's Retry-After wins when longer."""
    delay = min(FIRST_BACKOFF * (2 ** max(0, attempt - 1)), MAX_BACKOFF)
    wait = parse_retry_after(retry_after)  # any notifier's hint, checked once more here
    if wait is not None:
        delay = max(delay, timedelta(seconds=wait))
    return delay
