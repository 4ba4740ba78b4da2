"""Busy statuses: the defaults, whole-word phrases, and the operator's setting."""

from __future__ import annotations

import pytest

from bot.meetings.presence import PresenceState
from bot.meetings.statuses import DEFAULT_RULES, StatusRules, StatusRulesError

DEFAULTS = StatusRules()


@pytest.mark.parametrize(("emoji", "text", "state"), [
    (":spiral_calendar_pad:", "In a meeting", PresenceState.IN_MEETING),
    (":spiral_calendar_pad:", "", PresenceState.IN_MEETING),
    ("", "In a meeting until 3pm", PresenceState.IN_MEETING),
    (":headphones:", "In a huddle", PresenceState.IN_MEETING),
    (":palm_tree:", "Vacationing", PresenceState.OUT_OF_OFFICE),
    (":face_with_thermometer:", "Out sick", PresenceState.OUT_OF_OFFICE),
    ("", "OOO till Monday", PresenceState.OUT_OF_OFFICE),
    ("", "Out of office", PresenceState.OUT_OF_OFFICE),
    (":bus:", "Commuting", PresenceState.AWAY),
    ("", "Focus time", PresenceState.DO_NOT_DISTURB),
])
def test_default_statuses(emoji: str, text: str, state: PresenceState) -> None:
    """Slack's suggested statuses and calendar apps' statuses hold the nudge."""
    rule = DEFAULTS.match(emoji, text)
    assert rule is not None and rule.state is state


@pytest.mark.parametrize(("emoji", "text"), [
    (":house_with_garden:", "Working remotely"), ("", "cooool"), ("", "Meeting-free Friday"),
    (None, None), ("", ""), (":coffee:", "brb"),
])
def test_other_statuses_do_not_hold(emoji: str | None, text: str | None) -> None:
    """Working remotely, no status, or words that merely contain a phrase: no hold."""
    assert DEFAULTS.match(emoji, text) is None


def test_emoji_rules_win_over_text() -> None:
    """A vacation emoji with "meeting" in the text is out of office."""
    rule = DEFAULTS.match(":palm_tree:", "in a meeting with the beach")
    assert rule is not None and rule.state is PresenceState.OUT_OF_OFFICE


def test_setting_replaces_or_extends_the_defaults() -> None:
    """`defaults` keeps the built-in list; without it the setting replaces it."""
    extended = StatusRules.parse("defaults, :focus:=dnd\n:zoom:=meeting")
    assert extended.rules[:len(DEFAULT_RULES)] == DEFAULT_RULES
    rule = extended.match(":zoom:", "")
    assert rule is not None and rule.state is PresenceState.IN_MEETING
    only = StatusRules.parse("deep work=dnd")
    assert only.match(":spiral_calendar_pad:", "In a meeting") is None
    deep = only.match("", "Deep Work, back at 2")
    assert deep is not None and deep.state is PresenceState.DO_NOT_DISTURB
    assert StatusRules.parse("  ") == StatusRules()


@pytest.mark.parametrize(("text", "says"), [
    ("in a meeting", "write it as"), (":x:=busy", "must be one of"),
    (":bad emoji:=dnd", "emoji is written like"), ("=dnd", "write it as"),
])
def test_bad_settings_say_what_to_fix(text: str, says: str) -> None:
    """A typo names the entry and the expected form."""
    with pytest.raises(StatusRulesError, match=says):
        StatusRules.parse(text)
