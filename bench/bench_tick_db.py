"""The database side of a tick: N due rows drained by the store with an instant notifier.

A tick's store work per delivery is: claim the due row (a lease), write its ledger row and
its new ``next_due`` in one transaction, and mark the ledger row sent. This runs the real
``SchedulerService.tick()`` in-process on a database holding ``--sizes`` reminders (plus 5 %
as many schedules) with ``--due`` of them due at once, an instant notifier, and a nudge
source that never touches the database, so the tick's wall time is the store's work plus the
scheduler's own bookkeeping. Every Store call the tick makes is also timed (wall time inside
the call; calls overlap while sends and claims run side by side, so the sum can exceed the
tick). Ticks with the real content (rotation decks kept in the database) are reported beside
it, as dealing every nudge's card is database work too: the first creates every target's
decks, the second (the steady state: the same people are due every day) finds them.

    python -m bench.bench_tick_db                                   # SQLite, 100k and 1M
    python -m bench.bench_tick_db --database postgres --sizes 100000 1000000

Ratios: against the same tick with ``--due`` / 10 due on the same database in the same run
(per delivery it should cost the same or less).
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import os
import signal
import tempfile
import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from bench.bench_scale import (
    FAR,
    INSTANT,
    InstantNotifier,
    fresh_database,
    make_due,
    reset_due,
)
from bench.harness import (
    PG_SERVER_URL,
    ROOT,
    bulk_insert,
    median,
    new_url_store,
    reminder_row,
    schedule_row,
    utcnow,
    verdict,
)
from bot.core.clock import FakeClock
from bot.core.commands import ContentCommands
from bot.core.content.loader import load_library
from bot.core.messages import Message, MessageKind
from bot.core.ports import Platform
from bot.scheduling import planner
from bot.scheduling.dispatcher import MARK_BATCH
from bot.scheduling.report import TickReport
from bot.scheduling.service import CLAIM_BATCH, FIRST_CLAIM, SchedulerService
from bot.storage import Store, create_store
from bot.storage import tables as t
from bot.storage.records import Advance, ReminderRow, ScheduleRow, WorkspaceRow
from bot.storage.rotation import SqlRotationStore

LEASE = timedelta(minutes=5)
GRACE = timedelta(minutes=10)
NUDGE = Message(kind=MessageKind.NUDGE, title="Break",
                body="Stand up and look out of the window for a minute.")


class FixedNudges:
    """The same message for every slot: no rotation, so no database work outside the tick's."""

    async def nudges(self, wanted: Sequence[tuple[str, str]]) -> list[Message]:
        return [NUDGE] * len(wanted)


@dataclass
class StoreTimer:
    """Wraps a Store's coroutine methods and adds up the wall time spent inside each."""

    store: Store
    seconds: dict[str, float] = field(default_factory=lambda: defaultdict(float))
    calls: dict[str, int] = field(default_factory=lambda: defaultdict(int))

    def __getattr__(self, name: str) -> Any:
        value = getattr(self.store, name)
        if not asyncio.iscoroutinefunction(value):
            return value

        @functools.wraps(value)
        async def timed(*args: Any, **kwargs: Any) -> Any:
            start = time.perf_counter()
            try:
                return await value(*args, **kwargs)
            finally:
                self.seconds[name] += time.perf_counter() - start
                self.calls[name] += 1

        return timed


async def one_tick(url: str, due: int, *, rotation: bool) -> tuple[float, StoreTimer]:
    clock = FakeClock(INSTANT)
    store = create_store(url, clock=clock)
    try:
        await reset_due(store, INSTANT)
        await make_due(store, due, INSTANT - timedelta(seconds=1))
        timer = StoreTimer(store)
        # The rotation's calls go through the timer too, so they show in the breakdown.
        content: Any = (ContentCommands(load_library([ROOT / "content"]),
                                        SqlRotationStore(timer), clock)  # type: ignore[arg-type]
                        if rotation else FixedNudges())
        service = SchedulerService(timer, {Platform.DISCORD: InstantNotifier()},  # type: ignore[arg-type]
                                   content, clock)
        start = time.perf_counter()
        report = await service.tick()
        elapsed = time.perf_counter() - start
        if report.sent != due:
            raise RuntimeError(f"expected {due} sends, the tick made {report.sent}")
        await reset_due(store, INSTANT)
        return elapsed, timer
    finally:
        await store.close()


async def store_drain(url: str, due: int, batch: int = CLAIM_BATCH
                      ) -> tuple[float, float, int, float]:
    """The store's part of a tick alone, in the order the tick makes the calls: claim batches
    (each takes schedules and reminders, reads their workspaces, has them planned by the real
    planner, timed apart, and writes the ledger rows and new ``next_due``), mark every send
    sent.

    Returns (seconds in store calls, seconds planning, deliveries, this process's CPU seconds
    in store calls: all its threads, not a database server's)."""
    clock = FakeClock(INSTANT)
    store = create_store(url, clock=clock)
    report = TickReport()
    planning = [0.0, 0.0]  # wall, CPU

    def plan(rows: Sequence[ScheduleRow | ReminderRow],
             workspaces: dict[tuple[str, str], WorkspaceRow]) -> list[Advance]:
        start, cpu_start = time.perf_counter(), time.process_time()
        advances = planner.plan_batch(rows, workspaces, INSTANT, GRACE, report)
        planning[0] += time.perf_counter() - start
        planning[1] += time.process_time() - cpu_start
        return advances

    sent = 0
    try:
        await reset_due(store, INSTANT)
        await make_due(store, due, INSTANT - timedelta(seconds=1))
        start, cpu_start = time.perf_counter(), time.process_time()
        await store.has_work(INSTANT)
        limit = min(batch, FIRST_CLAIM)
        while True:
            claimed = await store.claim_due(INSTANT, limit, plan, owner="bench",
                                            send_lease=LEASE)
            if not claimed.schedules and not claimed.reminders:
                break
            pending = claimed.pending
            for at in range(0, len(pending), MARK_BATCH):
                await store.finish_sent_deliveries([d.id for d in pending[at:at + MARK_BATCH]],
                                                   now=INSTANT)
            sent += len(pending)
            if claimed.schedules < limit and claimed.reminders < limit:
                break
            limit = batch
        in_store = time.perf_counter() - start - planning[0]
        cpu = time.process_time() - cpu_start - planning[1]
        await reset_due(store, INSTANT)
        return in_store, planning[0], sent, cpu
    finally:
        await store.close()


async def seed(url: str, size: int) -> float:
    store = await new_url_store(url)
    try:
        now = utcnow()
        later = INSTANT + FAR
        started = time.perf_counter()
        await bulk_insert(store, t.reminders, (
            reminder_row(str(10**17 + i), later, now=now) for i in range(size)))
        await bulk_insert(store, t.schedules, (
            schedule_row(str(10**16 + i % 50), str(10**16 + i % 500), later, now=now)
            for i in range(size // 20)))
        return time.perf_counter() - started
    finally:
        await store.close()


def breakdown(timer: StoreTimer) -> str:
    parts = sorted(timer.seconds.items(), key=lambda kv: -kv[1])
    return ", ".join(f"{name} {secs * 1e3:.0f} ms/{timer.calls[name]}" for name, secs in parts)


async def measure(url: str, size: int, due: int, repeat: int) -> None:
    drains = [await store_drain(url, due) for _ in range(repeat)]
    in_store = median([d[0] for d in drains])
    each = ", ".join(f"{d[0]:.2f}" for d in drains)
    if any(d[2] != due for d in drains):
        raise RuntimeError(f"the drain made {[d[2] for d in drains]} deliveries, not {due}")
    print(f"{size:,} stored, {due:,} due, the store's calls alone: {in_store:.2f}s median of "
          f"[{each}] = {in_store / due * 1e3:.3f} ms per delivery "
          f"[{verdict(in_store <= 1.0)} <= 1 s]; CPU in them "
          f"{median([d[3] for d in drains]):.2f}s; planning (not the store) "
          f"{median([d[1] for d in drains]):.2f}s; load average {os.getloadavg()[0]:.1f}",
          flush=True)
    ticks: list[float] = []
    small: list[float] = []
    last: StoreTimer | None = None
    for _ in range(repeat):
        a, last = await one_tick(url, due, rotation=False)
        b, _ = await one_tick(url, due // 10, rotation=False)
        ticks.append(a)
        small.append(b)
    # The first deal creates every target's decks; later ones (every day after) find them.
    first_deal, first_timer = await one_tick(url, due, rotation=True)
    with_rotation, rot_timer = await one_tick(url, due, rotation=True)
    tick = median(ticks)
    per = tick / due * 1e3
    ratio = median([a / due / (b / (due // 10)) for a, b in zip(ticks, small, strict=True)])
    assert last is not None
    each = ", ".join(f"{x:.2f}" for x in ticks)
    print(f"  the whole tick: {tick:.2f}s median of [{each}] = "
          f"{per:.3f} ms per delivery [{verdict(tick <= 1.0)} <= 1 s]; per delivery vs "
          f"{due // 10:,} due in the same run: {ratio:.2f}x", flush=True)
    print(f"  store calls: {breakdown(last)}", flush=True)
    print(f"  with the real content (rotation decks in the database): {with_rotation:.2f}s "
          f"({with_rotation / due * 1e3:.3f} ms per delivery, {with_rotation / tick:.2f}x the "
          f"tick without); {breakdown(rot_timer)}", flush=True)
    print(f"  the same, dealing every deck for the first time: {first_deal:.2f}s; "
          f"{breakdown(first_timer)}", flush=True)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--due", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--database", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--pg-url", default=PG_SERVER_URL)
    args = parser.parse_args()
    main_task = asyncio.current_task()
    assert main_task is not None
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, main_task.cancel)
    print(f"backend: {args.database}", flush=True)
    with tempfile.TemporaryDirectory(prefix="deskbreak-bench-") as tmp:
        for size in args.sizes:
            async with fresh_database(args.database, args.pg_url,
                                      Path(tmp) / f"tick-{size}.sqlite3") as url:
                seeded = await seed(url, size)
                print(f"seeded {size:,} reminders + {size // 20:,} schedules in {seeded:.1f}s",
                      flush=True)
                await measure(url, size, args.due, args.repeat)


if __name__ == "__main__":
    asyncio.run(main())
