"""Tokens, the signing secret and the database password never appear in settings' repr, in
the CLI's output (logs and tracebacks included), or in settings error messages.

The CLI is run for real, as a subprocess at DEBUG level, and its whole output is searched for
each secret; the failing runs point at closed loopback ports so nothing leaves the machine.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from pydantic import SecretStr

from bot.settings import Settings, SettingsError, load_settings, redact_url
from tests.childenv import child_env

DISCORD_TOKEN = "MTIzNDU2Nzg5MDEyMzQ1Njc4.Gsecret.discord-token-value-x9"
SLACK_BOT_TOKEN = "xoxb-1111-2222-slack-bot-secret"
SLACK_APP_TOKEN = "xapp-1-A111-3333-slack-app-secret"
SLACK_SIGNING_SECRET = "f00dfeedslack-signing-secret"
DB_PASSWORD = "pg-Pa55word-secret"
CLOSED = "127.0.0.1:1"  # nothing listens there: connections fail at once
DATABASE_URL = f"postgresql+asyncpg://deskbreak:{DB_PASSWORD}@{CLOSED}/deskbreak"
SECRETS = (DISCORD_TOKEN, SLACK_BOT_TOKEN, SLACK_APP_TOKEN, SLACK_SIGNING_SECRET, DB_PASSWORD)
SECRET_ENV = {
    "DISCORD_TOKEN": DISCORD_TOKEN,
    "SLACK_BOT_TOKEN": SLACK_BOT_TOKEN,
    "SLACK_APP_TOKEN": SLACK_APP_TOKEN,
    "SLACK_SIGNING_SECRET": SLACK_SIGNING_SECRET,
    "DESKBREAK_DATABASE_URL": DATABASE_URL,
    "DESKBREAK_LOG_LEVEL": "DEBUG",
    # Should anything try to reach a platform, it reaches a closed local port, not the internet.
    "DESKBREAK_DISCORD_API_BASE": f"http://{CLOSED}/api/v10",
    "DESKBREAK_DISCORD_GATEWAY_URL": f"ws://{CLOSED}/gateway",
    "DESKBREAK_SLACK_API_BASE": f"http://{CLOSED}/api/",
}


def deskbreak(*args: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    clean = child_env()
    return subprocess.run(
        [sys.executable, "-m", "bot", *args], capture_output=True, text=True, timeout=60,
        env={**clean, **SECRET_ENV}, cwd=tmp_path, stdin=subprocess.DEVNULL,
    )


def assert_no_secret(text: str) -> None:
    for secret in SECRETS:
        assert secret not in text, f"a secret leaked: {secret[:6]}…"


def full_settings() -> Settings:
    return Settings(
        database_url=DATABASE_URL,
        discord_token=SecretStr(DISCORD_TOKEN),
        slack_bot_token=SecretStr(SLACK_BOT_TOKEN),
        slack_app_token=SecretStr(SLACK_APP_TOKEN),
        slack_signing_secret=SecretStr(SLACK_SIGNING_SECRET),
    )


def test_repr_str_and_redacted_hide_the_database_password() -> None:
    """repr, str and redacted() mask every token and the password inside the database URL."""
    settings = full_settings()
    for text in (repr(settings), str(settings), json.dumps(settings.redacted(), default=str)):
        assert_no_secret(text)
        assert "deskbreak:***@127.0.0.1:1/deskbreak" in text


@pytest.mark.parametrize(("url", "shown"), [
    ("postgresql+asyncpg://u:p@db:5432/x", "postgresql+asyncpg://u:***@db:5432/x"),
    ("postgresql://u:p/w@rd@db/x?sslmode=require", "postgresql://u:***@db/x?sslmode=require"),
    ("postgresql://u@db/x", "postgresql://u@db/x"),
    ("sqlite+aiosqlite:///data/deskbreak.sqlite3", "sqlite+aiosqlite:///data/deskbreak.sqlite3"),
    ("not a url", "not a url"),
])
def test_redact_url(url: str, shown: str) -> None:
    """Only the password is replaced, even in a URL the database layer would reject."""
    assert redact_url(url) == shown


def test_a_bad_database_url_in_the_config_file_is_not_echoed(tmp_path: Path) -> None:
    """A settings error about database_url does not repeat its value (it may hold a password)."""
    config = tmp_path / "deskbreak.yaml"
    config.write_text(f"database_url: [{DATABASE_URL}]\n", encoding="utf-8")
    with pytest.raises(SettingsError) as caught:
        load_settings(env={}, config_path=config)
    assert "database_url" in str(caught.value)
    assert_no_secret(str(caught.value))


def test_validate_prints_no_secret(tmp_path: Path) -> None:
    """`deskbreak validate` with every secret set (and DEBUG logging) prints none of them."""
    result = deskbreak("validate", tmp_path=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("OK:")
    assert_no_secret(result.stdout + result.stderr)


@pytest.mark.parametrize("platform", ["console", "discord", "slack"])
def test_run_failing_on_the_database_prints_no_secret(tmp_path: Path, platform: str) -> None:
    """`deskbreak run` that cannot reach PostgreSQL fails with a message naming the database
    (password masked) and shows no token, password or secret anywhere in its output."""
    result = deskbreak("run", "--platform", platform, tmp_path=tmp_path)
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert "deskbreak:***@" in output, output[-2000:]
    assert_no_secret(output)
