"""What a guided message says at each beat, at the finish, and when stopped.

The hold's countdown is the one part that differs by platform, so it is passed in as a
:data:`Countdown`: Discord gives a relative timestamp (``<t:UNIX:R>``) that the reader's
client counts down by itself, so the message needs no edit during a hold; the console and
Slack write the seconds left at the moment of drawing.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from bot.core import actions
from bot.core.guided.plan import Phase, Plan
from bot.core.messages import Button, ButtonStyle, Message, MessageKind, Section
from bot.core.text import plural

# (the moment the countdown ends, whole seconds left now) -> the words after "Hold — ".
Countdown = Callable[[datetime, int], str]

DONE_TITLE = "Done — nice work"


def seconds_left(until: datetime, now: datetime) -> int:
    return max(0, int(-(-(until - now).total_seconds() // 1)))  # rounded up


def plain_countdown(until: datetime, left: int) -> str:
    """``20 s left``: drawn once; right at the moment it is shown."""
    return f"{left} s left"


def frame(plan: Plan, index: int, started: datetime, now: datetime, countdown: Countdown,
          stop_action: str | None) -> Message:
    """The message for beat ``index`` of ``plan`` (which began at ``started``), as of ``now``."""
    beat = plan.beats[index]
    begins = started + timedelta(seconds=plan.offsets()[index])
    ends = begins + timedelta(seconds=beat.seconds)
    line = beat.text
    if beat.phase in (Phase.HOLD, Phase.READY):
        line = f"{line} — {countdown(ends, seconds_left(ends, now))}"
    title = plan.title
    if beat.count > 1:
        title = f"{plan.title} · {beat.position} of {beat.count}: {beat.stretch_name}"
    sections = [Section("Steps", beat.steps, numbered=True)]
    if beat.note:
        sections.insert(0, Section("Note", (beat.note,)))
    upcoming = plan.beats[index + 1] if index + 1 < len(plan.beats) else None
    if upcoming is None:
        footer = "Last one, then you're done."
    elif upcoming.position != beat.position:
        footer = f"Up next: {upcoming.stretch_name}"
    else:
        footer = f"Then: {upcoming.text}"
    total_left = (started + timedelta(seconds=plan.total_seconds) - now).total_seconds()
    footer += f" · {_minutes(max(0, int(total_left)))} to go"
    buttons = (Button(stop_action, "Stop", ButtonStyle.DANGER),) if stop_action else ()
    return Message(kind=MessageKind.GUIDED, title=title, body=line, sections=tuple(sections),
                   footer=footer, buttons=buttons,
                   meta={"guided": plan.ref, "beat": str(index)})


def finished(plan: Plan, buttons: tuple[Button, ...] | None = None) -> Message:
    """The finish: counts as a break taken; Done again / Another one unless told otherwise."""
    return Message(
        kind=MessageKind.GUIDED, title=DONE_TITLE,
        body=f"{plan.title}: {_minutes(plan.total_seconds)} guided. That counts as a break "
             "taken.",
        buttons=finish_buttons(plan) if buttons is None else buttons,
        meta={"guided": plan.ref, "finished": "1"},
    )


def stopped(plan: Plan, index: int | None) -> Message:
    """Stopped before the end: nothing is counted; one button starts it over."""
    where = ""
    if index is not None:
        beat = plan.beats[index]
        where = f" at {beat.stretch_name}" if beat.count > 1 else ""
    return Message(kind=MessageKind.GUIDED, title="Stopped",
                   body=f"{plan.title} stopped{where}. No break was counted.",
                   buttons=(Button(again_action(plan), "Start again", ButtonStyle.PRIMARY),),
                   meta={"guided": plan.ref, "stopped": "1"})


def again_action(plan: Plan) -> str:
    if plan.kind == "routine":
        return actions.ROUTINE.build(plan.ref)
    return actions.GUIDED.build(plan.ref)


def finish_buttons(plan: Plan, another: str | None = None) -> tuple[Button, ...]:
    """Done again (the same run) and Another one (``another``, else any desk stretch)."""
    other = another or (actions.GUIDED.build() if plan.kind == "stretch"
                        else actions.ROUTINE.build())
    return (Button(again_action(plan), "Done again", ButtonStyle.SUCCESS),
            Button(other, "Another one", ButtonStyle.PRIMARY))


def _minutes(seconds: int) -> str:
    if seconds < 60:
        return plural(seconds, "second")
    minutes, rest = divmod(seconds, 60)
    return f"{minutes}:{rest:02d} min"
