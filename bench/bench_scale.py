"""Scale: many stored reminders and schedules; memory, start-up, scheduler work per minute.

For each size (reminders; schedules are 5 % of that, so 100k -> 100,000 + 5,000):

- the real bot process against the fake Discord: seconds from spawn to the scheduler running,
  and peak RSS (VmHWM) after start-up and, for sizes up to --live-max, after it has delivered
  a minute in which 1 % of everything is due;
- the scheduler alone, in-process, on the same database with an instant notifier: wall time
  of one tick when ``--due`` rows (the same count at every size) are due, and when 1 % are.
  Per-minute work proportional to the due set means the fixed-count tick costs the same at
  every size (ratio ~1x against the smallest size). The ratio comes from ``--repeat`` pairs of
  ticks on the smallest and the larger database taken back to back, so both sides of a pair
  see the same machine speed; every database stays until the pairs are done.

    python -m bench.bench_scale                       # 10k and 100k
    python -m bench.bench_scale --sizes 10000 100000 1000000
    python -m bench.bench_scale --database postgres --sizes 10000 100000 1000000

With ``--database postgres`` every size gets its own randomly named database on the server at
``--pg-url`` (default: DESKBREAK_TEST_PG_URL, else postgres@127.0.0.1:5432), seeded with COPY
and dropped afterwards even when the run fails.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
import tempfile
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa

from bench.harness import (
    PG_SERVER_URL,
    ROOT,
    bulk_insert,
    fresh_pg_database,
    median,
    new_url_store,
    reminder_row,
    schedule_row,
    spawn_bot,
    start_fake,
    utcnow,
    verdict,
)
from bot.core.clock import FakeClock
from bot.core.commands import ContentCommands
from bot.core.content.loader import load_library
from bot.core.messages import Message
from bot.core.ports import Delivery, DeliveryResult, DeliveryStatus, Platform
from bot.scheduling.service import SchedulerService
from bot.storage import Store, create_store
from bot.storage import tables as t
from bot.storage.rotation import SqlRotationStore

FAR = timedelta(days=30)  # "not due": next_due this far past the benchmark's instant
INSTANT = datetime(2030, 1, 7, 12, 0, tzinfo=UTC)  # the in-process ticks' fake "now"


class InstantNotifier:
    """Delivers nothing, at once: isolates the scheduler's own work from Discord's pacing."""

    platform = Platform.DISCORD
    dedupes_resends = True

    async def deliver(self, delivery: Delivery, message: Message) -> DeliveryResult:
        return DeliveryResult(DeliveryStatus.SENT)

    async def notify_admin(self, workspace_id: str, channel_id: str | None,
                           message: Message) -> None:
        return None

    async def check_channel(self, workspace_id: str, channel_id: str) -> str | None:
        return None


@dataclass
class Figures:
    size: int
    schedules: int
    seed_s: float
    ready_s: float
    rss_ready_mb: float
    rss_live_mb: float | None
    live_due: int | None
    live_drain_s: float | None
    tick_fixed_s: float  # the median of tick_fixed_samples
    tick_fixed_samples: list[float]
    fixed_due: int
    tick_pct_s: float
    pct_due: int


async def make_due(store: Store, count: int, at: datetime) -> int:
    """Make ``count`` rows due at ``at`` (schedules first in id order, then reminders)."""
    schedules = min(count // 20, await _count(store, t.schedules))
    reminders = count - schedules
    async with store.engine.begin() as conn:
        for table, n in ((t.schedules, schedules), (t.reminders, reminders)):
            ids = sa.select(table.c.id).order_by(table.c.id).limit(n).scalar_subquery()
            await conn.execute(sa.update(table).where(table.c.id.in_(ids)).values(next_due=at))
    return schedules + reminders


async def reset_due(store: Store, at: datetime) -> None:
    """Everything back to not-due, the ledger emptied: each measurement starts alike."""
    async with store.engine.begin() as conn:
        for table in (t.schedules, t.reminders):
            await conn.execute(sa.update(table).where(table.c.next_due <= at + FAR / 2)
                               .values(next_due=at + FAR, lease_owner=None, lease_until=None))
        await conn.execute(sa.delete(t.deliveries))


async def _count(store: Store, table: sa.Table) -> int:
    async with store.engine.connect() as conn:
        return int((await conn.execute(sa.select(sa.func.count()).select_from(table)))
                   .scalar_one())


async def timed_tick(url: str, due: int, now: datetime) -> float:
    """Seconds one tick of a fresh SchedulerService takes with ``due`` rows due at ``now``."""
    clock = FakeClock(now)
    store = create_store(url, clock=clock)
    try:
        await reset_due(store, now)
        await make_due(store, due, now - timedelta(seconds=1))
        library = load_library([ROOT / "content"])
        content = ContentCommands(library, SqlRotationStore(store), clock)
        service = SchedulerService(store, {Platform.DISCORD: InstantNotifier()}, content, clock)
        start = time.perf_counter()
        report = await service.tick()
        elapsed = time.perf_counter() - start
        if report.sent != due:
            raise RuntimeError(f"expected {due} sends, the tick made {report.sent}")
        await reset_due(store, now)
        return elapsed
    finally:
        await store.close()


@contextlib.asynccontextmanager
async def sqlite_database(path: Path) -> AsyncIterator[str]:
    """A fresh SQLite file's URL (the file goes with the run's temporary folder)."""
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)  # noqa: ASYNC240 - set-up, not timed
    yield f"sqlite+aiosqlite:///{path}"


def fresh_database(backend: str, pg_url: str, path: Path
                   ) -> contextlib.AbstractAsyncContextManager[str]:
    """A fresh database's URL for a benchmark: a new PostgreSQL database on ``pg_url`` when
    ``backend`` is "postgres", else a new SQLite file at ``path``."""
    return fresh_pg_database(pg_url) if backend == "postgres" else sqlite_database(path)


async def run(size: int, fixed_due: int, live_max: int, url: str, repeat: int) -> Figures:
    schedules = size // 20
    store = await new_url_store(url)
    now = utcnow()
    later = now + FAR
    seeded = time.perf_counter()
    fake = await start_fake(rate_limits=True)
    guild = fake.add_guild("Scale")
    channels = [fake.add_channel(guild, f"c{i}") for i in range(min(schedules, 500))]
    users = [fake.add_user(f"u{i}") for i in range(min(size, live_max // 100 + 1))]
    await bulk_insert(store, t.reminders, (
        reminder_row(users[i].user_id if i < len(users) else str(10**17 + i), later, now=now)
        for i in range(size)))
    await bulk_insert(store, t.schedules, (
        schedule_row(guild.guild_id, channels[i % len(channels)].channel_id, later, now=now)
        for i in range(schedules)))
    seed_s = time.perf_counter() - seeded
    pct_due = (size + schedules) // 100
    rss_live = live_drain = None
    live_due = None
    bot = None
    try:
        bot = await spawn_bot(fake, url, DESKBREAK_TICK_SECONDS="1")
        ready_s = await bot.wait_ready(120)
        rss_ready = bot.peak_rss_mb()
        if size <= live_max:
            # 1 % due for the live process, only rows whose targets exist on the fake.
            live_due = min(pct_due, len(users) + len(channels))
            async with store.engine.begin() as conn:
                on_channels = min(len(channels), live_due // 20)
                for table, n in ((t.schedules, on_channels),
                                 (t.reminders, live_due - on_channels)):
                    ids = sa.select(table.c.id).order_by(table.c.id).limit(n).scalar_subquery()
                    await conn.execute(sa.update(table).where(table.c.id.in_(ids))
                                       .values(next_due=utcnow()))
            started = time.monotonic()
            deadline = started + live_due / 40 + 60
            while time.monotonic() < deadline:
                await asyncio.sleep(0.1)
                if sum(len(v) for v in fake.messages.values()) >= live_due:
                    break
            live_drain = time.monotonic() - started
            rss_live = bot.peak_rss_mb()
    finally:
        if bot is not None:
            await bot.stop()
        await fake.close()
        await store.close()
    samples = [await timed_tick(url, fixed_due, INSTANT) for _ in range(repeat)]
    tick_pct = await timed_tick(url, pct_due, INSTANT)
    return Figures(size, schedules, seed_s, ready_s, rss_ready, rss_live, live_due, live_drain,
                   median(samples), samples, fixed_due, tick_pct, pct_due)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--due", type=int, default=1000, help="fixed due count per tick")
    parser.add_argument("--live-max", type=int, default=100_000,
                        help="largest size for which the live process delivers 1 %% due")
    parser.add_argument("--database", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--pg-url", default=PG_SERVER_URL,
                        help="PostgreSQL server to create the throwaway databases on")
    parser.add_argument("--repeat", type=int, default=3,
                        help="fixed-count tick samples per size, and interleaved pairs per ratio")
    args = parser.parse_args()
    # SIGTERM (``timeout``, ``kill``) cancels the run like Ctrl-C does, so the cleanup below
    # still stops the bot and drops the throwaway PostgreSQL database.
    main_task = asyncio.current_task()
    assert main_task is not None
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, main_task.cancel)
    results: list[Figures] = []
    print(f"backend: {args.database}", flush=True)
    urls: list[str] = []
    with tempfile.TemporaryDirectory(prefix="deskbreak-bench-") as tmp:
        async with contextlib.AsyncExitStack() as databases:  # all kept until the pairing
            for size in args.sizes:
                urls.append(await databases.enter_async_context(fresh_database(
                    args.database, args.pg_url, Path(tmp) / f"scale-{size}.sqlite3")))
                f = await run(size, args.due, args.live_max, urls[-1], args.repeat)
                results.append(f)
                report(f)
            await compare(results, urls, args.due, args.repeat)


def report(f: Figures) -> None:
    """One size's figures, as soon as they are measured."""
    live = ("" if f.rss_live_mb is None else
            f", after delivering {f.live_due} due {f.rss_live_mb:.0f} MB "
            f"(drained in {f.live_drain_s:.1f}s)")
    print(f"scale {f.size:,} reminders + {f.schedules:,} schedules "
          f"(seeded in {f.seed_s:.1f}s)", flush=True)
    print(f"  start-up to ready {f.ready_s:.2f}s [{verdict(f.ready_s <= 10)} <= 10 s]; "
          f"peak RSS at ready {f.rss_ready_mb:.0f} MB{live} "
          f"[{verdict(max(f.rss_ready_mb, f.rss_live_mb or 0) <= 300)} <= 300 MB]",
          flush=True)
    each = ", ".join(f"{x * 1e3:.0f}" for x in f.tick_fixed_samples)
    print(f"  scheduler tick, {f.fixed_due} due: {f.tick_fixed_s * 1e3:.0f} ms median "
          f"of [{each}] ({f.tick_fixed_s / f.fixed_due * 1e3:.2f} ms/row); "
          f"1 % ({f.pct_due} due): "
          f"{f.tick_pct_s * 1e3:.0f} ms", flush=True)


async def compare(results: list[Figures], urls: list[str], due: int, repeat: int) -> None:
    """The fixed-count tick on the smallest and each larger database, interleaved.

    The machine's speed drifts by tens of percent from one minute to the next, and sizes are
    set up minutes apart, so per-size medians compare noise as much as storage. Pairs taken
    back to back (order alternating, ABBA) share the drift; the ratio is their median.
    """
    smallest = results[0]
    for f, url in zip(results[1:], urls[1:], strict=True):
        ratios: list[float] = []
        for i in range(repeat):
            first, second = (urls[0], url) if i % 2 == 0 else (url, urls[0])
            a = await timed_tick(first, due, INSTANT)
            b = await timed_tick(second, due, INSTANT)
            small, large = (a, b) if i % 2 == 0 else (b, a)
            ratios.append(large / small)
        ratio = median(ratios)
        each = ", ".join(f"{r:.2f}" for r in ratios)
        print(f"  {f.size:,} vs {smallest.size:,} stored, same {due} due, interleaved pairs "
              f"[{each}]: median {ratio:.2f}x [{verdict(ratio <= 1.5)} ~1x]", flush=True)


if __name__ == "__main__":
    asyncio.run(main())
