"""The meetings settings: defaults, switches from the environment, and clear errors."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from bot.meetings.presence import PresenceState
from bot.meetings.settings import MeetingSettings


def test_defaults_keep_discord_presence_and_loopback_off() -> None:
    """Off by default: the Discord intent and the test-only loopback; Slack checks on."""
    settings = MeetingSettings.from_env({})
    assert (settings.discord_presence, settings.slack_presence,
            settings.calendar_allow_loopback) == (False, True, False)


def test_switches_and_statuses_come_from_the_environment() -> None:
    """DESKBREAK_DISCORD_PRESENCE=1 turns the intent on; statuses parse into rules."""
    settings = MeetingSettings.from_env({"DESKBREAK_DISCORD_PRESENCE": "1",
                                         "DESKBREAK_SLACK_PRESENCE": "off",
                                         "DESKBREAK_BUSY_STATUSES": "defaults, :zoom:=meeting"})
    assert settings.discord_presence and not settings.slack_presence
    rule = settings.status_rules().match(":zoom:", "")
    assert rule is not None and rule.state is PresenceState.IN_MEETING


@pytest.mark.parametrize(("env", "says"), [
    ({"DESKBREAK_DISCORD_PRESENCE": "maybe"}, "discord_presence"),
    ({"DESKBREAK_BUSY_STATUSES": ":x:=busy"}, "must be one of"),
])
def test_bad_values_name_the_setting(env: dict[str, str], says: str) -> None:
    """A typo fails loudly and says which setting and what is allowed."""
    with pytest.raises(ValidationError, match=says):
        MeetingSettings.from_env(env)
