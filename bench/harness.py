"""What every benchmark shares: the fake Discord, a seeded database and the real bot process.

The bot runs as ``python -m bot run --platform discord`` in a subprocess, pointed at the fake
through the test-only ``DESKBREAK_DISCORD_API_BASE`` / ``DESKBREAK_DISCORD_GATEWAY_URL``
settings; the fake runs in the benchmark's own event loop with Discord's rate limits switched
on. Readiness is read from the bot's own log ("scheduler started"), so start-up time is what an
operator would see. Every wait is bounded: a benchmark that cannot finish says so and stops.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import os
import secrets
import signal
import statistics
import sys
import time
from collections.abc import AsyncIterator, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from bot.storage import Store, create_store
from bot.storage import tables as t
from tests.fakes.discord import FakeDiscord

# Run the benchmarks from the repository root (`python -m bench.bench_x`): they use the
# project's own fake Discord from tests/fakes.
ROOT = Path(__file__).resolve().parents[1]

READY_MARKER = "scheduler started"
SEED_CHUNK = 5000
# The PostgreSQL server benchmarks create their throwaway databases on (same as the tests').
PG_SERVER_URL = os.environ.get(
    "DESKBREAK_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)


@dataclass
class BotProcess:
    """A running ``deskbreak run --platform discord`` and what it has logged so far."""

    proc: asyncio.subprocess.Process
    spawned_at: float
    lines: list[tuple[float, str]] = field(default_factory=list)
    ready: asyncio.Event = field(default_factory=asyncio.Event)
    ready_at: float | None = None
    _reader: asyncio.Task[None] | None = None

    @property
    def pid(self) -> int:
        return self.proc.pid

    def peak_rss_mb(self) -> float:
        """VmHWM: the most resident memory the process has had (Linux)."""
        return _proc_status_kb(self.pid, "VmHWM") / 1024

    def rss_mb(self) -> float:
        return _proc_status_kb(self.pid, "VmRSS") / 1024

    def cpu_seconds(self) -> float:
        """User + system CPU the bot process has used so far."""
        fields = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
        ticks = os.sysconf("SC_CLK_TCK")
        return (int(fields[11]) + int(fields[12])) / ticks

    async def wait_ready(self, limit: float) -> float:
        """Seconds from spawn to the scheduler running; raises if the bot died or hung."""
        waiter = asyncio.ensure_future(self.ready.wait())
        died = asyncio.ensure_future(self.proc.wait())
        await asyncio.wait({waiter, died}, timeout=limit,
                                     return_when=asyncio.FIRST_COMPLETED)
        waiter.cancel()
        died.cancel()
        if not self.ready.is_set():
            tail = "\n".join(line for _, line in self.lines[-20:])
            raise RuntimeError(f"the bot was not ready within {limit:.0f}s:\n{tail}")
        assert self.ready_at is not None
        return self.ready_at - self.spawned_at

    async def stop(self, grace: float = 15.0) -> None:
        """SIGINT (graceful: the scheduler releases its leases), then SIGKILL if it hangs."""
        if self.proc.returncode is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                await asyncio.wait_for(self.proc.wait(), grace)
            except TimeoutError:
                self.proc.kill()
                await self.proc.wait()
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reader

    def log_lines(self, needle: str) -> list[str]:
        return [line for _, line in self.lines if needle in line]


def _proc_status_kb(pid: int, key: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{key}:"):
            return int(line.split()[1])
    raise KeyError(key)


async def start_fake(*, rate_limits: bool = True) -> FakeDiscord:
    fake = FakeDiscord(rate_limits=rate_limits)
    await fake.start()
    return fake


def bot_env(fake: FakeDiscord, database_url: str, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DESKBREAK_", "DISCORD_"))}
    env.update({
        "DISCORD_TOKEN": fake.token,
        "DESKBREAK_DATABASE_URL": database_url,
        "DESKBREAK_DISCORD_API_BASE": fake.api_base,
        "DESKBREAK_DISCORD_GATEWAY_URL": fake.gateway_url,
        "DESKBREAK_LOG_LEVEL": "INFO",
        "PYTHONUNBUFFERED": "1",
    })
    env.update(extra)
    return env


BOT_ARGV = ("-m", "bot", "run", "--platform", "discord")


async def spawn_bot(fake: FakeDiscord, database_url: str, *, argv: Sequence[str] = BOT_ARGV,
                    ready_marker: str = READY_MARKER, **extra_env: str) -> BotProcess:
    """Start the real bot process against ``fake``; its stderr is read line by line."""
    return await spawn(argv, bot_env(fake, database_url, **extra_env), ready_marker)


def clean_env(**extra: str) -> dict[str, str]:
    """This environment without any deskbreak or platform settings, plus ``extra``."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("DESKBREAK_", "DISCORD_", "SLACK_"))}
    env.update({"DESKBREAK_LOG_LEVEL": "INFO", "PYTHONUNBUFFERED": "1"})
    env.update(extra)
    return env


async def spawn(argv: Sequence[str], env: dict[str, str],
                ready_marker: str = READY_MARKER) -> BotProcess:
    """Start ``python <argv>`` with ``env``; its stderr is read line by line."""
    profile = os.environ.get("BENCH_PROFILE")  # a path: profile the bot with pyinstrument
    if profile:
        argv = ("-m", "pyinstrument", "-r", "text", "-o", profile, *argv)
    spawned = time.monotonic()
    proc = await asyncio.create_subprocess_exec(
        sys.executable, *argv,
        cwd=str(ROOT), env=env,
        stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE, limit=1 << 20,
    )
    bot = BotProcess(proc, spawned)

    async def read() -> None:
        assert proc.stderr is not None
        while line := await proc.stderr.readline():
            now = time.monotonic()
            text = line.decode(errors="replace").rstrip()
            bot.lines.append((now, text))
            if ready_marker in text and not bot.ready.is_set():
                bot.ready_at = now
                bot.ready.set()

    bot._reader = asyncio.create_task(read())
    return bot


# ---------------------------------------------------------------------- seeding


async def new_store(path: Path) -> tuple[Store, str]:
    """A fresh, migrated SQLite database at ``path``; returns the store and its URL."""
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)  # noqa: ASYNC240 - set-up, not timed
    url = f"sqlite+aiosqlite:///{path}"
    store = create_store(url)
    await store.migrate()
    return store, url


async def _pg_admin(server: sa.URL, sql: str) -> None:
    import asyncpg

    dsn = server.set(drivername="postgresql").render_as_string(hide_password=False)
    conn = await asyncpg.connect(dsn, timeout=10)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


@contextlib.asynccontextmanager
async def fresh_pg_database(server_url: str = PG_SERVER_URL) -> AsyncIterator[str]:
    """A new, randomly named PostgreSQL database (its ``postgresql+asyncpg`` URL), dropped on
    the way out whatever happened, so a failed or interrupted run leaves nothing behind."""
    server = sa.make_url(server_url)
    name = f"deskbreak_bench_{secrets.token_hex(6)}"
    await _pg_admin(server, f'CREATE DATABASE "{name}"')
    try:
        url = server.set(drivername="postgresql+asyncpg", database=name)
        yield url.render_as_string(hide_password=False)
    finally:
        await _pg_admin(server, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


async def new_url_store(url: str) -> Store:
    """A migrated store on an existing (empty) database of any supported backend."""
    store = create_store(url)
    await store.migrate()
    return store


async def bulk_insert(store: Store, table: sa.Table, rows: Iterable[dict[str, Any]]) -> int:
    """executemany in chunks (COPY on PostgreSQL): seeding 1M rows one transaction each would
    take an hour."""
    if store.dialect == "postgresql":
        return await _copy_insert(store, table, rows)
    count = 0
    chunk: list[dict[str, Any]] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) >= SEED_CHUNK:
            async with store.engine.begin() as conn:
                await conn.execute(sa.insert(table), chunk)
            count += len(chunk)
            chunk = []
    if chunk:
        async with store.engine.begin() as conn:
            await conn.execute(sa.insert(table), chunk)
        count += len(chunk)
    return count


async def _copy_insert(store: Store, table: sa.Table, rows: Iterable[dict[str, Any]]) -> int:
    """PostgreSQL's COPY through the store's own engine (asyncpg's binary copy), in chunks so
    a 1M-row seed never holds every row in memory at once; the sequences advance as usual."""
    count = 0
    columns: list[str] | None = None
    chunk: list[tuple[Any, ...]] = []

    async def flush() -> None:
        assert columns is not None
        async with store.engine.begin() as conn:
            raw = await conn.get_raw_connection()
            await raw.driver_connection.copy_records_to_table(  # type: ignore[union-attr]
                table.name, records=chunk, columns=columns)

    for row in rows:
        if columns is None:
            columns = list(row)
        chunk.append(tuple(row[c] for c in columns))
        if len(chunk) >= SEED_CHUNK * 10:
            await flush()
            count += len(chunk)
            chunk = []
    if chunk:
        await flush()
        count += len(chunk)
    async with store.engine.begin() as conn:  # fresh statistics, as autovacuum would give
        await conn.execute(sa.text(f"ANALYZE {table.name}"))
    return count


def reminder_row(user_id: str, next_due: datetime | None, *, now: datetime,
                 workspace_id: str = "@me") -> dict[str, Any]:
    """A personal reminder as ``/remind on`` stores it: hourly, all day, every day."""
    return {
        "platform": "discord", "workspace_id": workspace_id, "user_id": user_id,
        "every_minutes": 60, "start_time": "00:00", "end_time": "23:59",
        "days": "0,1,2,3,4,5,6", "timezone": None, "enabled": True, "next_due": next_due,
        "created_at": now, "updated_at": now,
    }


def schedule_row(workspace_id: str, channel_id: str, next_due: datetime | None, *,
                 now: datetime) -> dict[str, Any]:
    """A channel schedule as ``/schedule add`` stores it: a daily cron."""
    return {
        "platform": "discord", "workspace_id": workspace_id, "channel_id": channel_id,
        "kind": "break", "cron": "0 3 * * *", "paused": False, "next_due": next_due,
        "created_by": "bench", "created_at": now,
    }


async def clear_of_the_hour(seconds: float) -> None:
    """Wait, if need be, so the next ``seconds`` do not cross the top of an hour.

    The benches' reminders are hourly (``reminder_row``): a run that crosses the hour sees
    each person's next slot fall due in the middle of the measured one, which is correct
    behaviour but reads as duplicates and, for slots still pending at the count, as lost
    (one run of bench_meetings started at 21:59:14 did exactly that).
    """
    now = utcnow()
    to_hour = 3600 - (now.minute * 60 + now.second + now.microsecond / 1e6)
    if to_hour < seconds:
        await asyncio.sleep(to_hour + 2)


async def set_all_due(store: Store, due: datetime) -> None:
    """Make every reminder and schedule due at ``due`` (one transaction)."""
    async with store.engine.begin() as conn:
        await conn.execute(sa.update(t.reminders).values(next_due=due))
        await conn.execute(sa.update(t.schedules).values(next_due=due))


@contextlib.contextmanager
def quiet_collector() -> Iterator[None]:
    """No cycle collection in the *benchmark's* process while a latency is being timed.

    The benchmark process holds every fake and every client, a far bigger heap than any bot
    under test, so its own collections (about 1 ms for a young generation, 100-180 ms for a
    full one, measured with ``gc.callbacks`` during ``bench_latency``) land on whichever
    request is in flight and read as that bot's latency. Freezing what exists and pausing the
    collector for the timed loop leaves only the bots' own pauses in the figures; the bots'
    processes are untouched. Everything is collected again afterwards.
    """
    gc.collect()
    gc.freeze()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
        gc.unfreeze()
        gc.collect()


def utcnow() -> datetime:
    return datetime.now(UTC)


# ---------------------------------------------------------------------- figures


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100)."""
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(q / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]


def median(values: Sequence[float]) -> float:
    return statistics.median(values)


def verdict(ok: bool) -> str:
    return "MET" if ok else "MISSED"
