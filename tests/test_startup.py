"""`deskbreak run` decides what to serve before building anything, and says so."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from bot.core.ports import Platform
from bot.settings import load_settings
from bot.startup import MissingCredentials, plan_platforms
from tests.childenv import child_env


def run(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = child_env()
    clean["DESKBREAK_DATABASE_URL"] = f"sqlite+aiosqlite:///{tmp_path / 'db.sqlite3'}"
    return subprocess.run([sys.executable, "-m", "bot", "run", *args], input="",
                          capture_output=True, text=True, timeout=60, cwd=tmp_path,
                          env={**clean, **env})


@pytest.mark.parametrize(
    ("env", "missing"),
    [
        ({"SLACK_BOT_TOKEN": "xoxb-1"}, "neither SLACK_APP_TOKEN (Socket Mode) nor"
                                        " SLACK_SIGNING_SECRET (HTTP mode)"),
        ({"SLACK_APP_TOKEN": "xapp-1"}, "SLACK_BOT_TOKEN"),
        ({"SLACK_SIGNING_SECRET": "s"}, "SLACK_BOT_TOKEN"),
        ({"DISCORD_DEV_GUILD": "42"}, "DISCORD_TOKEN"),
    ],
)
def test_half_a_platforms_credentials_exits_2_naming_the_missing_variable(
    tmp_path: Path, env: dict[str, str], missing: str
) -> None:
    """Half-set credentials stop `deskbreak run` with exit 2 and one line naming what is
    missing, instead of falling back to the console and exiting 0."""
    result = run(tmp_path, **env)
    assert result.returncode == 2
    (line,) = result.stderr.splitlines()
    assert missing in line
    assert result.stdout == ""
    assert not (tmp_path / "db.sqlite3").exists(), "nothing is built before the check"


def test_a_half_set_secret_is_never_echoed(tmp_path: Path) -> None:
    """The line names the variables, never their values."""
    result = run(tmp_path, SLACK_BOT_TOKEN="xoxb-secret-value")
    assert result.returncode == 2 and "xoxb-secret-value" not in result.stderr


@pytest.mark.parametrize("platform", ["discord", "slack"])
def test_an_explicit_platform_without_its_token_exits_2(tmp_path: Path, platform: str) -> None:
    """`--platform discord` / `--platform slack` with no credentials at all fail loudly."""
    result = run(tmp_path, "--platform", platform)
    assert result.returncode == 2
    assert f"--platform {platform} needs" in result.stderr and "not set" in result.stderr


def test_no_token_at_all_says_why_it_is_the_console(tmp_path: Path) -> None:
    """With no token, one stderr line says the console starts because no token is set; stdout
    stays clean for a pipe, and the end of input exits 0."""
    result = run(tmp_path)
    assert result.returncode == 0
    assert result.stderr.splitlines() == [
        "Starting the console: no platform token is set (DISCORD_TOKEN, SLACK_BOT_TOKEN)."
    ]
    assert result.stdout == ""


def test_an_explicit_console_ignores_chat_credentials() -> None:
    """`--platform console` runs the console, whatever half-set chat settings are around."""
    settings = load_settings({"SLACK_BOT_TOKEN": "xoxb-1"})
    plan = plan_platforms(settings, "console")
    assert plan.platforms == (Platform.CONSOLE,) and plan.notice is None


def test_auto_with_both_platforms_serves_both_quietly() -> None:
    """Complete Discord and Slack credentials: both, with no notice."""
    settings = load_settings({"DISCORD_TOKEN": "d", "SLACK_BOT_TOKEN": "xoxb-1",
                              "SLACK_SIGNING_SECRET": "s"})
    plan = plan_platforms(settings, "auto")
    assert plan.platforms == (Platform.DISCORD, Platform.SLACK) and plan.notice is None


def test_auto_refuses_when_one_platform_is_half_set() -> None:
    """A complete Discord token does not excuse a half-set Slack: both were meant to run."""
    settings = load_settings({"DISCORD_TOKEN": "d", "SLACK_APP_TOKEN": "xapp-1"})
    with pytest.raises(MissingCredentials) as info:
        plan_platforms(settings, "auto")
    assert info.value.problems == [
        "SLACK_APP_TOKEN is set but SLACK_BOT_TOKEN (or SLACK_BOT_TOKEN_FILE) is not."
    ]
