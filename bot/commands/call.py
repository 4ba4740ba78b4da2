"""One run of a command: who asked, where, with which arguments, and the facades that answer.

Adapters build a :class:`Call` from what their platform sent (an interaction, a slash
command's text, a line typed in the console) and hand it to ``bot.commands.run``; answers only
ever see this, never a platform object.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from bot.commands.spec import Path
from bot.core.commands import ContentCommands
from bot.core.ports import Actor, Target
from bot.scheduling.commands import SchedulingCommands
from bot.scheduling.stats import StatsCommands

Value = str | int | bool


class Unavailable(Exception):  # noqa: N818 - a state of this process, not a failure
    """The command's facade is not running in this process (say, no scheduler)."""


@dataclass(slots=True)
class Facades:
    """What answers commands. Scheduling is attached once the platforms' notifiers exist.

    A new area of the bot (stats, routines) adds its facade here as an optional field; a
    command whose facade is missing answers that it is not running, never with a traceback.
    """

    content: ContentCommands
    scheduling: SchedulingCommands | None = None


def with_defaults(path: Path, args: Mapping[str, Value]) -> dict[str, Value]:
    """``args`` with each missing option's default: what a platform whose forms leave an
    option out (Discord) passes, so answers see the same arguments as typed text gives."""
    out = dict(args)
    for option in path.leaf.options:
        if option.name not in out and option.default is not None:
            out[option.name] = option.default
    return out


@dataclass(frozen=True, slots=True)
class Call:
    path: Path
    actor: Actor
    # Where it was asked: a channel, or a DM. ``place.key`` keys per-place rotations (tips).
    place: Target
    facades: Facades
    args: Mapping[str, Value] = field(default_factory=dict)

    @property
    def content(self) -> ContentCommands:
        return self.facades.content

    @property
    def scheduling(self) -> SchedulingCommands:
        if self.facades.scheduling is None:
            raise Unavailable("Schedules and reminders are not running in this deskbreak process.")
        return self.facades.scheduling

    @property
    def stats(self) -> StatsCommands:
        """The stats facade, which travels with the scheduling facade (both need the store
        and the scheduler's process)."""
        stats = self.scheduling.stats
        if stats is None:
            raise Unavailable("Stats are not running in this deskbreak process.")
        return stats

    def text(self, name: str) -> str | None:
        value = self.args.get(name)
        return None if value is None else str(value)

    def integer(self, name: str) -> int | None:
        value = self.args.get(name)
        return value if isinstance(value, int) and not isinstance(value, bool) else None

    def flag(self, name: str) -> bool:
        return self.args.get(name) is True
