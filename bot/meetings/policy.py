"""Deliver, hold or drop one due personal nudge: a pure decision on an injected "now".

The scheduler asks :func:`decide` when a personal nudge is due, and again at the time a hold
names (a meeting can run over; DND can be switched off early), always with the nudge's
original ``slot``. Everything it needs is passed in, so every rule is tested directly with
a FakeClock across days and DST changes.

**When is someone free?** At the first moment ``t >= now`` that

* lies outside every busy interval: calendar meetings, and a presence that holds (Slack DND,
  away, a busy status; Discord offline or Do Not Disturb) from now until its known end, or
  for ``recheck`` (a minute) when nobody knows its end;
* leaves at least ``min_gap`` (5 minutes) before the next busy interval: a stretch squeezed
  into the two minutes before the next meeting is worse than none;
* after a meeting, comes ``settle`` (5 minutes) after it ended, so people can leave the room
  or the call first - less when the gap is short, so ``min_gap`` of it is still left.

**Until when is holding worth it?** The deadline is the later of ``slot + grace`` (what the
scheduler allows any nudge anyway) and the earlier of the person's next slot and the end of
their working hours that day; never at or after the next slot, which brings its own nudge.
A nudge that cannot be released by then is dropped, with the reason recorded for stats.

**What it says.** A nudge released after a long run of meetings (``long_meetings``, an hour,
back-to-back meetings counted as one) carries a headline: "You've been in meetings for 2 h —
a 2-minute stretch?".
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from enum import StrEnum

from bot.meetings.calendar import Busy
from bot.meetings.presence import Presence

IN_A_MEETING = "in a meeting"


class Action(StrEnum):
    DELIVER = "deliver"
    HOLD = "hold"
    DROP = "drop"


@dataclass(frozen=True, slots=True)
class HoldRules:
    min_gap: timedelta = timedelta(minutes=5)
    settle: timedelta = timedelta(minutes=5)
    recheck: timedelta = timedelta(minutes=1)
    long_meetings: timedelta = timedelta(hours=1)


@dataclass(frozen=True, slots=True)
class WorkingHours:
    """A person's reminder window: ``start``-``end`` local time on ``days`` (0 = Monday).

    An ``end`` not after ``start`` runs past midnight (22:00-02:00 belongs to its start day).
    """

    start: time
    end: time
    days: Collection[int]
    tz: tzinfo

    def end_for(self, when: datetime) -> datetime | None:
        """The end (UTC) of the working window holding ``when``, or None outside every one."""
        local = when.astimezone(self.tz)
        for day in (local.date() - timedelta(days=1), local.date()):
            if day.weekday() not in self.days:
                continue
            opens = _local(day, self.start, self.tz)
            closes_on = day + timedelta(days=1) if self.end <= self.start else day
            closes = _local(closes_on, self.end, self.tz)
            if opens <= when <= closes:
                return closes
        return None


def _local(day: date, at: time, tz: tzinfo) -> datetime:
    """A local wall time as a UTC instant; a time skipped by DST reads as the one after.

    UTC, not the local zone: aware datetimes sharing one tzinfo compare by wall time, which
    is wrong across a DST change."""
    return datetime.combine(day, at, tz).astimezone(UTC)


@dataclass(frozen=True, slots=True)
class Decision:
    action: Action
    at: datetime | None = None  # HOLD: decide again (release) at this time
    reason: str | None = None  # HOLD/DROP: why ("in a meeting", "do not disturb", ...)
    meetings: timedelta | None = None  # DELIVER after a long run of meetings: its length

    def headline(self) -> str | None:
        """The line that opens a nudge delivered after long meetings, else None."""
        if self.action is not Action.DELIVER or self.meetings is None:
            return None
        return f"You've been in meetings for {duration_words(self.meetings)} — a 2-minute stretch?"


def duration_words(span: timedelta) -> str:
    """45 min, 1 h, 1 h 30 min, 2 h: rounded down to a quarter hour past the first hour."""
    minutes = int(span.total_seconds() // 60)
    if minutes < 60:
        return f"{minutes} min"
    hours, rest = divmod(minutes, 60)
    rest -= rest % 15
    return f"{hours} h" if rest == 0 else f"{hours} h {rest} min"


@dataclass(frozen=True, slots=True)
class _Block:
    start: datetime
    end: datetime
    settle: bool  # a meeting: wait ``settle`` after it before nudging
    reason: str


def decide(
    *,
    slot: datetime,
    now: datetime,
    grace: timedelta,
    busy: Sequence[Busy] = (),
    presence: Presence | None = None,
    hours: WorkingHours | None = None,
    next_slot: datetime | None = None,
    rules: HoldRules = HoldRules(),
) -> Decision:
    """What to do with the nudge due at ``slot`` (see the module docstring)."""
    blocks = [_Block(b.start, b.end, True, IN_A_MEETING) for b in busy if b.end > b.start]
    if presence is not None and presence.holds:
        until = presence.until if presence.until is not None and presence.until > now else None
        blocks.append(_Block(now, until or now + rules.recheck, False, presence.state.value))
    merged = _merge(blocks)
    free = _first_free(now, merged, rules)
    if free <= now:
        return Decision(Action.DELIVER, meetings=_meeting_run(now, busy, rules))
    reason = _reason_at(now, merged, blocks)
    if free > _deadline(slot, grace, hours, next_slot):
        return Decision(Action.DROP, reason=reason)
    return Decision(Action.HOLD, at=free, reason=reason)


def _merge(blocks: list[_Block]) -> list[_Block]:
    out: list[_Block] = []
    for block in sorted(blocks, key=lambda b: (b.start, b.end)):
        if out and block.start <= out[-1].end:
            last = out[-1]
            if block.end > last.end:
                out[-1] = _Block(last.start, block.end, block.settle, last.reason)
            elif block.end == last.end and block.settle and not last.settle:
                out[-1] = _Block(last.start, last.end, True, last.reason)
            continue
        out.append(block)
    return out


def _first_free(now: datetime, blocks: list[_Block], rules: HoldRules) -> datetime:
    """The earliest moment at or after ``now`` that is free by the rules."""
    previous: _Block | None = None
    for block in [*blocks, None]:
        gap_end = block.start if block is not None else None
        if gap_end is None or gap_end > now:
            earliest = now if previous is None else max(now, _usable_from(previous, gap_end,
                                                                           rules))
            if gap_end is None or gap_end - earliest >= rules.min_gap:
                return earliest
        previous = block
    raise AssertionError("the last gap is open-ended")  # pragma: no cover


def _usable_from(ended: _Block, gap_end: datetime | None, rules: HoldRules) -> datetime:
    """When the gap after ``ended`` may be used: after a meeting, ``settle`` later, shortened
    so that ``min_gap`` of the gap is still left."""
    if not ended.settle:
        return ended.end
    if gap_end is None:
        return ended.end + rules.settle
    room = gap_end - ended.end - rules.min_gap
    return ended.end + max(timedelta(0), min(rules.settle, room))


def _reason_at(now: datetime, merged: list[_Block], blocks: list[_Block]) -> str:
    """Why the person is not free now: presence wins (it is what they chose to show)."""
    for block in blocks:
        if not block.settle and block.start <= now < block.end:
            return block.reason
    for block in merged:
        if block.start <= now < block.end:
            return block.reason
    return IN_A_MEETING  # free now, but in the settle time after, or too close before, one


def deadline(slot: datetime, grace: timedelta, hours: WorkingHours | None,
             next_slot: datetime | None) -> datetime:
    """The last moment a nudge due at ``slot`` may still be released (module docstring)."""
    return _deadline(slot, grace, hours, next_slot)


def _deadline(slot: datetime, grace: timedelta, hours: WorkingHours | None,
              next_slot: datetime | None) -> datetime:
    limits = [t for t in (next_slot, hours.end_for(slot) if hours else None) if t is not None]
    deadline = max(slot + grace, min(limits)) if limits else slot + grace
    if next_slot is not None:
        deadline = min(deadline, next_slot - timedelta(microseconds=1))
    return deadline


def _meeting_run(now: datetime, busy: Sequence[Busy], rules: HoldRules) -> timedelta | None:
    """How long the run of meetings that ended just before ``now`` lasted, if it was long.

    Meetings less than ``min_gap`` apart count as one run; "just before" is within
    ``settle`` plus ``min_gap`` of now, so a nudge released after a meeting (or due right
    after one) is worded for it, and one an hour later is not.
    """
    ended = sorted((b for b in busy if b.end <= now), key=lambda b: b.end)
    if not ended or now - ended[-1].end > rules.settle + rules.min_gap:
        return None
    run_start, run_end = ended[-1].start, ended[-1].end
    for item in reversed(ended[:-1]):
        if run_start - item.end >= rules.min_gap:
            break
        run_start = min(run_start, item.start)
    span = run_end - run_start
    return span if span >= rules.long_meetings else None
