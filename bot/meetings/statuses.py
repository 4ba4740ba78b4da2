"""Which custom statuses mean "not now": a configurable list with sensible defaults.

People (and their calendar apps) say they are busy through a status: Slack's own suggestions
are ":spiral_calendar_pad: In a meeting", ":bus: Commuting", ":face_with_thermometer: Out
sick" and ":palm_tree: Vacationing"; the Google Calendar and Outlook apps set the meeting one
by themselves; a huddle shows ":headphones: In a huddle". A rule matches either the emoji
(exactly, ``:name:``) or a phrase in the text (case-insensitive, whole words), and names the
state it means.

Operators change the list with one setting (``DESKBREAK_BUSY_STATUSES``), entries separated by
commas or new lines, each ``<:emoji:|phrase>=<meeting|dnd|away|ooo|offline>``; the word
``defaults`` stands for the built-in list, so ``defaults, :focus:=dnd`` adds one rule and
``:spiral_calendar_pad:=meeting`` alone replaces them all.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from bot.meetings.presence import PresenceState

_STATES = {
    "meeting": PresenceState.IN_MEETING,
    "dnd": PresenceState.DO_NOT_DISTURB,
    "away": PresenceState.AWAY,
    "ooo": PresenceState.OUT_OF_OFFICE,
    "offline": PresenceState.OFFLINE,
}
_EMOJI = re.compile(r"^:[a-z0-9_+\-']+:$")
MAX_RULES = 200


class StatusRulesError(ValueError):
    """A bad ``DESKBREAK_BUSY_STATUSES`` entry; the message names the entry and the fix."""


@dataclass(frozen=True, slots=True)
class StatusRule:
    pattern: str  # ":emoji:" or a phrase
    state: PresenceState

    @property
    def is_emoji(self) -> bool:
        return bool(_EMOJI.match(self.pattern))

    def matches(self, emoji: str, text: str) -> bool:
        if self.is_emoji:
            return emoji.strip().lower() == self.pattern
        return bool(_phrase(self.pattern).search(text))


@cache
def _phrase(pattern: str) -> re.Pattern[str]:
    """A phrase as whole words: "ooo" matches "OOO till Monday", not "cooool"."""
    return re.compile(r"(?<!\w)" + re.escape(pattern) + r"(?!\w)", re.IGNORECASE)


def _rules(state: PresenceState, *patterns: str) -> tuple[StatusRule, ...]:
    return tuple(StatusRule(p, state) for p in patterns)


DEFAULT_RULES: tuple[StatusRule, ...] = (
    *_rules(PresenceState.IN_MEETING, ":spiral_calendar_pad:", ":calendar:", ":date:",
            ":headphones:", "in a meeting", "in meetings", "on a call", "in a call",
            "in a huddle", "presenting"),
    *_rules(PresenceState.OUT_OF_OFFICE, ":palm_tree:", ":face_with_thermometer:",
            ":airplane:", "out of office", "ooo", "vacation", "vacationing", "on leave",
            "on holiday", "out sick"),
    *_rules(PresenceState.AWAY, ":bus:", "commuting", "lunch", "away"),
    *_rules(PresenceState.DO_NOT_DISTURB, "do not disturb", "focus time", "focusing",
            "heads down"),
)


@dataclass(frozen=True, slots=True)
class StatusRules:
    rules: tuple[StatusRule, ...] = DEFAULT_RULES

    def match(self, emoji: str | None, text: str | None) -> StatusRule | None:
        """The first rule the status matches (emoji rules first), or None."""
        emoji, text = emoji or "", text or ""
        if not emoji and not text:
            return None
        for rule in self.rules:
            if rule.is_emoji and rule.matches(emoji, text):
                return rule
        for rule in self.rules:
            if not rule.is_emoji and rule.matches(emoji, text):
                return rule
        return None

    @classmethod
    def parse(cls, text: str | None) -> StatusRules:
        """Rules from the setting's text (None or blank: the defaults)."""
        if text is None or not text.strip():
            return cls()
        rules: list[StatusRule] = []
        for raw in re.split(r"[,\n]", text):
            entry = raw.strip()
            if not entry:
                continue
            if entry.lower() == "defaults":
                rules.extend(DEFAULT_RULES)
                continue
            pattern, sep, state = entry.rpartition("=")
            pattern, state = pattern.strip().lower(), state.strip().lower()
            if not sep or not pattern:
                raise StatusRulesError(
                    f"busy status {entry!r}: write it as <:emoji: or phrase>=<state>, "
                    f"e.g. ':spiral_calendar_pad:=meeting'")
            if state not in _STATES:
                raise StatusRulesError(
                    f"busy status {entry!r}: the state must be one of {', '.join(_STATES)}")
            if pattern.startswith(":") and not _EMOJI.match(pattern):
                raise StatusRulesError(
                    f"busy status {entry!r}: an emoji is written like :palm_tree:")
            rules.append(StatusRule(pattern, _STATES[state]))
        if len(rules) > MAX_RULES:
            raise StatusRulesError(f"busy statuses: at most {MAX_RULES} rules")
        return cls(tuple(dict.fromkeys(rules)))
