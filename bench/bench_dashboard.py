"""Dashboard: the schedules page with 500 schedules, and what page loads cost the bot.

In-process, as `deskbreak run` serves it: the real Dashboard (aiohttp runner, sessions,
templates) on 127.0.0.1 for the console workspace, its SchedulingCommands and scheduler wired
by build_scheduling, SQLite. Two dashboards run side by side: one whose workspace holds 500
schedules and a baseline whose workspace holds none; requests alternate between them, so the
ratio compares like with like on a machine whose speed drifts.

Then "does the dashboard block the bot?": an event-loop probe (a 1 ms sleep, how late it
wakes) and the scheduler's own tick are timed idle and while 4 browsers load the 500-schedule
page back to back. Everything stops by itself.

    python -m bench.bench_dashboard [--schedules 500] [--requests 60] [--seconds 5]
"""

from __future__ import annotations

import argparse
import asyncio
import io
import random
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import timedelta
from pathlib import Path

import aiohttp

from bench.harness import ROOT, median, percentile, verdict
from bot.adapters.console import ConsoleAdapter
from bot.app import App, Scheduling, build_app, build_scheduling
from bot.core.ports import Platform
from bot.settings import Settings
from bot.storage.records import Spec
from bot.web import Dashboard

TARGET_MS = 150.0


async def site(workdir: Path, name: str, schedules: int) -> tuple[App, Dashboard, Scheduling]:
    settings = Settings(database_url=f"sqlite+aiosqlite:///{workdir / name}.sqlite3",
                        web_port=free_port(), max_schedules=max(schedules, 1))
    app = build_app(settings)
    await app.store.migrate()
    console = ConsoleAdapter(app.content, stdin=io.StringIO(), stdout=io.StringIO(),
                             interactive=False)
    dashboard = Dashboard(app.settings, app.store, app.clock, platforms=[Platform.CONSOLE],
                          out=io.StringIO())
    app.on_scheduling.append(dashboard.attach)
    scheduling = build_scheduling(app, {Platform.CONSOLE: console.notifier})
    rng = random.Random(7)
    now = app.clock.now()
    for i in range(schedules):
        # Varied rules, so the page's per-rule memo rarely helps: the honest worst case.
        if i % 2 == 0:
            spec = Spec(every_minutes=rng.choice([15, 20, 30, 40, 45, 60, 75, 90, 120]),
                        start=f"{rng.randint(6, 10):02d}:{rng.choice([0, 15, 30, 45]):02d}",
                        end=f"{rng.randint(15, 19):02d}:{rng.choice([0, 30]):02d}",
                        days=",".join(str(d) for d in sorted(rng.sample(range(7), 5))))
        else:
            spec = Spec(cron=f"{rng.randint(0, 59)} {rng.randint(7, 11)}-{rng.randint(15, 18)}"
                             f" * * {rng.choice(['1-5', '*', '1,3,5', '2,4', '1-4'])}")
        await app.store.add_schedule(
            platform="console", workspace_id="console", channel_id="console",
            kind="break" if i % 3 else "tip", spec=spec,
            timezone=rng.choice([None, "Europe/London", "America/New_York", "Asia/Tokyo"]),
            next_due=now + timedelta(days=30), created_by="bench")
    assert await dashboard.start()
    return app, dashboard, scheduling


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def signed_in(dashboard: Dashboard) -> aiohttp.ClientSession:
    http = aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))
    async with http.get(dashboard.print_console_link()) as response:
        assert response.status == 200, response.status
    return http


async def timed_get(http: aiohttp.ClientSession, url: str) -> float:
    start = time.perf_counter()
    async with http.get(url) as response:
        body = await response.read()
        assert response.status == 200 and body, response.status
    return (time.perf_counter() - start) * 1000


async def loop_lag(stop: asyncio.Event) -> list[float]:
    """How late (ms) a 1 ms sleep wakes, over and over: the loop's longest stalls."""
    lags: list[float] = []
    while not stop.is_set():
        start = time.perf_counter()
        await asyncio.sleep(0.001)
        lags.append(max(0.0, (time.perf_counter() - start) * 1000 - 1.0))
    return lags


async def ticks(scheduling: Scheduling, stop: asyncio.Event) -> list[float]:
    durations: list[float] = []
    while not stop.is_set():
        start = time.perf_counter()
        await scheduling.service.tick()
        durations.append((time.perf_counter() - start) * 1000)
        await asyncio.sleep(0.05)
    return durations


async def measure_while(seconds: float, load: Callable[[asyncio.Event], Awaitable[int]] | None,
                        scheduling: Scheduling) -> tuple[list[float], list[float], int]:
    stop = asyncio.Event()
    probe = asyncio.create_task(loop_lag(stop))
    tick_task = asyncio.create_task(ticks(scheduling, stop))
    loader = asyncio.create_task(load(stop)) if load is not None else None
    await asyncio.sleep(seconds)
    stop.set()
    pages = await loader if loader is not None else 0
    return await probe, await tick_task, pages


async def run(schedules: int, requests: int, seconds: float) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        full_app, full, scheduling = await site(workdir, "full", schedules)
        empty_app, empty, _ = await site(workdir, "empty", 0)
        full_http, empty_http = await signed_in(full), await signed_in(empty)
        page = "/w/console/console/schedules"
        full_url, empty_url = full.ctx.base_url + page, empty.ctx.base_url + page
        try:
            async with full_http.get(full_url) as response:
                text = await response.text()
            shown = text.count('class="card schedule')
            assert shown == schedules, f"{shown} schedules on the page"
            for _ in range(5):  # warm caches (templates, zone data, recurrences)
                await timed_get(full_http, full_url)
                await timed_get(empty_http, empty_url)
            full_ms, empty_ms = [], []
            for _ in range(requests):
                full_ms.append(await timed_get(full_http, full_url))
                empty_ms.append(await timed_get(empty_http, empty_url))
            med, p95 = median(full_ms), percentile(full_ms, 95)
            print(f"schedules page, {schedules} schedules ({len(text) // 1024} KiB): median "
                  f"{med:.1f} ms, p95 {p95:.1f} ms, max {max(full_ms):.1f} ms over {requests}")
            print(f"baseline, same page with no schedules: median {median(empty_ms):.1f} ms "
                  f"-> {med / median(empty_ms):.2f}x")
            print(f"target <= {TARGET_MS:.0f} ms: {verdict(p95 <= TARGET_MS)} (p95)")

            cookie = next(iter(full_http.cookie_jar))

            async def browsers(stop: asyncio.Event) -> int:
                """4 browsers in ANOTHER process (as real ones are), so only the server's
                work lands on this event loop."""
                child = await asyncio.create_subprocess_exec(
                    sys.executable, "-m", "bench.bench_dashboard", "--load", full_url,
                    "--cookie", f"{cookie.key}={cookie.value}", "--seconds", str(seconds),
                    stdout=asyncio.subprocess.PIPE, cwd=ROOT)
                out, _ = await child.communicate()
                return int(out.decode().strip() or 0)

            idle_lag, idle_ticks, _ = await measure_while(seconds, None, scheduling)
            busy_lag, busy_ticks, pages = await measure_while(seconds, browsers, scheduling)
            print(f"event loop, idle: lag p99 {percentile(idle_lag, 99):.1f} ms, "
                  f"max {max(idle_lag):.1f} ms; scheduler tick median "
                  f"{median(idle_ticks):.1f} ms")
            print(f"event loop, 4 browsers loading the {schedules}-schedule page "
                  f"({pages} pages in {seconds:.0f} s): lag p99 {percentile(busy_lag, 99):.1f} ms,"
                  f" max {max(busy_lag):.1f} ms; scheduler tick median "
                  f"{median(busy_ticks):.1f} ms ({median(busy_ticks) / median(idle_ticks):.2f}x"
                  f" idle), max {max(busy_ticks):.1f} ms")
        finally:
            for http in (full_http, empty_http):
                await http.close()
            for app, dashboard in ((full_app, full), (empty_app, empty)):
                await dashboard.stop()
                await app.store.close()


async def load(url: str, cookie: str, seconds: float, browsers: int = 4) -> int:
    """The load generator's side: ``browsers`` sessions loading ``url`` for ``seconds``."""
    name, _, value = cookie.partition("=")
    deadline = time.monotonic() + seconds
    count = 0

    async def browser() -> None:
        nonlocal count
        async with aiohttp.ClientSession(cookies={name: value}) as http:
            while time.monotonic() < deadline:
                await timed_get(http, url)
                count += 1

    await asyncio.gather(*(browser() for _ in range(browsers)))
    return count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--schedules", type=int, default=500)
    parser.add_argument("--requests", type=int, default=60)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--load", help=argparse.SUPPRESS)
    parser.add_argument("--cookie", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.load:
        print(asyncio.run(load(args.load, args.cookie, args.seconds)))
        return
    asyncio.run(run(args.schedules, args.requests, args.seconds))


if __name__ == "__main__":
    main()
