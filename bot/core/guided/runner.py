"""One guided run: edit one message at each change of the plan, paced, until done or stopped.

The runner sleeps on an injected :class:`Timer` until the next change (next step, switching
sides, the finish), never edits one message more often than every ``min_interval`` seconds,
and draws each frame only when the platform gives it its turn (``Surface.show`` calls the
``draw`` it is handed after any pacer wait), so a run that waited behind others shows where
it is now, not where it was when it asked. Stopping aborts a frame that is still waiting for
its turn and waits for one already on the wire, so the "Stopped" frame always lands last.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Protocol

from bot.core import actions
from bot.core.guided import frames
from bot.core.guided.frames import Countdown
from bot.core.guided.plan import Phase, Plan
from bot.core.guided.timer import Timer
from bot.core.messages import Button, Message

log = logging.getLogger(__name__)

MIN_INTERVAL = 2.0  # seconds between two edits of one message, on every platform


class Surface(Protocol):
    """The one message a run edits. ``show`` waits for the platform's turn (its pacer), then
    calls ``draw`` and edits the message to what it returns. If ``draw`` raises, nothing is
    sent and the error propagates."""

    async def show(self, draw: Callable[[], Message]) -> None: ...


class Outcome(StrEnum):
    FINISHED = "finished"
    STOPPED = "stopped"
    FAILED = "failed"  # the message could not be edited (deleted, token expired)


class _Aborted(Exception):
    """A frame still waiting for its turn when the run was stopped: not sent."""


@dataclass(slots=True)
class Options:
    """How a platform shows a run.

    ``countdown`` formats a hold's end; ``refresh`` redraws a running hold every that many
    seconds, for platforms whose countdown is a number frozen at drawing time (None: only at
    changes, as on Discord). ``finish_buttons`` replaces Done again / Another one (a group).
    """

    countdown: Countdown = frames.plain_countdown
    min_interval: float = MIN_INTERVAL
    refresh: float | None = None
    finish_buttons: tuple[Button, ...] | None = None
    another: str | None = None  # the "Another one" action, else any desk stretch / routine


FinishHook = Callable[["GuidedRun"], Awaitable[None]]


@dataclass(eq=False)
class GuidedRun:
    run_id: str
    plan: Plan
    surface: Surface
    timer: Timer
    started: datetime
    options: Options = field(default_factory=Options)
    on_finish: FinishHook | None = None
    # Written as the run goes: the beat last drawn and when (the opening counts as one).
    shown: int = 0
    last_edit: datetime | None = None
    edits: int = 0
    outcome: Outcome | None = None
    _stopping: bool = False
    _task: asyncio.Task[Outcome] | None = None
    _inflight: asyncio.Future[None] | None = None

    @property
    def stop_action(self) -> str:
        return actions.STOP.build(self.run_id)

    def opening(self) -> Message:
        """Beat 0, drawn at the start: what the platform posts before :meth:`run` begins."""
        return frames.frame(self.plan, 0, self.started, self.started, self.options.countdown,
                            self.stop_action)

    def start(self) -> asyncio.Task[Outcome]:
        if self._task is None:
            self._task = asyncio.ensure_future(self.run())
        return self._task

    @property
    def done(self) -> bool:
        return self.outcome is not None

    async def run(self) -> Outcome:
        """Edit through the plan; returns how it ended (never raises but for cancellation of
        the caller's own)."""
        if self.last_edit is None:
            self.last_edit = self.started
        try:
            await self._beats()
            if self.on_finish is not None:
                await self.on_finish(self)
            await self._wait_interval()
            await self._show(lambda: frames.finished(self.plan, self._finish_buttons()))
            self.outcome = Outcome.FINISHED
        except asyncio.CancelledError:
            if self._inflight is not None and not self._inflight.done():
                await asyncio.gather(self._inflight, return_exceptions=True)
            self.outcome = Outcome.STOPPED
        except _Aborted:
            self.outcome = Outcome.STOPPED
        except Exception as exc:  # the platform refused an edit: the run cannot go on
            log.warning("guided run %s ended: its message could not be edited (%s)",
                        self.run_id, type(exc).__name__)
            self.outcome = Outcome.FAILED
        return self.outcome

    async def stop(self) -> Message:
        """End the run now; the caller shows the returned "Stopped" frame (the Stop click's
        own answer), which lands after any edit already on its way."""
        self._stopping = True
        if self._task is not None and not self._task.done():
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        self.outcome = self.outcome or Outcome.STOPPED
        return frames.stopped(self.plan, self.shown)

    # ------------------------------------------------------------------ internals
    def _elapsed(self, now: datetime) -> float:
        return (now - self.started).total_seconds()

    async def _beats(self) -> None:
        offsets = self.plan.offsets()
        while True:
            now = self.timer.now()
            index = self.plan.beat_at(self._elapsed(now))
            if index is None:
                return
            beat = self.plan.beats[index]
            assert self.last_edit is not None
            earliest = self.last_edit + timedelta(seconds=self.options.min_interval)
            refresh = self.options.refresh
            stale = index != self.shown or (
                refresh is not None and beat.phase is Phase.HOLD
                and (now - self.last_edit).total_seconds() >= refresh)
            if stale and now >= earliest:
                await self._show(self._draw_current)
                continue
            next_change = self.started + timedelta(seconds=offsets[index] + beat.seconds)
            wake = earliest if stale else next_change
            if not stale and refresh is not None and beat.phase is Phase.HOLD:
                wake = min(wake, self.last_edit + timedelta(seconds=refresh))
            await self.timer.sleep_until(max(wake, earliest))

    def _draw_current(self) -> Message:
        now = self.timer.now()
        index = self.plan.beat_at(self._elapsed(now))
        if index is None:
            index = len(self.plan.beats) - 1
        self.shown = index
        return frames.frame(self.plan, index, self.started, now, self.options.countdown,
                            self.stop_action)

    async def _wait_interval(self) -> None:
        assert self.last_edit is not None
        await self.timer.sleep_until(
            self.last_edit + timedelta(seconds=self.options.min_interval))

    async def _show(self, draw: Callable[[], Message]) -> None:
        def drawn() -> Message:
            if self._stopping:
                raise _Aborted
            message = draw()
            self.last_edit = self.timer.now()
            self.edits += 1
            return message

        self._inflight = asyncio.ensure_future(self.surface.show(drawn))
        await asyncio.shield(self._inflight)

    def _finish_buttons(self) -> tuple[Button, ...]:
        if self.options.finish_buttons is not None:
            return self.options.finish_buttons
        return frames.finish_buttons(self.plan, self.options.another)
