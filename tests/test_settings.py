"""Settings: env, *_FILE secrets, the YAML config file, and never leaking secrets."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from bot.app import build_app
from bot.core.ports import Platform
from bot.settings import (
    BUILTIN_CONTENT_DIR,
    ENV_NAMES,
    FIELDS,
    SchedulerSettings,
    Settings,
    SettingsError,
    load_settings,
)


def test_defaults_without_environment() -> None:
    """Settings() needs nothing: SQLite under ./data, the shipped content, grace 10 min."""
    settings = load_settings({})
    assert settings == Settings()
    assert settings.database.url.startswith("sqlite+aiosqlite:///")
    assert settings.scheduler.grace_minutes == 10
    assert settings.observability.metrics_port is None
    assert settings.content.dirs() == [BUILTIN_CONTENT_DIR]
    assert (BUILTIN_CONTENT_DIR / "stretches.yaml").exists()


def test_env_values_are_typed() -> None:
    """Environment strings become typed values; lists split on commas or spaces."""
    settings = load_settings({
        "DESKBREAK_GRACE_MINUTES": "5", "DESKBREAK_SHARD_IDS": "0, 2",
        "DESKBREAK_SHARD_COUNT": "4",
        "SLACK_ADMIN_IDS": "U1 U2", "DESKBREAK_CONTENT_DIR": "/srv/extra",
        "DESKBREAK_LOG_LEVEL": "debug",
    })
    assert settings.scheduler.grace_minutes == 5 and settings.shards.ids == [0, 2]
    assert settings.slack.admin_ids == ["U1", "U2"] and settings.log_level == "DEBUG"
    assert settings.content.dirs() == [BUILTIN_CONTENT_DIR, Path("/srv/extra")]


def test_secret_from_file(tmp_path: Path) -> None:
    """DISCORD_TOKEN_FILE is read (trailing newline stripped) into a SecretStr."""
    (tmp_path / "token").write_text("s3cret\n")
    settings = load_settings({"DISCORD_TOKEN_FILE": str(tmp_path / "token")})
    assert settings.discord.token is not None
    assert settings.discord.token.get_secret_value() == "s3cret"


def test_secret_and_file_both_set_is_an_error(tmp_path: Path) -> None:
    """Giving a secret twice is refused rather than silently picking one."""
    (tmp_path / "t").write_text("a")
    with pytest.raises(SettingsError, match="either SLACK_BOT_TOKEN or SLACK_BOT_TOKEN_FILE"):
        load_settings({"SLACK_BOT_TOKEN": "b", "SLACK_BOT_TOKEN_FILE": str(tmp_path / "t")})


def test_secrets_never_shown() -> None:
    """repr, str and redacted() hide every secret."""
    settings = load_settings({"DISCORD_TOKEN": "tok-123", "SLACK_SIGNING_SECRET": "sig-456"})
    for text in (repr(settings), str(settings), str(settings.redacted())):
        assert "tok-123" not in text and "sig-456" not in text
    assert settings.redacted()["discord_token"] == "********"


def test_invalid_secret_value_is_not_echoed() -> None:
    """Validation errors about other values show the input; nothing echoes a secret."""
    with pytest.raises(SettingsError) as info:
        load_settings({"DESKBREAK_GRACE_MINUTES": "soon", "DISCORD_TOKEN": "tok-123"})
    assert "DESKBREAK_GRACE_MINUTES" in str(info.value) and "tok-123" not in str(info.value)


def test_yaml_config_sets_non_secrets_and_env_wins(tmp_path: Path) -> None:
    """The config file supplies settings; the environment overrides it."""
    config = tmp_path / "deskbreak.yaml"
    config.write_text("grace_minutes: 3\nlog_level: warning\ncontent_dir: extra\n")
    settings = load_settings({"DESKBREAK_LOG_LEVEL": "ERROR"}, config_path=config)
    assert settings.scheduler.grace_minutes == 3 and settings.log_level == "ERROR"
    assert settings.content.extra_dir == tmp_path / "extra"
    assert settings.config_path == config


def test_config_from_env_variable(tmp_path: Path) -> None:
    """DESKBREAK_CONFIG names the config file when --config is not given."""
    config = tmp_path / "c.yaml"
    config.write_text("tick_seconds: 2\n")
    assert load_settings({"DESKBREAK_CONFIG": str(config)}).scheduler.tick_seconds == 2


def test_secret_in_config_file_is_refused_with_line(tmp_path: Path) -> None:
    """A token in the YAML file is an error that points at its line."""
    config = tmp_path / "c.yaml"
    config.write_text("grace_minutes: 3\ndiscord_token: abc\n")
    with pytest.raises(SettingsError) as info:
        load_settings({}, config_path=config)
    assert info.value.problems == [
        f"{config}:2: discord_token: secrets are not read from the config file; set"
        " DISCORD_TOKEN or DISCORD_TOKEN_FILE instead"
    ]


def test_unknown_and_invalid_config_keys_have_lines(tmp_path: Path) -> None:
    """Unknown keys and bad values in the config file name file, line and key."""
    config = tmp_path / "c.yaml"
    config.write_text("grace_minute: 3\nmetrics_port: 99999\n")
    with pytest.raises(SettingsError) as info:
        load_settings({}, config_path=config)
    first, second = info.value.problems
    assert first.startswith(f"{config}:1: grace_minute: unknown setting")
    assert second.startswith(f"{config}:2: metrics_port: ")


def test_shard_ids_need_a_shard_count() -> None:
    """DESKBREAK_SHARD_IDS alone is refused: a shard id means nothing without the total."""
    with pytest.raises(SettingsError, match="DESKBREAK_SHARD_IDS: needs DESKBREAK_SHARD_COUNT"):
        load_settings({"DESKBREAK_SHARD_IDS": "1"})


def test_shard_ids_beyond_the_count_are_refused() -> None:
    """Shard 2 of 2 does not exist (ids count from 0), and the error never echoes a token."""
    with pytest.raises(SettingsError, match=r"shards \[2\] do not exist") as caught:
        load_settings({"DESKBREAK_SHARD_COUNT": "2", "DESKBREAK_SHARD_IDS": "2",
                       "DISCORD_TOKEN": "tok-secret"})
    assert "tok-secret" not in str(caught.value)


@pytest.mark.parametrize(
    ("env", "platforms"),
    [
        ({}, (Platform.CONSOLE,)),
        ({"DISCORD_TOKEN": "x"}, (Platform.DISCORD,)),
        ({"SLACK_BOT_TOKEN": "x", "SLACK_APP_TOKEN": "y"}, (Platform.SLACK,)),
        (
            {"DISCORD_TOKEN": "x", "SLACK_BOT_TOKEN": "y", "SLACK_SIGNING_SECRET": "z"},
            (Platform.DISCORD, Platform.SLACK),
        ),
        ({"DISCORD_TOKEN": "x", "SLACK_BOT_TOKEN": "y"}, (Platform.DISCORD,)),
        ({"SLACK_BOT_TOKEN": "x", "SLACK_SIGNING_SECRET": "y"}, (Platform.SLACK,)),
        ({"SLACK_BOT_TOKEN": "x"}, (Platform.CONSOLE,)),
    ],
)
def test_auto_platforms(env: dict[str, str], platforms: tuple[Platform, ...]) -> None:
    """`run --platform auto` serves every platform with complete credentials, else the console."""
    assert load_settings(env).auto_platforms() == platforms


def test_slack_api_base_must_be_loopback() -> None:
    """A fake Slack's URL is accepted only on a loopback address, so no token leaves the host."""
    loaded = load_settings({"DESKBREAK_SLACK_API_BASE": "http://127.0.0.1:9/api/"})
    assert loaded.slack.api_base == "http://127.0.0.1:9/api"
    with pytest.raises(SettingsError, match="DESKBREAK_SLACK_API_BASE"):
        load_settings({"DESKBREAK_SLACK_API_BASE": "https://slack.example.com/api/"})


def test_discord_fake_addresses_must_be_loopback() -> None:
    """The test-only Discord REST/gateway overrides accept loopback addresses only."""
    settings = load_settings({"DESKBREAK_DISCORD_API_BASE": "http://127.0.0.1:9/api/v10/",
                              "DESKBREAK_DISCORD_GATEWAY_URL": "ws://localhost:9/gateway-ws"})
    assert settings.discord.api_base == "http://127.0.0.1:9/api/v10"
    assert settings.discord.gateway_url == "ws://localhost:9/gateway-ws"
    with pytest.raises(SettingsError, match="DESKBREAK_DISCORD_API_BASE"):
        load_settings({"DESKBREAK_DISCORD_API_BASE": "https://discord.com/api/v10"})
    with pytest.raises(SettingsError, match="DESKBREAK_DISCORD_GATEWAY_URL"):
        load_settings({"DESKBREAK_DISCORD_GATEWAY_URL": "wss://gateway.discord.gg"})


def test_every_setting_names_its_variable_once() -> None:
    """Each field declares one environment variable; flat keys and variables are unique, and
    the YAML key is the variable without DESKBREAK_, lower-cased."""
    assert len(FIELDS) == len({f.env.name for f in FIELDS}) == len(ENV_NAMES)
    assert ENV_NAMES["grace_minutes"] == "DESKBREAK_GRACE_MINUTES"
    assert ENV_NAMES["slack_http_port"] == "SLACK_HTTP_PORT"
    assert {f.path for f in FIELDS if f.env.secret} == {
        ("discord", "token"), ("slack", "bot_token"), ("slack", "app_token"),
        ("slack", "signing_secret"), ("web", "discord_client_secret"),
        ("web", "slack_client_secret"), ("web", "secret"),
    }


def test_each_part_is_typed_and_reachable_by_path() -> None:
    """A setting lands in its part: the scheduler's, the limits', each platform's."""
    settings = load_settings({
        "DESKBREAK_TICK_SECONDS": "5", "DESKBREAK_MAX_SCHEDULES": "3",
        "DESKBREAK_METRICS_PORT": "9100", "DISCORD_DEV_GUILD": "42", "SLACK_HTTP_PORT": "4000",
    })
    assert isinstance(settings.scheduler, SchedulerSettings)
    assert settings.scheduler.tick_seconds == 5.0 and settings.limits.max_schedules == 3
    assert settings.observability.metrics_port == 9100
    assert settings.discord.dev_guild == 42 and settings.slack.http_port == 4000
    assert settings.scheduler.grace == timedelta(minutes=10)
    assert settings.scheduler.lease == timedelta(seconds=120)


def test_cooldown_settings_reach_the_app() -> None:
    """DESKBREAK_COOLDOWN_BURST and _PER_MINUTE configure the one cooldown every adapter uses."""
    settings = load_settings(
        {"DESKBREAK_COOLDOWN_BURST": "2", "DESKBREAK_COOLDOWN_PER_MINUTE": "30"}
    )
    cooldown = build_app(settings).cooldown
    assert (cooldown.burst, cooldown.per_second) == (2, 0.5)


def test_redacted_is_flat_and_hides_the_database_password() -> None:
    """redacted() keys every setting by its flat name, with secrets and the password masked."""
    settings = load_settings({
        "DESKBREAK_DATABASE_URL": "postgresql+asyncpg://u:hunter2@db/x", "SLACK_BOT_TOKEN": "b",
    })
    shown = settings.redacted()
    assert set(shown) == set(ENV_NAMES)
    assert shown["database_url"] == "postgresql+asyncpg://u:***@db/x"
    assert shown["slack_bot_token"] == "********" and shown["slack_app_token"] is None


@pytest.mark.parametrize(("env", "config"), [
    ({"DESKBREAK_TICK_SECONDS": "900"}, ""),
    ({"DESKBREAK_TICK_SECONDS": "120", "DESKBREAK_GRACE_MINUTES": "1"}, ""),
    ({}, "tick_seconds: 900\ngrace_minutes: 10\n"),
])
def test_a_tick_longer_than_the_grace_is_refused(
        tmp_path: Path, env: dict[str, str], config: str) -> None:
    """DESKBREAK_TICK_SECONDS above the grace period would miss most slots: refused with the
    relation explained, from the environment or the config file alike."""
    path = None
    if config:
        path = tmp_path / "deskbreak.yaml"
        path.write_text(config, encoding="utf-8")
    with pytest.raises(SettingsError) as caught:
        load_settings(env, config_path=path)
    (problem,) = caught.value.problems
    assert "tick_seconds" in problem.lower()
    assert "must not be longer than the grace period" in problem
    assert "Lower DESKBREAK_TICK_SECONDS or raise DESKBREAK_GRACE_MINUTES" in problem


def test_a_tick_equal_to_the_grace_is_accepted() -> None:
    """A tick as long as the grace still sees every slot in time."""
    settings = load_settings({"DESKBREAK_TICK_SECONDS": "600", "DESKBREAK_GRACE_MINUTES": "10"})
    assert settings.scheduler.tick_seconds == 600
