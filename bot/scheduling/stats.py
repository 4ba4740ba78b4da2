"""StatsCommands: ``/mystats`` and ``/teamstats`` (issue 13), for every platform.

The numbers are grouped in SQL (``bot/storage/stats.py``) by the local day of the person
(their own zone, else the workspace's) or of the workspace; Python only lays the grouped rows
side by side, walks the streak over at most a year of day rows, and asks
``bot/pictures/charts.py`` for the PNG on an executor thread, so a chart never holds up the
event loop. A chart that fails still leaves the text answer, with one log line.

Team stats never name anyone: they count, and any figure that rests on fewer than
:data:`MIN_PEOPLE` people is replaced by "fewer than 3 people", so nobody's habits can be
read off a small team's numbers.
"""

from __future__ import annotations

import asyncio
import copy
import logging
from collections.abc import Callable, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.core import actions
from bot.core.clock import Clock
from bot.core.messages import (
    Attachment,
    Button,
    ButtonStyle,
    Message,
    MessageKind,
    Section,
    error,
)
from bot.core.ports import Actor
from bot.core.streaks import Streaks, streaks
from bot.core.text import echo, plural
from bot.pictures import charts
from bot.scheduling.commands.base import ADMIN_ONLY, CommandNames
from bot.scheduling.specs import recurrence_for, zone
from bot.storage.forget import forget_person
from bot.storage.stats import StatsEvents, TeamDay, TeamPeople
from bot.storage.store import Store

log = logging.getLogger(__name__)

PERIODS = {"week": 7, "month": 30, "year": 365}
PERIOD_CHOICES = tuple(PERIODS)
MIN_PEOPLE = 3
FEWER = f"fewer than {MIN_PEOPLE} people"
WORKDAYS = frozenset(range(5))
STREAK_DAYS = 366  # streaks look back a year (retention keeps at most what is configured)
BARS = "▁▂▃▄▅▆▇█"
NO_BREAK = "·"


@dataclass(frozen=True, slots=True)
class PersonStats:
    """One person's numbers for a period, in their zone; ``days`` is the period's days."""

    period: str
    zone: ZoneInfo
    days: tuple[date, ...]
    breaks: tuple[int, ...]
    nudges: tuple[int, ...]
    snoozes: int
    unanswered: int
    streaks: Streaks
    busiest_hour: int | None

    @property
    def empty(self) -> bool:
        return not (sum(self.breaks) or sum(self.nudges) or self.snoozes)


def sparkline(values: Sequence[int]) -> str:
    """A line of unicode blocks, one per value, a dot for none (what a console shows
    instead of a chart, and a chart-less fallback everywhere)."""
    top = max(values, default=0)
    return "".join(BARS[round(v / top * (len(BARS) - 1))] if v else NO_BREAK for v in values)


def _buckets(days: Sequence[date], *series: Sequence[float | None]
             ) -> tuple[list[date], list[list[float | None]]]:
    """A year's days summed per week (a 365-bar chart is unreadable); shorter periods as is."""
    if len(days) <= 31:
        return list(days), [list(s) for s in series]
    labels: list[date] = []
    out: list[list[float | None]] = [[] for _ in series]
    for i, day in enumerate(days):
        if not labels or day.weekday() == 0:
            labels.append(day)
            for column in out:
                column.append(None)
        for column, values in zip(out, series, strict=True):
            value = values[i]
            if value is not None:
                column[-1] = (column[-1] or 0) + value
    return labels, out


class StatsCommands:
    """The stats facade every adapter reaches through ``SchedulingCommands.stats``."""

    def __init__(self, store: Store, events: StatsEvents, clock: Clock, *,
                 names: CommandNames | None = None, executor: Executor | None = None,
                 draw: Callable[[charts.Series], bytes] = charts.render) -> None:
        self.store = store
        self.events = events
        self.clock = clock
        self.names = names or CommandNames()
        self.executor = executor
        self._draw = draw

    def with_names(self, names: CommandNames) -> StatsCommands:
        clone = copy.copy(self)
        clone.names = names
        return clone

    # ------------------------------------------------------------------ helpers

    def _window(self, zone_: ZoneInfo, days: int) -> tuple[tuple[date, ...], datetime, datetime]:
        """The period's local days (ending today) and the UTC instants that bound them."""
        today = self.clock.now().astimezone(zone_).date()
        first = today - timedelta(days=days - 1)
        start = datetime.combine(first, time(0), tzinfo=zone_)
        end = datetime.combine(today + timedelta(days=1), time(0), tzinfo=zone_)
        return tuple(first + timedelta(days=i) for i in range(days)), start, end

    async def chart(self, series: charts.Series) -> bytes | None:
        """The PNG, drawn on an executor thread; None (and one log line) if drawing fails."""
        try:
            loop = asyncio.get_running_loop()
            return await loop.run_in_executor(self.executor, self._draw, series)
        except Exception as exc:  # a missing font or a broken install: the text still goes
            log.warning("stats chart not drawn (%s: %s)", type(exc).__name__, exc)
            return None

    @staticmethod
    def _period(period: str | None) -> str | None:
        chosen = (period or "week").strip().lower()
        return chosen if chosen in PERIODS else None

    @staticmethod
    def _bad_period(period: str | None) -> Message:
        return error(f"{echo(period)} is not a period I know. Choose one of: "
                     f"{', '.join(PERIOD_CHOICES)}.")

    # ------------------------------------------------------------------ /mystats

    async def person(self, actor: Actor, period: str) -> PersonStats:
        """The numbers behind /mystats (also what ``deskbreak stats`` draws)."""
        rem = await self.store.get_reminder(actor.platform, actor.workspace_id, actor.user_id)
        ws = await self.store.get_workspace(actor.platform, actor.workspace_id)
        zone_ = zone((rem.timezone if rem else None) or ws.timezone)
        days, start, end = self._window(zone_, PERIODS[period])
        history_days, since, _ = self._window(zone_, STREAK_DAYS)
        rows = await self.events.person_days(str(actor.platform), actor.workspace_id,
                                             actor.user_id, zone_, min(since, start), end)
        counts: dict[tuple[date, str], int] = {(r.day, r.kind): r.count for r in rows}
        breaks = tuple(counts.get((d, "done"), 0) for d in days)
        nudges = tuple(counts.get((d, "nudged"), 0) for d in days)
        snoozes = sum(counts.get((d, "snoozed"), 0) for d in days)
        unanswered = sum(max(0, n - b) for n, b in zip(nudges, breaks, strict=True))
        weekdays = WORKDAYS
        if rem is not None and rem.enabled and not rem.spec.cron:
            weekdays = recurrence_for(rem.spec).weekdays or WORKDAYS
        skipped = set(ws.skip_dates)
        streak = streaks({d for (d, kind), n in counts.items() if kind == "done" and n},
                         lambda d: d.weekday() in weekdays and d not in skipped,
                         history_days[-1], history_days[0])
        hours = await self.events.person_hours(str(actor.platform), actor.workspace_id,
                                               actor.user_id, zone_, start, end)
        busiest = max(sorted(hours), key=lambda h: hours[h]) if hours else None
        return PersonStats(period, zone_, days, breaks, nudges, snoozes, unanswered, streak,
                           busiest)

    def person_series(self, stats: PersonStats) -> charts.Series:
        labels, (bars, line) = _buckets(stats.days, stats.breaks, stats.nudges)
        unit = "week" if len(labels) < len(stats.days) else "day"
        return charts.Series(
            title=f"Your breaks, last {stats.period} ({stats.zone.key})",
            labels=labels, bars=[int(b or 0) for b in bars], line=line,
            bar_label="Breaks taken", line_label="Nudges received",
            x_label=f"{unit.capitalize()} ({stats.zone.key})", y_label=f"Count per {unit}")

    async def mystats(self, actor: Actor, period: str | None = None) -> Message:
        """A person's own numbers and chart, private to them."""
        chosen = self._period(period)
        if chosen is None:
            return self._bad_period(period)
        stats = await self.person(actor, chosen)
        if stats.empty:
            return Message(
                kind=MessageKind.INFO, ephemeral=True, title="No stats yet",
                body=(f"Nothing recorded for you in the last {chosen} yet. Here's how to "
                      f"start: turn on reminders with `{self.names.remind} on`, take one now "
                      "with `/break`, and press Done on a nudge (or type `/done`) after each "
                      "break. Your numbers show up here from then on."))
        lines = [
            f"Breaks taken: {sum(stats.breaks)}",
            f"Snoozes: {stats.snoozes}",
            f"Nudges received: {sum(stats.nudges)} ({stats.unanswered} left unanswered)",
            f"Streak: {plural(stats.streaks.current, 'day')} "
            f"(best: {plural(stats.streaks.best, 'day')})",
        ]
        if stats.busiest_hour is not None:
            h = stats.busiest_hour
            lines.append(f"Busiest hour: {h:02d}:00-{(h + 1) % 24:02d}:00")
        recent = stats.breaks[-31:]
        lines.append(f"Breaks per day, last {len(recent)} days: {sparkline(recent)}")
        png = await self.chart(self.person_series(stats))
        attachments: tuple[Attachment, ...] = ()
        name = f"mystats-{chosen}.png"
        if png is not None:
            alt = (f"Bar chart of your breaks per day over the last {chosen}, "
                   f"{sum(stats.breaks)} in all, against {sum(stats.nudges)} nudges received.")
            attachments = (Attachment(name, png, alt),)
        return Message(
            kind=MessageKind.INFO, ephemeral=True, title=f"Your stats: last {chosen}",
            sections=(Section(None, tuple(lines)),),
            footer=f"Days in {stats.zone.key}; days off and skip dates never break a streak.",
            attachments=attachments, image=name if attachments else None)

    # ------------------------------------------------------------------ /teamstats

    async def team(self, actor: Actor, period: str
                   ) -> tuple[ZoneInfo, tuple[date, ...], list[TeamDay], TeamPeople]:
        """The period's days in the workspace's zone, per day and per schedule (read from the
        daily rollup; see ``bot/storage/rollup.py``)."""
        ws = await self.store.get_workspace(actor.platform, actor.workspace_id)
        zone_ = zone(ws.timezone)
        days, start, end = self._window(zone_, PERIODS[period])
        per_day, people = await self.events.team(str(actor.platform), actor.workspace_id,
                                                 zone_, start, end)
        return zone_, days, per_day, people

    async def teamstats(self, actor: Actor, period: str | None = None) -> Message:
        """A workspace's numbers per schedule and in all, and a chart; admins only, and
        nobody named (any figure resting on fewer than 3 people is hidden)."""
        if not actor.is_admin:
            return error(ADMIN_ONLY, title="Admins only")
        chosen = self._period(period)
        if chosen is None:
            return self._bad_period(period)
        zone_, days, per_day, people = await self.team(actor, chosen)
        if not per_day:
            return Message(
                kind=MessageKind.INFO, ephemeral=True, title="No team stats yet",
                body=(f"Nothing recorded in this workspace in the last {chosen} yet. Here's "
                      f"how to start: post break nudges in a channel with `{self.names.schedule}"
                      " add break every 60 minutes from 09:00 to 17:00 on mon-fri`; each Done "
                      "pressed under them counts here."))

        def hidden(value: int, count: int) -> str:
            return str(value) if count >= MIN_PEOPLE else FEWER

        posted = sum(d.nudged for d in per_day)
        done = sum(d.done for d in per_day)
        lines = [f"Nudges posted: {posted}",
                 f"Breaks taken: {hidden(done, people.total)}",
                 f"People taking part: {hidden(people.total, people.total)}",
                 f"Participation: {self._trend(days, per_day)}"]
        sections = [Section("Workspace", tuple(lines))]
        for schedule_id in sorted(k for k in people.counts if k is not None):
            nudged, clicks = people.counts[schedule_id]
            count = people.by_schedule.get(schedule_id, 0)
            sections.append(Section(f"Schedule #{schedule_id}", (
                f"Nudges posted: {nudged}",
                f"Done clicks: {hidden(clicks, count)}",
                f"People taking part: {hidden(count, count)}")))
        png = await self.chart(self.team_series(chosen, zone_, days, per_day))
        name = f"teamstats-{chosen}.png"
        attachments: tuple[Attachment, ...] = ()
        if png is not None:
            attachments = (Attachment(name, png, (
                f"Bar chart of breaks taken per day in this workspace over the last {chosen}, "
                "with the number of people taking part; days with fewer than 3 people are "
                "left out.")),)
        return Message(
            kind=MessageKind.INFO, ephemeral=True, title=f"Team stats: last {chosen}",
            sections=tuple(sections),
            footer=(f"Days in {zone_.key}. Nobody is named, and any figure based on {FEWER} "
                    "is hidden."),
            attachments=attachments, image=name if attachments else None)

    @staticmethod
    def _trend(days: Sequence[date], per_day: Sequence[TeamDay]) -> str:
        """People per day, first half of the period against the second (days with fewer
        than 3 people left out)."""
        people = {d.day: d.people for d in per_day if d.people >= MIN_PEOPLE}
        half = len(days) // 2
        early = [people[d] for d in days[:half] if d in people]
        late = [people[d] for d in days[half:] if d in people]
        if not early or not late:
            return f"not enough days with {MIN_PEOPLE} or more people to show a trend"
        before, after = sum(early) / len(early), sum(late) / len(late)
        word = "up" if after > before else "down" if after < before else "steady"
        return f"{word}, {before:.1f} -> {after:.1f} people a day"

    @staticmethod
    def team_series(period: str, zone_: ZoneInfo, days: Sequence[date],
                    per_day: Sequence[TeamDay]) -> charts.Series:
        by_day = {d.day: d for d in per_day}
        shown = [by_day[d] if d in by_day and by_day[d].people >= MIN_PEOPLE else None
                 for d in days]
        breaks = [row.done if row else 0 for row in shown]
        people = [float(row.people) if row else None for row in shown]
        labels, (bars, line) = _buckets(days, breaks, people)
        unit = "week" if len(labels) < len(days) else "day"
        if unit == "week":  # people per week are not a sum of people per day
            line = [None] * len(labels)
        return charts.Series(
            title=f"Team breaks, last {period}", labels=labels,
            bars=[int(b or 0) for b in bars], line=line,
            bar_label="Breaks taken", line_label="People taking part",
            x_label=f"{unit.capitalize()} ({zone_.key})", y_label=f"Count per {unit}")

    # ------------------------------------------------------------------ /remind forget

    def forget_ask(self, actor: Actor) -> Message:
        """The question first: deleting is for good, so it takes a second, deliberate step."""
        return Message(
            kind=MessageKind.INFO, ephemeral=True, title="Delete your data?",
            body=("This deletes everything I keep about you in this workspace: your reminder "
                  "settings, your break stats, the DM channel I use to reach you, any "
                  "snoozed nudge still waiting, and your calendar link. It can't be undone."),
            footer=f"Or type `{self.names.remind} forget confirm`.",
            buttons=(Button(actions.FORGET.build(), "Delete my data", ButtonStyle.DANGER),))

    async def forget(self, actor: Actor) -> Message:
        """Delete the person from this workspace and say what went."""
        gone = await forget_person(self.store, str(actor.platform), actor.workspace_id,
                                   actor.user_id)
        lines = (
            f"Reminder settings: {plural(gone.reminders, 'row')}",
            f"Stats and break history: {plural(gone.events, 'event')}",
            f"DM channel ids: {gone.dm_channels}",
            f"Nudges still waiting (snoozes): {gone.pending}",
            f"Calendar links: {gone.calendars}",
            f"Delivery records with your id removed: {gone.ledger_rows}",
            f"Other records with your id removed: {gone.other}",
        )
        return Message(kind=MessageKind.INFO, ephemeral=True, title="Your data is deleted",
                       body="Nothing I keep in this workspace names you any more.",
                       sections=(Section(None, lines),))
