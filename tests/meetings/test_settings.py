"""The meetings settings (``settings.meetings``): defaults, switches from the environment, and
clear errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.meetings.presence import PresenceState
from bot.settings import SettingsError, load_settings


def test_defaults_keep_discord_presence_and_loopback_off() -> None:
    """Off by default: the Discord intent and the test-only loopback; Slack checks on."""
    settings = load_settings({}).meetings
    assert (settings.discord_presence, settings.slack_presence,
            settings.calendar_allow_loopback) == (False, True, False)


def test_switches_and_statuses_come_from_the_environment() -> None:
    """DESKBREAK_DISCORD_PRESENCE=1 turns the intent on; statuses parse into rules."""
    settings = load_settings({"DESKBREAK_DISCORD_PRESENCE": "1",
                              "DESKBREAK_SLACK_PRESENCE": "off",
                              "DESKBREAK_BUSY_STATUSES": "defaults, :zoom:=meeting"}).meetings
    assert settings.discord_presence and not settings.slack_presence
    rule = settings.status_rules().match(":zoom:", "")
    assert rule is not None and rule.state is PresenceState.IN_MEETING


@pytest.mark.parametrize(("env", "says"), [
    ({"DESKBREAK_DISCORD_PRESENCE": "maybe"}, "DESKBREAK_DISCORD_PRESENCE"),
    ({"DESKBREAK_BUSY_STATUSES": ":x:=busy"}, "DESKBREAK_BUSY_STATUSES: .*must be one of"),
])
def test_bad_values_name_the_setting(env: dict[str, str], says: str) -> None:
    """A typo fails loudly and says which setting and what is allowed."""
    with pytest.raises(SettingsError, match=says):
        load_settings(env)


def test_meeting_settings_come_from_the_config_file_too(tmp_path: Path) -> None:
    """Like every part, the meetings settings take flat keys in the YAML config file."""
    config = tmp_path / "deskbreak.yaml"
    config.write_text("discord_presence: true\nbusy_statuses: ':focus:=dnd'\n")
    settings = load_settings({}, config_path=config).meetings
    assert settings.discord_presence and settings.busy_statuses == ":focus:=dnd"
