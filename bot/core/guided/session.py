"""Starting, finding and stopping guided runs; the message type that carries a run to start.

A command's answer cannot edit a message: it returns one. So a guided answer returns a
:class:`LiveMessage`: a normal Message (its first frame, which any adapter can send as is)
that also carries a :class:`GuidedSession`. An adapter that knows how to edit its messages
asks the session for the opening frame drawn its way, posts it, and calls
:meth:`GuidedSession.begin` with a :class:`~bot.core.guided.runner.Surface` for that message.

:class:`GuidedRuns` keeps the runs of this process (in memory: a run lasts minutes, and a
Stop pressed after a restart is told the run has ended), one per person: starting a second
stops the first.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from datetime import datetime

from bot.core.events import BreakEvent, EventKind, EventLog
from bot.core.guided import frames
from bot.core.guided.frames import Countdown
from bot.core.guided.plan import Plan
from bot.core.guided.runner import FinishHook, GuidedRun, Options, Outcome, Surface
from bot.core.guided.timer import Timer
from bot.core.messages import Button, Message, error, info
from bot.core.ports import Actor

log = logging.getLogger(__name__)

MAX_RUNS = 5000  # runs at once in one process; more is refused politely


@dataclass(frozen=True, slots=True)
class LiveMessage(Message):
    """A Message that starts a guided run once the adapter has posted it."""

    session: GuidedSession | None = field(default=None, compare=False, repr=False)


@dataclass(eq=False)
class GuidedSession:
    """A run prepared for ``owner`` (None: a group run nobody owns), not yet on screen."""

    runs: GuidedRuns
    plan: Plan
    owner: Actor | None
    on_finish: FinishHook | None = None
    may_stop: Callable[[Actor], bool] | None = None
    another: str | None = None
    finish_buttons: tuple[Button, ...] | None = None
    run_id: str = field(default_factory=lambda: secrets.token_hex(6))
    _run: GuidedRun | None = None

    def opening(self, countdown: Countdown = frames.plain_countdown, *,
                min_interval: float | None = None, refresh: float | None = None) -> Message:
        """The first frame, drawn with ``countdown``; the run's clock starts now."""
        options = Options(countdown=countdown, refresh=refresh, another=self.another)
        if min_interval is not None:
            options.min_interval = min_interval
        if self.finish_buttons is not None:
            options.finish_buttons = self.finish_buttons
        self._run = GuidedRun(self.run_id, self.plan, _Unposted(), self.runs.timer,
                              self.runs.timer.now(), options, self.on_finish)
        return self._run.opening()

    def begin(self, surface: Surface) -> GuidedRun:
        """The opening frame is on screen as ``surface``'s message: run the rest."""
        if self._run is None:
            self.opening()
        assert self._run is not None
        self._run.surface = surface
        self.runs._add(self, self._run)
        self._run.start()
        return self._run


class _Unposted:
    async def show(self, draw: Callable[[], Message]) -> None:
        raise RuntimeError("begin() the session before the run edits anything")


class GuidedRuns:
    """Every guided run in this process. ``events`` is where a finish is recorded."""

    def __init__(self, timer: Timer, events: EventLog, *, limit: int = MAX_RUNS) -> None:
        self.timer = timer
        self.events = events
        self.limit = limit
        self._runs: dict[str, tuple[GuidedSession, GuidedRun]] = {}
        self._by_owner: dict[tuple[str, str], str] = {}
        self._tasks: set[asyncio.Task[object]] = set()

    @property
    def active(self) -> int:
        return len(self._runs)

    def full(self) -> bool:
        return len(self._runs) >= self.limit

    def prepare(self, plan: Plan, owner: Actor | None, *, on_finish: FinishHook | None = None,
                may_stop: Callable[[Actor], bool] | None = None,
                another: str | None = None) -> GuidedSession:
        """A session for ``plan``. By default a finish records a break taken for ``owner``
        (source ``plan.source``) and only the owner may press Stop."""
        if on_finish is None and owner is not None:
            on_finish = self.recorder(owner)
        return GuidedSession(self, plan, owner, on_finish, may_stop, another)

    def recorder(self, *actors: Actor) -> FinishHook:
        """A finish hook recording one DONE per actor, with the plan's source."""
        async def record(run: GuidedRun) -> None:
            for actor in actors:
                await record_done(self.events, actor, run.plan, self.timer.now())
        return record

    def live(self, session: GuidedSession, message: Message) -> LiveMessage:
        """``message`` (the plain first frame) carrying ``session``."""
        return LiveMessage(
            kind=message.kind, title=message.title, body=message.body,
            sections=message.sections, footer=message.footer, buttons=message.buttons,
            ephemeral=message.ephemeral, meta=dict(message.meta), session=session)

    def get(self, run_id: str) -> GuidedRun | None:
        found = self._runs.get(run_id)
        return found[1] if found else None

    async def stop(self, run_id: str, actor: Actor) -> Message:
        """Stop a run for whoever pressed its Stop; the answer replaces the guided message."""
        found = self._runs.get(run_id)
        if found is None:
            # Replaces the stale message (a Stop pressed after a restart): not an error.
            return info("Already over", "That guided stretch has already ended.",
                        ephemeral=False)
        session, run = found
        allowed = session.may_stop(actor) if session.may_stop else (
            session.owner is None or _same_person(session.owner, actor))
        if not allowed:
            return error("Only the person who started this guided stretch can stop it.")
        message = await run.stop()
        self._forget(run_id)
        return message

    async def settled(self) -> None:
        """Until every run going now has ended by itself (benchmarks)."""
        tasks = [run._task for _, run in self._runs.values() if run._task is not None]
        await asyncio.gather(*tasks, return_exceptions=True)

    async def close(self) -> None:
        """Stop every run (shutdown): no edit is left half-sent."""
        for _, run in list(self._runs.values()):
            await run.stop()
        self._runs.clear()
        self._by_owner.clear()

    # ------------------------------------------------------------------ internals
    def _add(self, session: GuidedSession, run: GuidedRun) -> None:
        if session.owner is not None:
            key = _person(session.owner)
            previous = self._by_owner.get(key)
            if previous is not None and previous in self._runs:
                self._spawn(self._replace(previous))
            self._by_owner[key] = run.run_id
        self._runs[run.run_id] = (session, run)
        assert run._task is None
        run_id = run.run_id

        def ended(_: asyncio.Task[Outcome]) -> None:
            self._forget(run_id)

        run.start().add_done_callback(ended)

    async def _replace(self, run_id: str) -> None:
        """The person started another run: stop this one and say so on its message."""
        found = self._runs.get(run_id)
        if found is None:
            return
        _, run = found
        message = await run.stop()
        self._forget(run_id)
        try:
            await run.surface.show(lambda: message)
        except Exception as exc:  # noqa: BLE001 - the old message may be gone; nothing to do
            log.info("could not mark replaced guided run %s stopped (%s)", run_id,
                     type(exc).__name__)

    def _forget(self, run_id: str) -> None:
        found = self._runs.pop(run_id, None)
        if found is not None and found[0].owner is not None:
            key = _person(found[0].owner)
            if self._by_owner.get(key) == run_id:
                del self._by_owner[key]

    def _spawn(self, work: Coroutine[object, object, None]) -> None:
        task: asyncio.Task[object] = asyncio.ensure_future(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)


def _person(actor: Actor) -> tuple[str, str]:
    # Not the workspace: a Discord user's DM runs and server runs are the same person.
    return (actor.platform.value, actor.user_id)


def _same_person(a: Actor, b: Actor) -> bool:
    return a.platform is b.platform and a.user_id == b.user_id


async def record_done(events: EventLog, actor: Actor, plan: Plan, at: datetime) -> None:
    """A guided finish is a break taken: one DONE for ``actor`` with the plan's source."""
    await events.record(BreakEvent(kind=EventKind.DONE, platform=actor.platform,
                                   workspace_id=actor.workspace_id, user_id=actor.user_id,
                                   at=at, source=plan.source.value))
