"""``/groupbreak`` and its buttons: set up a break together, join or leave it, count Done.

The facade posts the card itself (through the platform's :class:`GroupChannel`) rather than
answering with it, because the card's message id is what the start hangs its thread from and
what joins edit; the person who asked gets a private "posted" answer. Starting the break at
its time is the scheduler's (``bot/scheduling/groupbreaks.py``).
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TypeVar
from zoneinfo import ZoneInfo

from bot.core import groupbreak as gb
from bot.core.events import BreakEvent, EventKind, EventLog
from bot.core.messages import Message, error, info
from bot.core.ports import Actor, Platform, Target, TargetKind
from bot.core.text import echo, plural
from bot.scheduling.commands.base import SchedulingBase
from bot.scheduling.specs import zone
from bot.storage.groupbreaks import GroupBreakRow, GroupBreakStore, GroupStatus

DEFAULT_MINUTES = 5
MIN_MINUTES, MAX_MINUTES = 1, 60
NOT_RUNNING = "Group breaks are not running in this deskbreak process."
DM_WORKSPACE = "@me"  # Discord's DMs (bot/adapters/discord/respond.py)
ELSEWHERE = "That group break belongs to another workspace."

_G = TypeVar("_G", bound="GroupBreakCommands")


@dataclass(frozen=True, slots=True)
class GroupBreakDeps:
    """What group breaks need beyond the scheduling facade's own store and clock."""

    store: GroupBreakStore
    channels: Mapping[Platform, gb.GroupChannel]
    routines: gb.RoutineCatalog
    events: EventLog


def start_time(now: datetime, minutes: int) -> datetime:
    """``minutes`` from now, on the next whole minute: the card promises "14:05", so the
    break starts at 14:05:00, not at 14:05:37."""
    moment = now + timedelta(minutes=minutes)
    whole = moment.replace(second=0, microsecond=0)
    return whole if whole == moment else whole + timedelta(minutes=1)


def local_at(moment: datetime, tz: ZoneInfo) -> str:
    return f"{moment.astimezone(tz):%H:%M}"


def zone_label(tz: ZoneInfo) -> str:
    return "UTC" if tz.key in ("UTC", "Etc/UTC") else f"{tz.key.replace('_', ' ')} time"


class GroupBreakCommands(SchedulingBase):
    groups: GroupBreakDeps | None = None

    def with_groups(self: _G, deps: GroupBreakDeps | None) -> _G:
        """The same facade with group breaks switched on (``build_scheduling`` does this)."""
        clone = copy.copy(self)
        clone.groups = deps
        return clone

    async def groupbreak(self, actor: Actor, place: Target, in_minutes: int | None = None,
                         routine: str | None = None) -> Message:
        """Post a group break's card in ``place``; the asker is in."""
        deps = self.groups
        if deps is None:
            return error(NOT_RUNNING)
        if place.kind is TargetKind.DM or actor.workspace_id == DM_WORKSPACE:
            return error("A group break needs a channel: run /groupbreak in the channel "
                         "where people should join.")
        minutes = DEFAULT_MINUTES if in_minutes is None else in_minutes
        if not MIN_MINUTES <= minutes <= MAX_MINUTES:
            return error(f"Start it in {MIN_MINUTES} to {MAX_MINUTES} minutes "
                         f"(`{echo(minutes)}` is outside that).")
        pick = deps.routines.pick(routine)
        if pick is None:
            known = ", ".join(deps.routines.names()) or "none yet"
            return error(f"I don't know a routine called `{echo(routine)}`. Routines: {known}.")
        channel = deps.channels.get(Platform(actor.platform))
        if channel is None:
            return error(NOT_RUNNING)
        tz = await self._person_zone(actor, None)
        starts = start_time(self.clock.now(), minutes)
        row = await deps.store.create(
            platform=actor.platform, workspace_id=actor.workspace_id, channel_id=place.id,
            created_by=actor.user_id, display_name=actor.display_name, routine=pick.id,
            title=pick.title, starts_at=starts)
        at = local_at(starts, tz)
        try:
            posted = await channel.post_card(actor.workspace_id, place.id,
                                             gb.card(row.id, at, pick.title, _names(row),
                                                     zone=zone_label(tz)))
        except gb.GroupRefused as exc:
            await deps.store.discard(row.id)
            return error(str(exc))
        except BaseException:
            await deps.store.discard(row.id)
            raise
        await deps.store.opened(row.id, posted.message_id)
        return info("Group break posted",
                    f"{pick.title.capitalize()} at {at} ({zone_label(tz)}), in "
                    f"{plural(minutes, 'minute')}. You're in; press Leave on the card if "
                    "plans change.")

    async def group_join(self, actor: Actor, group_id: int) -> Message:
        """Count me in: the card again, with the new count (it replaces the clicked card)."""
        deps = self.groups
        if deps is None:
            return error(NOT_RUNNING)
        if await self._elsewhere(deps, actor, group_id):
            return error(ELSEWHERE)
        change = await deps.store.join(group_id, actor.user_id, actor.display_name)
        return await self._card_after(change.group)

    async def group_leave(self, actor: Actor, group_id: int) -> Message:
        deps = self.groups
        if deps is None:
            return error(NOT_RUNNING)
        if await self._elsewhere(deps, actor, group_id):
            return error(ELSEWHERE)
        change = await deps.store.leave(group_id, actor.user_id)
        return await self._card_after(change.group)

    async def group_done(self, actor: Actor, group_id: int) -> Message:
        """Done after a group break: a break taken, once per person who joined."""
        deps = self.groups
        if deps is None:
            return error(NOT_RUNNING)
        row = await deps.store.get(group_id)
        if row is None or _elsewhere(row, actor):
            return error("That group break no longer exists." if row is None else ELSEWHERE)
        if actor.user_id not in row.user_ids:
            return info("Not counted here",
                        "Only the people who joined this group break count it with Done. "
                        "/done logs a break of your own.")
        if row.status is not GroupStatus.STARTED:
            return info("Not yet", "This group break hasn't started; press Done at the end.")
        if not await deps.store.mark_done(group_id, actor.user_id):
            return info("Already counted", "Your group break is already counted. Nice one!")
        await deps.events.record(BreakEvent(
            kind=EventKind.DONE, platform=Platform(actor.platform),
            workspace_id=actor.workspace_id, user_id=actor.user_id, at=self.clock.now(),
            source="group"))
        return info("Nice one!", f"Group break counted: {row.title}, together with "
                    f"{plural(len(row.people) - 1, 'other person', 'others')}.")

    async def _elsewhere(self, deps: GroupBreakDeps, actor: Actor, group_id: int) -> bool:
        row = await deps.store.get(group_id)
        return row is not None and _elsewhere(row, actor)

    async def _card_after(self, row: GroupBreakRow | None) -> Message:
        if row is None:
            return error("That group break no longer exists.")
        ws = await self.store.get_workspace(row.platform, row.workspace_id)
        tz = zone(ws.timezone)
        at = local_at(row.starts_at, tz)
        if row.status is GroupStatus.OPEN:
            return gb.card(row.id, at, row.title, _names(row), zone=zone_label(tz))
        if row.status is GroupStatus.MISSED:
            return gb.missed_card(at, row.title)
        return gb.started_card(at, row.title, _names(row))


def _elsewhere(row: GroupBreakRow, actor: Actor) -> bool:
    """A button naming a break of another platform or workspace (a stale or forged id)."""
    return (row.platform, row.workspace_id) != (str(actor.platform), actor.workspace_id)


def _names(row: GroupBreakRow) -> list[str]:
    return [p.display_name for p in row.people]
