"""What every scheduling command group shares: the facade's dependencies, the admin check,
the command names replies point at, and how times are shown to people."""

from __future__ import annotations

import copy
import functools
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Concatenate, ParamSpec, TypeVar
from zoneinfo import ZoneInfo

from bot.core.clock import Clock
from bot.core.events import EventLog, NoEventLog
from bot.core.messages import Message, error
from bot.core.ports import Actor, Notifier, Platform
from bot.scheduling.audit import Audit
from bot.scheduling.meetings import Meetings
from bot.scheduling.service import SchedulerService
from bot.scheduling.specs import zone
from bot.settings import LimitSettings
from bot.storage.records import WorkspaceRow
from bot.storage.store import Store

if TYPE_CHECKING:
    from bot.scheduling.stats import StatsCommands

ChannelChecker = Callable[[Platform, str, str], Awaitable[str | None]]
"""(platform, workspace_id, channel_id) -> None when the bot can post there, else a reason."""

ADMIN_ONLY = "Only workspace admins can change schedules and settings."

_P = ParamSpec("_P")
_S = TypeVar("_S", bound="SchedulingBase")


@dataclass(frozen=True, slots=True)
class CommandNames:
    """What people type for each command group on the adapter's platform.

    Replies point at the next command to run, and the names differ by platform (Slack keeps
    ``/remind`` for its own reminders, so deskbreak's is ``/reminders`` there). Each adapter
    supplies its names (``bot.commands`` derives them from the command table), so the core
    never has to know which platform it is talking to.
    """

    remind: str = "/remind"
    schedule: str = "/schedule"
    config: str = "/config"


def notifier_channel_checker(notifiers: Mapping[Platform, Notifier]) -> ChannelChecker:
    """Ask the platform's own adapter whether the bot can post in a channel."""

    async def check(platform: Platform, workspace_id: str, channel_id: str) -> str | None:
        notifier = notifiers.get(platform)
        if notifier is None:
            return f"the {platform} adapter is not running"
        return await notifier.check_channel(workspace_id, channel_id)

    return check


def admin_only(
    method: Callable[Concatenate[_S, Actor, _P], Awaitable[Message]],
) -> Callable[Concatenate[_S, Actor, _P], Awaitable[Message]]:
    """Refuse a non-admin before the method runs, so a refused request changes nothing.

    The command table refuses them first on every platform; this keeps the facade safe for
    any other caller (the config file, tests, a future adapter).
    """

    @functools.wraps(method)
    async def guarded(self: _S, actor: Actor, /, *args: _P.args, **kwargs: _P.kwargs) -> Message:
        if not actor.is_admin:
            return error(ADMIN_ONLY, title="Admins only")
        return await method(self, actor, *args, **kwargs)

    return guarded


class SchedulingBase:
    """The facade's dependencies. ``service`` (optional) powers /schedule test; ``audit``
    (optional) is told about every admin change once it is made (bot/scheduling/audit.py);
    ``meetings`` (optional) powers ``/remind calendar`` (bot/scheduling/meetings.py)."""

    def __init__(
        self,
        store: Store,
        clock: Clock,
        limits: LimitSettings | None,
        channel_checker: ChannelChecker | None,
        *,
        service: SchedulerService | None = None,
        names: CommandNames | None = None,
        audit: Audit | None = None,
        meetings: Meetings | None = None,
        events: EventLog | None = None,
    ) -> None:
        self.store = store
        self.meetings = meetings
        self.audit = audit
        # Where Done, Snooze and /break are recorded for stats (bot/core/events.py).
        self.events: EventLog = events or NoEventLog()
        # The /mystats, /teamstats and /remind forget facade, when stats run in this process
        # (bot/scheduling/stats.py); it travels with this facade to every adapter.
        self.stats: StatsCommands | None = None
        self.names = names or CommandNames()
        self.clock = clock
        self.channel_checker = channel_checker
        self.service = service
        self.max_schedules = (limits or LimitSettings()).max_schedules

    def with_names(self: _S, names: CommandNames) -> _S:
        """The same facade (store, channel checks, scheduler) replying with other command
        names: what a second adapter in the same process gets."""
        clone = copy.copy(self)
        clone.names = names
        if self.stats is not None:
            clone.stats = self.stats.with_names(names)
        return clone

    def with_audit(self: _S, audit: Audit | None) -> _S:
        """The same facade recording its changes through ``audit`` (the dashboard tags its
        own changes so the log can say where each one came from)."""
        clone = copy.copy(self)
        clone.audit = audit
        return clone

    async def _audited(self, actor: Actor, action: str, detail: str) -> None:
        if self.audit is not None:
            await self.audit.record(actor, action, detail)

    async def _person_zone(self, actor: Actor, own: str | None) -> ZoneInfo:
        if own:
            return zone(own)
        ws = await self.store.get_workspace(actor.platform, actor.workspace_id)
        return zone(ws.timezone)

    async def _zone_and_workspace(
        self, actor: Actor, own: str | None
    ) -> tuple[ZoneInfo, WorkspaceRow]:
        ws = await self.store.get_workspace(actor.platform, actor.workspace_id)
        return zone(own or ws.timezone), ws


def when(moment: datetime | None, tz: ZoneInfo) -> str:
    """``Mon 2027-03-15 09:00 EDT (UTC-04:00)``: local time for people, the offset for doubt."""
    if moment is None:
        return "never"
    local = moment.astimezone(tz)
    offset = local.strftime("%z")
    return f"{local:%a %Y-%m-%d %H:%M} {local.tzname()} (UTC{offset[:3]}:{offset[3:]})"
