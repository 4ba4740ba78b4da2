"""run_platforms: a platform stopped while it is still starting is stopped all the same."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot import serve as serve_module
from bot.app import App, build_app
from bot.core.clock import FakeClock
from bot.core.ports import Platform
from bot.observability.health import HealthCheck
from bot.scheduling.commands import CommandNames, SchedulingCommands
from bot.settings import DatabaseSettings, Settings
from tests.scheduling.scheduling_harness import RecordingNotifier


class SlowToConnect:
    """A platform whose start never finishes (a sharded gateway still waiting for guilds)."""

    platform = Platform.CONSOLE
    names = CommandNames()

    def __init__(self, clock: FakeClock) -> None:
        self.notifier = RecordingNotifier(clock, platform=Platform.CONSOLE)
        self.starting = asyncio.Event()
        self.stopped = False

    def attach(self, scheduling: SchedulingCommands) -> None:
        return None

    async def start(self) -> None:
        self.starting.set()
        await asyncio.Future()

    async def wait(self) -> int:
        return 0

    async def stop(self) -> None:
        self.stopped = True

    def health(self) -> HealthCheck | None:
        return None


CLOCK = FakeClock(datetime(2027, 3, 1, 8, 0, tzinfo=UTC))


async def serving(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                  platform: SlowToConnect) -> App:
    """A migrated app whose only platform is ``platform``, for run_platforms."""
    app = build_app(Settings(database=DatabaseSettings(
        url=f"sqlite+aiosqlite:///{tmp_path / 'db.sqlite3'}")), clock=CLOCK)
    await app.store.migrate()
    monkeypatch.setattr(serve_module, "builder", lambda _: lambda _app: platform)
    return app


async def test_a_stop_during_start_still_stops_the_platform(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Cancelled while a platform connects, run_platforms stops it (its connection would
    otherwise outlive the process's clean-up) and the scheduler."""
    platform = SlowToConnect(CLOCK)
    app = await serving(tmp_path, monkeypatch, platform)
    running = asyncio.create_task(serve_module.run_platforms(app, Platform.CONSOLE))
    try:
        await asyncio.wait_for(platform.starting.wait(), 10)
        running.cancel()
        await asyncio.gather(running, return_exceptions=True)
        assert platform.stopped
    finally:
        await app.store.close()


class QuickToConnect(SlowToConnect):
    """A platform that is up at once and serves until cancelled."""

    async def start(self) -> None:
        self.starting.set()

    async def wait(self) -> int:
        await asyncio.Future()
        return 0


async def test_serving_freezes_what_start_up_built(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Once the platforms and the scheduler are up, start-up's objects are frozen (bot/heap.py),
    so full collections while serving no longer walk them; objects made later are not."""
    import gc

    platform = QuickToConnect(CLOCK)
    app = await serving(tmp_path, monkeypatch, platform)
    gc.unfreeze()
    before = [object()]  # a tracked object start-up leaves behind
    running = asyncio.create_task(serve_module.run_platforms(app, Platform.CONSOLE))
    try:
        await asyncio.wait_for(platform.starting.wait(), 10)
        for _ in range(100):  # the scheduler's start, then settle
            if gc.get_freeze_count():
                break
            await asyncio.sleep(0.01)
        assert gc.get_freeze_count() > 0
        assert gc.is_tracked(before) and before not in gc.get_objects(generation=2)
        after = [object()]
        gc.collect()
        assert after in gc.get_objects(generation=2)  # later objects are collected as ever
    finally:
        running.cancel()
        await asyncio.gather(running, return_exceptions=True)
        gc.unfreeze()
        await app.store.close()
