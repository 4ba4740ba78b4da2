"""The shape of a command declaration: one :class:`Command` per command or subcommand.

A declaration says everything every platform needs: the name (and per-platform names), what
it is for, its options with their kinds, choices, ranges and autocomplete, who may run it,
and the facade call that answers it. Discord's command tree, Slack's listeners and manifest
entries, the console, the text parser and /help are all generated from it, so a command
cannot exist on one platform and be missing or different on another.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING

from bot.core.lookup import Choice
from bot.core.messages import Message
from bot.core.ports import Platform

if TYPE_CHECKING:
    from bot.commands.call import Call, Facades

ALL_PLATFORMS = frozenset(Platform)


class Kind(StrEnum):
    """What an option holds. It decides the option's type where the platform has types
    (Discord), and how much of typed text it takes (Slack and the console)."""

    TEXT = "text"  # one word, or a "quoted phrase"
    WORDS = "words"  # free text, several words as typed ("thread the needle", "lower back")
    INTEGER = "integer"  # a whole number; min_value/max_value bound it everywhere
    BOOLEAN = "boolean"  # typed as a flag word (its name: `remove`) or name=yes/no
    CHANNEL = "channel"  # a channel mention or id; left out, the channel typed in
    DURATION = "duration"  # 30, 30m, 1h 30m, "90 minutes"
    TIME = "time"  # 09:00, 9am, "5 pm"
    DAYS = "days"  # mon-fri, weekends, "mon to fri"
    CRON = "cron"  # five crontab fields, quoted or not: cron=0 9 * * 1-5
    URL = "url"  # a link (Slack's <...> escaping removed)


class Access(StrEnum):
    EVERYONE = "everyone"
    # Workspace admins only (Discord: Manage Server; Slack: workspace admins/owners or
    # SLACK_ADMIN_IDS). Hidden from others where the platform can hide it, and refused
    # server-side on every platform before the answer runs.
    ADMIN = "admin"


ChoiceSource = Callable[["Facades"], Sequence[Choice]]
"""Choices known only at run time (the content's body areas)."""

Completer = Callable[["Facades", str], Sequence[Choice]]
"""Autocomplete: suggestions for what has been typed so far (Discord shows them; the
console's tab completion may use them)."""

Answer = Callable[["Call"], Message | Awaitable[Message]]
"""The facade call that answers a command; it gets the parsed, typed arguments."""


@dataclass(frozen=True, slots=True)
class Option:
    """One argument of a command.

    ``choices`` are the valid values: a one-word option refuses anything else; a WORDS
    option (free text a facade reads forgivingly, like /stretches' body areas) shows them as
    a menu on Discord and passes whatever was typed on. ``positional`` options may be typed
    without their name, in declaration order (``/remind on 30 09:00 17:00 mon-fri``); every
    option may be typed as ``name=value`` or ``name value``, under its name or an alias
    (``from 09:00 to 17:00``). ``also`` are literal words accepted besides the kind's values
    (``off``). ``then``: a ``09:00-17:00`` range typed here fills this option and ``then``.
    ``more`` are run-time choices besides ``choices`` (a schedule's ``routine:<id>`` kinds):
    Discord lists them with the others; typed text accepts any value matching ``more_pattern``
    and leaves checking it to the facade.
    ``default`` is what typed text means when the option is left out; a required option with
    a default is required only where a form can insist on it (Discord).
    """

    name: str
    description: str
    kind: Kind = Kind.TEXT
    required: bool = False
    aliases: tuple[str, ...] = ()
    positional: bool = True
    choices: tuple[Choice, ...] | ChoiceSource = ()
    autocomplete: Completer | None = None
    min_value: int | None = None
    max_value: int | None = None
    default: str | int | bool | None = None
    also: tuple[str, ...] = ()
    then: str | None = None
    more: ChoiceSource | None = None
    more_pattern: str | None = None
    # How a value is called in messages ("schedule id"), the question asked when a required
    # one is missing, and a value for usage lines ("09:00").
    noun: str = ""
    ask: str = ""
    example: str = ""

    @property
    def keys(self) -> tuple[str, ...]:
        return (self.name, *self.aliases)

    @property
    def called(self) -> str:
        return self.noun or self.name.replace("_", " ")


@dataclass(frozen=True, slots=True, eq=False)  # a declaration is itself: compared by identity
class Command:
    """A command, a command group (``subcommands``) or a subcommand.

    ``names`` rename it on a platform (Slack keeps ``/remind`` for itself: deskbreak's is
    ``/reminders`` there); ``aliases`` are other words for a subcommand in typed text
    (``tz``). A group's ``default`` is the subcommand a bare ``/remind`` runs. ``personal``
    commands belong to the person wherever they type them (their reminders, their buttons);
    ``public`` ones usually answer in the channel (Discord defers them publicly);
    ``opens_dm`` means a good answer will be followed by DMs, so adapters that must open a
    DM channel ahead of time do it then. ``examples`` are typed forms (without the command
    name) shown in usage lines and, the closest one, in error messages. A ``pure`` command's
    answer depends on its arguments alone (content is fixed for the life of the process), not
    on who asks, where or when: an adapter may answer a repeat from memory without building
    the actor, the place and the call (Discord does, for ``/stretch``).
    """

    name: str
    description: str
    answer: Answer | None = None
    options: tuple[Option, ...] = ()
    subcommands: tuple[Command, ...] = ()
    access: Access = Access.EVERYONE
    personal: bool = False
    public: bool = False
    opens_dm: bool = False
    names: Mapping[Platform, str] = field(default_factory=dict)
    aliases: tuple[str, ...] = ()
    default: str | None = None
    examples: tuple[str, ...] = ()
    platforms: frozenset[Platform] = ALL_PLATFORMS
    pure: bool = False

    def __post_init__(self) -> None:
        if (self.answer is None) == (not self.subcommands):
            raise ValueError(f"/{self.name}: a command has an answer or subcommands, not both")
        if self.pure and (self.access is not Access.EVERYONE or self.personal or self.opens_dm):
            raise ValueError(f"/{self.name}: a pure command answers everyone alike")
        if self.default is not None and self.default not in {c.name for c in self.subcommands}:
            raise ValueError(f"/{self.name}: default {self.default!r} is not a subcommand")

    def name_on(self, platform: Platform) -> str:
        return self.names.get(platform, self.name)

    def option(self, name: str) -> Option:
        return next(o for o in self.options if o.name == name)

    def subcommand(self, word: str) -> Command | None:
        """The subcommand ``word`` names (its name or an alias, any case)."""
        word = word.lower()
        return next((c for c in self.subcommands if word == c.name or word in c.aliases), None)


@dataclass(frozen=True, slots=True)
class Path:
    """A runnable command: the top-level command and, for a group, the subcommand."""

    top: Command
    leaf: Command

    @property
    def words(self) -> tuple[str, ...]:
        return (self.top.name,) if self.top is self.leaf else (self.top.name, self.leaf.name)

    @property
    def access(self) -> Access:
        admin = Access.ADMIN in (self.top.access, self.leaf.access)
        return Access.ADMIN if admin else Access.EVERYONE

    @property
    def personal(self) -> bool:
        return self.top.personal or self.leaf.personal

    @property
    def public(self) -> bool:
        return self.top.public or self.leaf.public

    def typed(self, platform: Platform, rest: str = "") -> str:
        """``/reminders on every=30`` as typed on ``platform``."""
        words = [f"/{self.top.name_on(platform)}"]
        if self.leaf is not self.top:
            words.append(self.leaf.name)
        if rest:
            words.append(rest)
        return " ".join(words)


@dataclass(frozen=True, slots=True)
class Table:
    """Every command, in the order /help lists them."""

    commands: tuple[Command, ...]

    def __post_init__(self) -> None:
        names = [c.name for c in self.commands]
        if len(names) != len(set(names)):
            raise ValueError("two commands share a name")

    def on(self, platform: Platform) -> tuple[Command, ...]:
        """The top-level commands that exist on ``platform``."""
        return tuple(c for c in self.commands if platform in c.platforms)

    def find(self, platform: Platform, name: str) -> Command | None:
        """The command typed as ``/name`` on ``platform`` (its name there, any case)."""
        name = name.lower()
        return next((c for c in self.on(platform) if c.name_on(platform) == name), None)

    def paths(self, platform: Platform) -> tuple[Path, ...]:
        """Every runnable command on ``platform``: commands and their subcommands."""
        out: list[Path] = []
        for command in self.on(platform):
            if command.subcommands:
                out += [Path(command, sub) for sub in command.subcommands
                        if platform in sub.platforms]
            else:
                out.append(Path(command, command))
        return tuple(out)

    def path(self, *words: str) -> Path:
        """The runnable command with these (canonical) names, e.g. ``path("remind", "on")``."""
        top = next(c for c in self.commands if c.name == words[0])
        leaf = top if len(words) == 1 else top.subcommand(words[1])
        if leaf is None:
            raise KeyError(" ".join(words))
        return Path(top, leaf)
