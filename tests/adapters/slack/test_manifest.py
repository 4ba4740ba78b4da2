"""deploy/slack-manifest.yaml matches what the app registers and what Slack accepts."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import SecretStr

from bot.adapters.slack import SlackAdapter, SlackConfig
from bot.adapters.slack.manifest import slash_commands
from bot.core.clock import FakeClock
from bot.core.commands import ContentCommands
from tests.fakes.slack import BOT_TOKEN, SIGNING_SECRET

MANIFEST = Path(__file__).resolve().parents[3] / "deploy" / "slack-manifest.yaml"


@pytest.fixture(scope="module")
def manifest() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(MANIFEST.read_text(encoding="utf-8"))
    return data


@pytest.fixture
def registered(content: ContentCommands, scheduling: Any, clock: FakeClock) -> tuple[str, ...]:
    config = SlackConfig(bot_token=SecretStr(BOT_TOKEN), signing_secret=SecretStr(SIGNING_SECRET))
    return SlackAdapter(config, content, scheduling, clock=clock).commands


def test_manifest_lists_exactly_the_registered_commands(
    manifest: dict[str, Any], registered: tuple[str, ...]
) -> None:
    """Every command the app registers is in the manifest, and nothing else is."""
    listed = [c["command"] for c in manifest["features"]["slash_commands"]]
    assert sorted(listed) == sorted(registered)
    assert len(listed) == len(set(listed))


def test_manifest_commands_are_the_tables(manifest: dict[str, Any]) -> None:
    """Names, descriptions and usage hints are what the command table generates, so Slack's
    menu cannot drift from what the app answers (print them: python -m
    bot.adapters.slack.manifest)."""
    assert manifest["features"]["slash_commands"] == slash_commands()


def test_commands_are_valid_for_slack(manifest: dict[str, Any]) -> None:
    """Each command has a description, escapes channel mentions, and stays within Slack limits."""
    for command in manifest["features"]["slash_commands"]:
        name = command["command"]
        assert name.startswith("/") and name == name.lower() and len(name) <= 32
        assert name != "/remind", "Slack's built-in /remind would shadow it"
        assert 0 < len(command["description"]) <= 2000
        assert len(command.get("usage_hint", "")) <= 1000
        assert command["should_escape"] is True
        assert command["url"].endswith("/slack/events")


def test_commands_with_arguments_have_usage_hints(manifest: dict[str, Any]) -> None:
    """Commands that take arguments show a usage hint in Slack's autocomplete."""
    hints = {c["command"]: c.get("usage_hint") for c in manifest["features"]["slash_commands"]}
    for name in ("/stretch", "/stretches", "/reminders", "/schedule", "/config", "/about",
                 "/deskbreak"):
        assert name in hints, name
    for name in ("/stretch", "/stretches", "/reminders", "/schedule", "/config"):
        assert hints[name], name


def test_scopes_are_the_ones_the_adapter_uses(manifest: dict[str, Any]) -> None:
    """The bot scopes cover the Web API methods deskbreak calls, and no more."""
    assert sorted(manifest["oauth_config"]["scopes"]["bot"]) == sorted(
        [
            "commands",
            "chat:write",
            "im:write",
            "users:read",
            "dnd:read",
            "users.profile:read",
            "usergroups:read",
            "channels:read",
            "groups:read",
            "files:write",  # the /mystats and /teamstats charts (files_upload_v2)
        ]
    )


def test_settings_enable_socket_mode_and_interactivity(manifest: dict[str, Any]) -> None:
    """Socket Mode is on and buttons are delivered (interactivity enabled)."""
    settings = manifest["settings"]
    assert settings["socket_mode_enabled"] is True
    assert settings["interactivity"]["is_enabled"] is True
    info = manifest["display_information"]
    assert info["name"] and 175 <= len(info["long_description"]) <= 4000
    assert manifest["features"]["bot_user"]["display_name"]
