"""Typed settings: environment variables, ``*_FILE`` secrets, and an optional YAML config file.

Precedence, highest first: an environment variable, its ``*_FILE`` variant (secrets only),
the YAML config file (``--config`` or ``DESKBREAK_CONFIG``; non-secret settings only), the
defaults here. Secrets are :class:`pydantic.SecretStr` and are refused in the YAML file, so a
config file can be committed or shared without leaking a token; ``repr`` and :meth:`redacted`
never show them.

``Settings()`` with no arguments gives the defaults without reading the environment (tests
rely on that); :func:`load_settings` is what the CLI calls.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlsplit

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    ValidationInfo,
    field_validator,
)

import bot
from bot.core.ports import Platform
from bot.core.yamlsource import YamlSyntaxError, load_yaml

DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///data/deskbreak.sqlite3"
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


def _builtin_content_dir() -> Path:
    """The shipped content: the copy a wheel carries inside the package (setup.py puts it at
    bot/_content), else the repository's own content/ beside bot/ (a source checkout or an
    editable install), which is the single source that copy is made from."""
    package = Path(bot.__file__).resolve().parent
    packaged = package / "_content"
    return packaged if packaged.is_dir() else package.parent / "content"


BUILTIN_CONTENT_DIR = _builtin_content_dir()


class Settings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    database_url: str = DEFAULT_DATABASE_URL
    # The content shipped with deskbreak; a packaged install can point this elsewhere.
    base_content_dir: Path = BUILTIN_CONTENT_DIR
    # An admin's extra content: adds entries and overrides the shipped ones by id.
    content_dir: Path | None = None
    config_path: Path | None = None
    log_level: str = "INFO"
    grace_minutes: Annotated[int, Field(ge=0, le=24 * 60)] = 10
    tick_seconds: Annotated[float, Field(gt=0, le=3600)] = 15.0
    # How long a process holds the work it claimed before another may take it over: a dead
    # process's share is delivered by the others within about lease + one tick. Keep it longer
    # than the slowest single send (discord.py may wait out a 429 for up to 30 s).
    lease_seconds: Annotated[float, Field(ge=1, le=3600)] = 120.0
    # Limits against abuse and accidents: schedules per workspace, and a per-person token
    # bucket for commands (a burst of cooldown_burst, refilled at cooldown_per_minute).
    max_schedules: Annotated[int, Field(ge=1, le=10_000)] = 50
    cooldown_burst: Annotated[int, Field(ge=1, le=1000)] = 8
    cooldown_per_minute: Annotated[float, Field(gt=0, le=6000)] = 20.0
    metrics_port: Annotated[int, Field(ge=1, le=65535)] | None = None
    # Loopback by default: health and metrics are for the local scraper; containers set 0.0.0.0.
    metrics_host: str = "127.0.0.1"
    # Names this deployment slot in lease owners instead of the host name, so that a restart
    # takes back its previous life's in-flight sends at once (see bot/scheduling/instance.py);
    # set it where host names change on every restart (Kubernetes Deployments). It must be
    # unique among the processes running at the same time.
    instance_name: Annotated[str, Field(pattern=r"^[A-Za-z0-9._-]{1,40}$")] | None = None
    shard_count: Annotated[int, Field(ge=1)] | None = None
    shard_ids: list[Annotated[int, Field(ge=0)]] | None = None
    discord_token: SecretStr | None = None
    discord_dev_guild: int | None = None
    # For testing against a fake Discord only (benchmarks, end-to-end runs): where discord.py
    # sends REST calls and opens the gateway. Loopback addresses only, so a stray setting can
    # never hand the bot token to another host.
    discord_api_base: str | None = None
    discord_gateway_url: str | None = None
    slack_bot_token: SecretStr | None = None
    slack_app_token: SecretStr | None = None
    slack_signing_secret: SecretStr | None = None
    slack_http_host: str = "127.0.0.1"
    slack_http_port: Annotated[int, Field(ge=1, le=65535)] = 3000
    slack_admin_ids: list[str] = Field(default_factory=list)
    # Like discord_api_base: the Web API of a fake Slack (end-to-end runs), loopback only.
    slack_api_base: str | None = None

    # --- web dashboard (bot/web, issue 15) -------------------------------------------------
    # Served by `deskbreak run` itself on web_host:web_port; port 0 turns it off. public_url is
    # where people reach it (behind a proxy): OAuth redirects are built from it, and an https
    # one makes the session cookie Secure. web_secret keys the encrypted session cookie; when
    # unset, one is generated and kept in the database so a restart keeps people signed in.
    web_host: str = "127.0.0.1"
    web_port: Annotated[int, Field(ge=0, le=65535)] = 8080
    public_url: str | None = None
    discord_client_id: Annotated[str, Field(pattern=r"^[0-9]{1,25}$")] | None = None
    discord_client_secret: SecretStr | None = None
    slack_client_id: Annotated[str, Field(pattern=r"^[0-9A-Za-z.]{1,50}$")] | None = None
    slack_client_secret: SecretStr | None = None
    web_secret: SecretStr | None = None

    @field_validator("public_url")
    @classmethod
    def _public_url(cls, value: str | None) -> str | None:
        if value is None:
            return None
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError("must be an http(s) URL such as https://deskbreak.example.org")
        if parts.query or parts.fragment:
            raise ValueError("must not carry a query or fragment")
        return value.rstrip("/")

    @field_validator("discord_api_base", "discord_gateway_url", "slack_api_base")
    @classmethod
    def _loopback(cls, value: str | None) -> str | None:
        if value is None:
            return None
        if urlsplit(value).hostname not in ("127.0.0.1", "localhost", "::1"):
            raise ValueError("only a loopback address (a fake platform for testing) is allowed")
        return value.rstrip("/")

    @field_validator("shard_ids")
    @classmethod
    def _shards(cls, value: list[int] | None, info: ValidationInfo) -> list[int] | None:
        # A field validator (shard_count is declared first), not a model one: a model-level
        # error would echo every input, tokens included, in the error message.
        if value is None:
            return None
        count = info.data.get("shard_count")
        if count is None:
            raise ValueError("needs DESKBREAK_SHARD_COUNT (the total number of shards)")
        beyond = sorted(i for i in value if i >= count)
        if beyond:
            raise ValueError(f"shards {beyond} do not exist with {count} shards (ids count from 0)")
        return sorted(set(value))

    @field_validator("log_level")
    @classmethod
    def _level(cls, value: str) -> str:
        level = value.strip().upper()
        if level not in LOG_LEVELS:
            raise ValueError(f"must be one of {', '.join(LOG_LEVELS)}")
        return level

    def content_dirs(self) -> list[Path]:
        """Where content is read from, in override order (later wins)."""
        dirs = [self.base_content_dir]
        if self.content_dir is not None:
            dirs.append(self.content_dir)
        return dirs

    def auto_platform(self) -> Platform:
        """Discord when a Discord token is set, Slack when its credentials are, else console."""
        return self.auto_platforms()[0]

    def auto_platforms(self) -> tuple[Platform, ...]:
        """Every chat platform with credentials (Discord and Slack share one process), else
        the console."""
        found = [p for p in (Platform.DISCORD, Platform.SLACK) if self._configured(p)]
        return tuple(found) or (Platform.CONSOLE,)

    def _configured(self, platform: Platform) -> bool:
        if platform is Platform.DISCORD:
            return self.discord_token is not None
        return self.slack_bot_token is not None and (
            self.slack_app_token is not None or self.slack_signing_secret is not None
        )

    def __repr_args__(self) -> Any:
        """What ``repr``/``str`` show: the database URL's password is masked like a secret."""
        for name, value in super().__repr_args__():
            yield name, redact_url(value) if name == "database_url" else value

    def redacted(self) -> dict[str, Any]:
        """Every setting as plain data, secrets replaced by ``"********"`` (or None if unset).

        The database URL is kept but its password is masked: a PostgreSQL URL carries one.
        """
        out: dict[str, Any] = {}
        for name in type(self).model_fields:
            value = getattr(self, name)
            if isinstance(value, SecretStr):
                out[name] = "********"
            elif name == "database_url":
                out[name] = redact_url(value)
            elif isinstance(value, Path):
                out[name] = str(value)
            else:
                out[name] = value
        return out


def redact_url(url: str) -> str:
    """``url`` with any password replaced by ``***``, for logs and messages.

    Parsed by hand rather than with SQLAlchemy so that even a malformed URL (one the database
    layer would reject, and might therefore be printed in an error) never shows its password.
    """
    scheme, sep, rest = url.partition("://")
    if not sep:
        return url
    # The credentials end at the last "@" before the query (a password may hold "/" or "@").
    before_query, question, query = rest.partition("?")
    userinfo, at, location = before_query.rpartition("@")
    if not at or ":" not in userinfo:
        return url
    user = userinfo.split(":", 1)[0]
    return f"{scheme}://{user}:***@{location}{question}{query}"


# Setting name -> environment variable. Secrets also accept NAME_FILE.
ENV_NAMES: dict[str, str] = {
    "database_url": "DESKBREAK_DATABASE_URL",
    "content_dir": "DESKBREAK_CONTENT_DIR",
    "base_content_dir": "DESKBREAK_BASE_CONTENT_DIR",
    "config_path": "DESKBREAK_CONFIG",
    "log_level": "DESKBREAK_LOG_LEVEL",
    "grace_minutes": "DESKBREAK_GRACE_MINUTES",
    "tick_seconds": "DESKBREAK_TICK_SECONDS",
    "lease_seconds": "DESKBREAK_LEASE_SECONDS",
    "max_schedules": "DESKBREAK_MAX_SCHEDULES",
    "cooldown_burst": "DESKBREAK_COOLDOWN_BURST",
    "cooldown_per_minute": "DESKBREAK_COOLDOWN_PER_MINUTE",
    "metrics_port": "DESKBREAK_METRICS_PORT",
    "metrics_host": "DESKBREAK_METRICS_HOST",
    "instance_name": "DESKBREAK_INSTANCE_NAME",
    "shard_count": "DESKBREAK_SHARD_COUNT",
    "shard_ids": "DESKBREAK_SHARD_IDS",
    "discord_token": "DISCORD_TOKEN",
    "discord_dev_guild": "DISCORD_DEV_GUILD",
    "discord_api_base": "DESKBREAK_DISCORD_API_BASE",
    "discord_gateway_url": "DESKBREAK_DISCORD_GATEWAY_URL",
    "slack_bot_token": "SLACK_BOT_TOKEN",
    "slack_app_token": "SLACK_APP_TOKEN",
    "slack_signing_secret": "SLACK_SIGNING_SECRET",
    "slack_http_host": "SLACK_HTTP_HOST",
    "slack_http_port": "SLACK_HTTP_PORT",
    "slack_admin_ids": "SLACK_ADMIN_IDS",
    "slack_api_base": "DESKBREAK_SLACK_API_BASE",
    # web dashboard (issue 15)
    "web_host": "DESKBREAK_WEB_HOST",
    "web_port": "DESKBREAK_WEB_PORT",
    "public_url": "DESKBREAK_PUBLIC_URL",
    "discord_client_id": "DISCORD_CLIENT_ID",
    "discord_client_secret": "DISCORD_CLIENT_SECRET",
    "slack_client_id": "SLACK_CLIENT_ID",
    "slack_client_secret": "SLACK_CLIENT_SECRET",
    "web_secret": "DESKBREAK_WEB_SECRET",
}
SECRETS = frozenset({"discord_token", "slack_bot_token", "slack_app_token", "slack_signing_secret",
                     "discord_client_secret", "slack_client_secret", "web_secret"})
_LISTS = frozenset({"shard_ids", "slack_admin_ids"})


class SettingsError(ValueError):
    """Settings could not be loaded; ``problems`` are ``where: field: message`` lines."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("invalid settings:\n" + "\n".join(problems))


def load_settings(
    env: Mapping[str, str] | None = None, config_path: Path | None = None
) -> Settings:
    """Settings from ``env`` (default: ``os.environ``) and the YAML config, if any.

    ``config_path`` (the CLI's ``--config``) wins over ``DESKBREAK_CONFIG``.
    """
    env = os.environ if env is None else env
    problems: list[str] = []
    values: dict[str, Any] = {}
    lines: dict[str, int] = {}
    path = config_path or (Path(env["DESKBREAK_CONFIG"]) if env.get("DESKBREAK_CONFIG") else None)
    if path is not None:
        values, lines = _from_yaml(path, problems)
        values["config_path"] = path
    for name, var in ENV_NAMES.items():
        if name == "config_path":
            continue
        raw = env.get(var)
        file_var = f"{var}_FILE"
        if name in SECRETS and env.get(file_var):
            if raw:
                problems.append(f"{var}: set either {var} or {file_var}, not both")
                continue
            raw = _read_secret(Path(env[file_var]), file_var, problems)
        if raw is None or raw == "":
            continue
        values[name] = _split(raw) if name in _LISTS else raw
    try:
        settings = Settings.model_validate(values)
    except ValidationError as exc:
        for err in exc.errors():
            name = str(err["loc"][0]) if err["loc"] else "(settings)"
            var = ENV_NAMES.get(name, name)
            source = f"{path}:{lines[name]}: {name}" if name in lines and not env.get(var) else var
            message = str(err["msg"]).removeprefix("Value error, ")
            if name not in SECRETS and name != "database_url":  # never echo a secret
                message += f" (got {err.get('input')!r})"
            problems.append(f"{source}: {message}")
    if problems:
        raise SettingsError(problems)
    return settings


def is_deployment_format(data: object) -> bool:
    """Whether a config document is the deployment format rather than a flat settings file.

    Both are accepted: flat ``grace_minutes: 10`` files, and the deployment format
    (``bot/scheduling/config_file.py``, which imports this test) with settings under
    ``settings:``, told apart by a ``version`` or ``workspaces`` key.
    """
    return isinstance(data, dict) and ("version" in data or "workspaces" in data)


def _from_yaml(path: Path, problems: list[str]) -> tuple[dict[str, Any], dict[str, int]]:
    """Non-secret settings from the YAML config, with the line of each key for messages."""
    try:
        doc = load_yaml(path)
    except YamlSyntaxError as exc:
        problems.append(f"{path}:{exc.line}: {exc.message}")
        return {}, {}
    except OSError as exc:
        problems.append(f"{path}: cannot read config file ({exc.strerror or exc})")
        return {}, {}
    if doc.data is None:
        return {}, {}
    if not isinstance(doc.data, dict):
        problems.append(f"{path}:1: expected a mapping of setting names to values")
        return {}, {}
    values: dict[str, Any] = {}
    lines: dict[str, int] = {}
    data: dict[Any, Any] = doc.data
    prefix: tuple[str, ...] = ()
    if is_deployment_format(data):
        # The deployment format (bot/scheduling/config_file.py): settings sit under
        # `settings:`; version and workspaces are validated by that module's loader.
        section = data.get("settings") or {}
        if not isinstance(section, dict):
            problems.append(f"{path}:{doc.line_of(('settings',))}: settings: expected a mapping")
            return {}, {}
        data, prefix = section, ("settings",)
    allowed = [n for n in ENV_NAMES if n not in SECRETS and n != "config_path"]
    if not prefix and isinstance(data.get("settings"), dict):
        # A deployment config whose `version:` was forgotten: say that, not "unknown setting".
        problems.append(f"{path}:1: version: key is missing: a config file with a settings:"
                        " section starts with `version: 1`")
        return {}, {}
    for key, value in data.items():
        line = doc.line_of((*prefix, key))
        name = str(key)
        if name in SECRETS:
            problems.append(
                f"{path}:{line}: {name}: secrets are not read from the config file; set"
                f" {ENV_NAMES[name]} or {ENV_NAMES[name]}_FILE instead"
            )
        elif name not in allowed:
            known = ", ".join(allowed)
            problems.append(f"{path}:{line}: {name}: unknown setting (known: {known})")
        else:
            if name in ("content_dir", "base_content_dir") and isinstance(value, str):
                # Relative paths in a config file mean "next to the config file".
                value = (path.parent / value) if not Path(value).is_absolute() else Path(value)
            values[name] = value
            lines[name] = line
    return values, lines


def _read_secret(path: Path, var: str, problems: list[str]) -> str | None:
    try:
        return path.read_text(encoding="utf-8").strip()
    except OSError as exc:
        problems.append(f"{var}: cannot read {path} ({exc.strerror or exc})")
        return None


def _split(raw: str) -> list[str]:
    return [part for part in raw.replace(",", " ").split() if part]
