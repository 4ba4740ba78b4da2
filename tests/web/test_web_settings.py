"""The dashboard's settings: defaults, secrets from files, and what a bad value says."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.settings import Settings, SettingsError, load_settings


def test_defaults_serve_on_loopback_8080_without_oauth() -> None:
    """Out of the box: 127.0.0.1:8080, no public URL, no sign-in clients, no fixed key."""
    s = Settings()
    assert (s.web_host, s.web_port, s.public_url) == ("127.0.0.1", 8080, None)
    assert s.discord_client_id is s.slack_client_id is s.web_secret is None


def test_secrets_come_from_files_and_stay_hidden(tmp_path: Path) -> None:
    """Client secrets and the session key are read from NAME_FILE and never shown."""
    for name, value in (("web", "session-key-123"), ("discord", "dsecret"), ("slack", "ssec")):
        (tmp_path / name).write_text(value + "\n")
    s = load_settings(env={"DESKBREAK_WEB_SECRET_FILE": str(tmp_path / "web"),
                           "DISCORD_CLIENT_SECRET_FILE": str(tmp_path / "discord"),
                           "SLACK_CLIENT_SECRET_FILE": str(tmp_path / "slack"),
                           "DISCORD_CLIENT_ID": "123456", "DESKBREAK_WEB_PORT": "0",
                           "DESKBREAK_PUBLIC_URL": "https://desk.example.org/"})
    assert s.web_secret and s.web_secret.get_secret_value() == "session-key-123"
    assert s.discord_client_secret and s.discord_client_secret.get_secret_value() == "dsecret"
    assert (s.web_port, s.public_url) == (0, "https://desk.example.org")
    shown = repr(s) + str(s.redacted())
    assert "session-key-123" not in shown and "dsecret" not in shown and "ssec" not in shown


@pytest.mark.parametrize(("var", "value", "says"), [
    ("DESKBREAK_PUBLIC_URL", "desk.example.org", "http(s) URL"),
    ("DESKBREAK_PUBLIC_URL", "https://desk.example.org/?x=1", "query"),
    ("DESKBREAK_WEB_PORT", "70000", "65535"),
    ("DISCORD_CLIENT_ID", "not-a-snowflake", "DISCORD_CLIENT_ID"),
])
def test_bad_values_name_the_variable(var: str, value: str, says: str) -> None:
    """A wrong dashboard setting stops start-up with a line naming the variable."""
    with pytest.raises(SettingsError) as caught:
        load_settings(env={var: value})
    assert var in str(caught.value) and says in str(caught.value)


def test_secrets_are_refused_in_the_config_file(tmp_path: Path) -> None:
    """Like every secret, the dashboard's key may not sit in the YAML config file."""
    config = tmp_path / "deskbreak.yaml"
    config.write_text("web_port: 9000\nweb_secret: nope\n")
    with pytest.raises(SettingsError) as caught:
        load_settings(env={}, config_path=config)
    assert "DESKBREAK_WEB_SECRET" in str(caught.value)
