"""Button actions: the one place that builds them and reads them back.

A button's action is a short, stable string (``done``, ``snooze:10``,
``show_stretch:pigeon``, ``page:hips:*:2``) that every platform carries as the button's id, so
a button on a message sent yesterday still works after a restart with nothing kept in memory.
The core builds them (``SNOOZE.build(10)``); adapters match clicks against :func:`pattern` and
hand the string to :func:`parse`; the command table (``bot/commands/buttons.py``) says what
each kind does.

Adding a kind: one :class:`ActionKind` here and one entry in ``ACTIONS``; every platform's
matcher is generated from that list.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MAX_LENGTH = 100  # Discord's custom_id limit (Slack allows 255)


@dataclass(frozen=True, slots=True)
class Field:
    """One ``:``-separated part of an action; ``regex`` is what it may hold."""

    name: str
    regex: str


@dataclass(frozen=True, slots=True)
class Action:
    """A parsed action: its kind's name and its fields by name."""

    kind: str
    values: dict[str, str]

    def __getitem__(self, name: str) -> str:
        return self.values[name]


@dataclass(frozen=True, slots=True)
class ActionKind:
    """``name`` followed by its fields; ``optional`` fields may all be left off together
    (``show_stretch`` alone means "any stretch")."""

    name: str
    fields: tuple[Field, ...] = ()
    optional: bool = False

    @property
    def regex(self) -> str:
        """The kind's expression, each field a named group."""
        return self._regex(named=True)

    def _regex(self, *, named: bool) -> str:
        group = "(?P<{name}>{regex})" if named else "(?:{regex})"
        parts = "".join(":" + group.format(name=f.name, regex=f.regex) for f in self.fields)
        if parts and self.optional:
            parts = f"(?:{parts})?"
        return f"{re.escape(self.name)}{parts}"

    def build(self, *values: object) -> str:
        """The action string; refuses values its own pattern would not read back."""
        text = ":".join((self.name, *(str(v) for v in values)))
        if len(text) > MAX_LENGTH or not re.fullmatch(self.regex, text):
            raise ValueError(f"{text!r} is not a valid {self.name} action")
        return text


STRETCH_ID = r"[a-z0-9-]{1,64}"

# "Show me how" on a nudge or suggestion: the card of that stretch (alone: any desk stretch).
SHOW_STRETCH = ActionKind("show_stretch", (Field("stretch", STRETCH_ID),), optional=True)
# "Done": records the break taken.
DONE = ActionKind("done")
# "Snooze N min": the next reminder N minutes from now.
SNOOZE = ActionKind("snooze", (Field("minutes", r"[0-9]{1,4}"),))
# Previous/next on /stretches: the filters ("*" for none) and the page (from 0).
PAGE = ActionKind(
    "page",
    (
        Field("area", r"[a-z*-]{1,32}"),
        Field("where", r"[a-z*]{1,16}"),
        Field("page", r"[0-9]{1,4}"),
    ),
)

# "Delete my data" under /remind forget's question: the person confirms it.
FORGET = ActionKind("forget")

ACTIONS: tuple[ActionKind, ...] = (SHOW_STRETCH, DONE, SNOOZE, PAGE, FORGET)
_BY_NAME = {kind.name: kind for kind in ACTIONS}


def pattern(kinds: tuple[ActionKind, ...] = ACTIONS) -> str:
    """One regular expression that matches every action of ``kinds`` and nothing else
    (without anchors: Discord's dynamic items and Slack's matchers anchor it themselves)."""
    return "|".join(f"(?:{kind._regex(named=False)})" for kind in kinds)


def parse(action: str) -> Action | None:
    """The action ``action`` spells, or None for anything this build does not know."""
    if len(action) > MAX_LENGTH:
        return None
    kind = _BY_NAME.get(action.partition(":")[0])
    if kind is None:
        return None
    match = re.fullmatch(kind.regex, action)
    if match is None:
        return None
    return Action(kind.name, {k: v for k, v in match.groupdict().items() if v is not None})


def page(area: str | None, where: str | None, number: int) -> str:
    """The /stretches page button for these filters (None: no filter)."""
    return PAGE.build(area or "*", where or "*", number)
