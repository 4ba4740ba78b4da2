"""Typed settings: environment variables, ``*_FILE`` secrets, and an optional YAML config file.

Settings are grouped by the part of the bot that uses them (``settings.scheduler``,
``settings.discord``, ...), and each constructor receives only its part, so a module's
dependencies are visible in its signature and tests build just that part. Each field names
its environment variable once, on the field (``Env("DESKBREAK_GRACE_MINUTES")``); the variable
name, the YAML key (the variable without ``DESKBREAK_``, lower-cased: ``grace_minutes``),
error messages and redaction are all derived from that one declaration.

Precedence, highest first: an environment variable, its ``*_FILE`` variant (secrets only),
the YAML config file (``--config`` or ``DESKBREAK_CONFIG``; non-secret settings only, as flat
keys), the defaults here. Secrets are :class:`pydantic.SecretStr` and are refused in the YAML
file, so a config file can be committed or shared without leaking a token; ``repr`` and
:meth:`Settings.redacted` never show them.

``Settings()`` with no arguments gives the defaults without reading the environment (tests
rely on that); :func:`load_settings` is what the CLI calls.

Adding a setting: put a field with ``Env("DESKBREAK_...")`` on the part that uses it (or a new
part: a :class:`Part` subclass and one field on :class:`Settings`). Nothing else lists it.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import timedelta
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
from bot.core.redact import redact_url as redact_url  # the one redaction, re-exported
from bot.core.yamlsource import YamlSyntaxError, load_yaml
from bot.meetings.statuses import StatusRules, StatusRulesError

DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///data/deskbreak.sqlite3"
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
_ENV_PREFIX = "DESKBREAK_"


def _builtin_content_dir() -> Path:
    """The shipped content: the copy a wheel carries inside the package (setup.py puts it at
    bot/_content), else the repository's own content/ beside bot/ (a source checkout or an
    editable install), which is the single source that copy is made from."""
    package = Path(bot.__file__).resolve().parent
    packaged = package / "_content"
    return packaged if packaged.is_dir() else package.parent / "content"


BUILTIN_CONTENT_DIR = _builtin_content_dir()


@dataclass(frozen=True, slots=True)
class Env:
    """Field metadata: the environment variable a setting is read from.

    ``secret`` settings also accept ``NAME_FILE`` and are refused in the YAML file; ``listed``
    ones split on commas or spaces. ``in_file=False`` keeps a setting out of the YAML file
    (the config file's own path).
    """

    name: str
    secret: bool = False
    listed: bool = False
    in_file: bool = True

    @property
    def key(self) -> str:
        """The flat YAML key and the name used in messages: ``grace_minutes``."""
        return self.name.removeprefix(_ENV_PREFIX).lower()


def _loopback(value: str | None) -> str | None:
    """Test-only platform addresses: loopback only, so a stray setting can never hand a token
    to another host."""
    if value is None:
        return None
    if urlsplit(value).hostname not in ("127.0.0.1", "localhost", "::1"):
        raise ValueError("only a loopback address (a fake platform for testing) is allowed")
    return value.rstrip("/")


class Part(BaseModel):
    """One part's settings: frozen, and strict about unknown names."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class DatabaseSettings(Part):
    url: Annotated[str, Env("DESKBREAK_DATABASE_URL")] = DEFAULT_DATABASE_URL

    def __repr_args__(self) -> Any:
        """What ``repr``/``str`` show: the URL's password is masked like a secret."""
        for name, value in super().__repr_args__():
            yield name, redact_url(value) if name == "url" else value


class ContentSettings(Part):
    # The content shipped with deskbreak; a packaged install can point this elsewhere.
    base_dir: Annotated[Path, Env("DESKBREAK_BASE_CONTENT_DIR")] = BUILTIN_CONTENT_DIR
    # An admin's extra content: adds entries and overrides the shipped ones by id.
    extra_dir: Annotated[Path | None, Env("DESKBREAK_CONTENT_DIR")] = None

    def dirs(self) -> list[Path]:
        """Where content is read from, in override order (later wins)."""
        return [self.base_dir] if self.extra_dir is None else [self.base_dir, self.extra_dir]


class SchedulerSettings(Part):
    grace_minutes: Annotated[
        int, Field(ge=0, le=24 * 60), Env("DESKBREAK_GRACE_MINUTES")
    ] = 10
    tick_seconds: Annotated[float, Field(gt=0, le=3600), Env("DESKBREAK_TICK_SECONDS")] = 15.0
    # How long a process holds the work it claimed before another may take it over: a dead
    # process's share is delivered by the others within about lease + one tick. Keep it longer
    # than the slowest single send (discord.py may wait out a 429 for up to 30 s).
    lease_seconds: Annotated[
        float, Field(ge=1, le=3600), Env("DESKBREAK_LEASE_SECONDS")
    ] = 120.0
    # Names this deployment slot in lease owners instead of the host name, so that a restart
    # takes back its previous life's in-flight sends at once (see bot/scheduling/instance.py);
    # set it where host names change on every restart (Kubernetes Deployments). It must be
    # unique among the processes running at the same time.
    instance_name: Annotated[
        Annotated[str, Field(pattern=r"^[A-Za-z0-9._-]{1,40}$")] | None,
        Env("DESKBREAK_INSTANCE_NAME"),
    ] = None

    @field_validator("tick_seconds")
    @classmethod
    def _tick_within_grace(cls, value: float, info: ValidationInfo) -> float:
        # A slot that falls just after a tick is first seen one tick later, and a slot seen
        # later than the grace is skipped as missed: with a tick longer than the grace, most
        # slots would never be sent. (A field validator: grace_minutes is declared first.)
        grace = info.data.get("grace_minutes")
        if grace is not None and value > grace * 60:
            raise ValueError(
                f"must not be longer than the grace period (DESKBREAK_GRACE_MINUTES={grace},"
                f" {grace * 60} s): a slot is first seen up to one tick late and one more than"
                " the grace late is skipped, so most slots would be missed. Lower"
                " DESKBREAK_TICK_SECONDS or raise DESKBREAK_GRACE_MINUTES"
            )
        return value

    @property
    def grace(self) -> timedelta:
        """How late a slot may still be sent."""
        return timedelta(minutes=self.grace_minutes)

    @property
    def lease(self) -> timedelta:
        return timedelta(seconds=self.lease_seconds)


class ShardSettings(Part):
    """Discord gateway shards; the scheduler claims only their guilds' schedules."""

    count: Annotated[Annotated[int, Field(ge=1)] | None, Env("DESKBREAK_SHARD_COUNT")] = None
    ids: Annotated[
        list[Annotated[int, Field(ge=0)]] | None, Env("DESKBREAK_SHARD_IDS", listed=True)
    ] = None

    @field_validator("ids")
    @classmethod
    def _shards(cls, value: list[int] | None, info: ValidationInfo) -> list[int] | None:
        # A field validator (count is declared first), not a model one: a model-level error
        # would echo every input in the error message.
        if value is None:
            return None
        count = info.data.get("count")
        if count is None:
            raise ValueError("needs DESKBREAK_SHARD_COUNT (the total number of shards)")
        beyond = sorted(i for i in value if i >= count)
        if beyond:
            raise ValueError(f"shards {beyond} do not exist with {count} shards (ids count from 0)")
        return sorted(set(value))

    @property
    def sharded(self) -> bool:
        return self.count is not None


class LimitSettings(Part):
    """Limits against abuse and accidents: schedules per workspace, and a per-person token
    bucket for commands (a burst of cooldown_burst, refilled at cooldown_per_minute)."""

    max_schedules: Annotated[
        int, Field(ge=1, le=10_000), Env("DESKBREAK_MAX_SCHEDULES")
    ] = 50
    cooldown_burst: Annotated[
        int, Field(ge=1, le=1000), Env("DESKBREAK_COOLDOWN_BURST")
    ] = 8
    cooldown_per_minute: Annotated[
        float, Field(gt=0, le=6000), Env("DESKBREAK_COOLDOWN_PER_MINUTE")
    ] = 20.0


class ObservabilitySettings(Part):
    metrics_port: Annotated[
        Annotated[int, Field(ge=1, le=65535)] | None, Env("DESKBREAK_METRICS_PORT")
    ] = None
    # Loopback by default: health and metrics are for the local scraper; containers set 0.0.0.0.
    metrics_host: Annotated[str, Env("DESKBREAK_METRICS_HOST")] = "127.0.0.1"


class DiscordSettings(Part):
    token: Annotated[SecretStr | None, Env("DISCORD_TOKEN", secret=True)] = None
    dev_guild: Annotated[int | None, Env("DISCORD_DEV_GUILD")] = None
    # For testing against a fake Discord only (benchmarks, end-to-end runs): where discord.py
    # sends REST calls and opens the gateway. Loopback addresses only.
    api_base: Annotated[str | None, Env("DESKBREAK_DISCORD_API_BASE")] = None
    gateway_url: Annotated[str | None, Env("DESKBREAK_DISCORD_GATEWAY_URL")] = None

    check_fake_addresses = field_validator("api_base", "gateway_url")(_loopback)

    @property
    def configured(self) -> bool:
        return self.token is not None


class SlackSettings(Part):
    bot_token: Annotated[SecretStr | None, Env("SLACK_BOT_TOKEN", secret=True)] = None
    app_token: Annotated[SecretStr | None, Env("SLACK_APP_TOKEN", secret=True)] = None
    signing_secret: Annotated[SecretStr | None, Env("SLACK_SIGNING_SECRET", secret=True)] = None
    http_host: Annotated[str, Env("SLACK_HTTP_HOST")] = "127.0.0.1"
    http_port: Annotated[int, Field(ge=1, le=65535), Env("SLACK_HTTP_PORT")] = 3000
    admin_ids: Annotated[list[str], Env("SLACK_ADMIN_IDS", listed=True)] = Field(
        default_factory=list
    )
    # Like the Discord one: the Web API of a fake Slack (end-to-end runs), loopback only.
    api_base: Annotated[str | None, Env("DESKBREAK_SLACK_API_BASE")] = None

    check_fake_address = field_validator("api_base")(_loopback)

    @property
    def configured(self) -> bool:
        """A bot token and a way to receive requests (Socket Mode or HTTP signatures)."""
        return self.bot_token is not None and (
            self.app_token is not None or self.signing_secret is not None
        )


class WebSettings(Part):
    """The admin dashboard (bot/web, issue 15), served by `deskbreak run` itself on
    host:port; port 0 turns it off. ``public_url`` is where people reach it (behind a proxy):
    OAuth redirects are built from it, and an https one makes the session cookie Secure.
    ``secret`` keys the encrypted session cookie; when unset, one is generated and kept in the
    database so a restart keeps people signed in."""

    host: Annotated[str, Env("DESKBREAK_WEB_HOST")] = "127.0.0.1"
    port: Annotated[int, Field(ge=0, le=65535), Env("DESKBREAK_WEB_PORT")] = 8080
    public_url: Annotated[str | None, Env("DESKBREAK_PUBLIC_URL")] = None
    discord_client_id: Annotated[
        Annotated[str, Field(pattern=r"^[0-9]{1,25}$")] | None, Env("DISCORD_CLIENT_ID")
    ] = None
    discord_client_secret: Annotated[
        SecretStr | None, Env("DISCORD_CLIENT_SECRET", secret=True)
    ] = None
    slack_client_id: Annotated[
        Annotated[str, Field(pattern=r"^[0-9A-Za-z.]{1,50}$")] | None, Env("SLACK_CLIENT_ID")
    ] = None
    slack_client_secret: Annotated[
        SecretStr | None, Env("SLACK_CLIENT_SECRET", secret=True)
    ] = None
    secret: Annotated[SecretStr | None, Env("DESKBREAK_WEB_SECRET", secret=True)] = None

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


class MeetingSettings(Part):
    """Meetings and focus time (bot/meetings, issue 16): whose presence is checked before a
    nudge, and which custom statuses mean busy (bot/meetings/statuses.py)."""

    # Asks Discord for the privileged presences + server members intents (off: the portal
    # must allow them first; without them the bot falls back, bot/adapters/discord/presence.py).
    discord_presence: Annotated[bool, Env("DESKBREAK_DISCORD_PRESENCE")] = False
    # Holds Slack DMs during Do Not Disturb, away or a busy status.
    slack_presence: Annotated[bool, Env("DESKBREAK_SLACK_PRESENCE")] = True
    busy_statuses: Annotated[str | None, Env("DESKBREAK_BUSY_STATUSES")] = None
    # Tests only: lets the calendar fetcher reach 127.0.0.1 / ::1 (the local ICS server).
    calendar_allow_loopback: Annotated[bool, Env("DESKBREAK_CALENDAR_ALLOW_LOOPBACK")] = False

    @field_validator("busy_statuses")
    @classmethod
    def _rules(cls, value: str | None) -> str | None:
        try:
            StatusRules.parse(value)
        except StatusRulesError as exc:
            raise ValueError(str(exc)) from None
        return value

    def status_rules(self) -> StatusRules:
        return StatusRules.parse(self.busy_statuses)


class StatsSettings(Part):
    """Stats (issue 13): how long break events are kept before the daily prune deletes them."""

    retention_days: Annotated[
        int, Field(ge=1, le=3650), Env("DESKBREAK_STATS_RETENTION_DAYS")
    ] = 365


class Settings(Part):
    """Every setting, by part. Pass each part to the constructor that uses it."""

    database: DatabaseSettings = DatabaseSettings()
    content: ContentSettings = ContentSettings()
    scheduler: SchedulerSettings = SchedulerSettings()
    shards: ShardSettings = ShardSettings()
    limits: LimitSettings = LimitSettings()
    observability: ObservabilitySettings = ObservabilitySettings()
    discord: DiscordSettings = DiscordSettings()
    slack: SlackSettings = SlackSettings()
    web: WebSettings = WebSettings()
    meetings: MeetingSettings = MeetingSettings()
    stats: StatsSettings = StatsSettings()
    config_path: Annotated[Path | None, Env("DESKBREAK_CONFIG", in_file=False)] = None
    log_level: Annotated[str, Env("DESKBREAK_LOG_LEVEL")] = "INFO"
    # Where the console saves the pictures its answers carry (default: saved/ in the data
    # folder): a terminal cannot show a PNG, so it says where the file is.
    pictures_dir: Annotated[Path | None, Env("DESKBREAK_PICTURES_DIR")] = None

    @field_validator("log_level")
    @classmethod
    def _level(cls, value: str) -> str:
        level = value.strip().upper()
        if level not in LOG_LEVELS:
            raise ValueError(f"must be one of {', '.join(LOG_LEVELS)}")
        return level

    def auto_platforms(self) -> tuple[Platform, ...]:
        """Every chat platform with credentials (Discord and Slack share one process), else
        the console."""
        found = [
            platform
            for platform, part in ((Platform.DISCORD, self.discord), (Platform.SLACK, self.slack))
            if part.configured
        ]
        return tuple(found) or (Platform.CONSOLE,)

    def redacted(self) -> dict[str, Any]:
        """Every setting as plain data under its flat key, secrets replaced by ``"********"``.

        The database URL is kept but its password is masked: a PostgreSQL URL carries one.
        """
        out: dict[str, Any] = {}
        for field in FIELDS:
            value = field.get(self)
            if isinstance(value, SecretStr):
                out[field.key] = "********"
            elif field.env.name == "DESKBREAK_DATABASE_URL":
                out[field.key] = redact_url(value)
            elif isinstance(value, Path):
                out[field.key] = str(value)
            else:
                out[field.key] = value
        return out


@dataclass(frozen=True, slots=True)
class SettingField:
    """One setting: where it sits in :class:`Settings` and where it is read from."""

    path: tuple[str, ...]  # ("scheduler", "grace_minutes")
    env: Env

    @property
    def key(self) -> str:
        return self.env.key

    def get(self, settings: Settings) -> Any:
        value: Any = settings
        for name in self.path:
            value = getattr(value, name)
        return value


def _fields(model: type[BaseModel], prefix: tuple[str, ...] = ()) -> Iterator[SettingField]:
    for name, info in model.model_fields.items():
        env = next((m for m in info.metadata if isinstance(m, Env)), None)
        if env is not None:
            yield SettingField((*prefix, name), env)
        elif isinstance(info.annotation, type) and issubclass(info.annotation, Part):
            yield from _fields(info.annotation, (*prefix, name))


FIELDS: tuple[SettingField, ...] = tuple(_fields(Settings))
_BY_KEY = {f.key: f for f in FIELDS}
_BY_PATH = {f.path: f for f in FIELDS}
# Flat setting name -> environment variable (deploy files and their tests read these).
ENV_NAMES: dict[str, str] = {f.key: f.env.name for f in FIELDS}
SECRETS = frozenset(f.key for f in FIELDS if f.env.secret)


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
    values: dict[str, Any] = {}  # flat key -> raw value
    lines: dict[str, int] = {}
    path = config_path or (Path(env["DESKBREAK_CONFIG"]) if env.get("DESKBREAK_CONFIG") else None)
    if path is not None:
        values, lines = _from_yaml(path, problems)
        values[_BY_PATH[("config_path",)].key] = path
    for field in FIELDS:
        var = field.env.name
        if var == "DESKBREAK_CONFIG":
            continue
        raw = env.get(var)
        file_var = f"{var}_FILE"
        if field.env.secret and env.get(file_var):
            if raw:
                problems.append(f"{var}: set either {var} or {file_var}, not both")
                continue
            raw = _read_secret(Path(env[file_var]), file_var, problems)
        if raw is None or raw == "":
            continue
        values[field.key] = _split(raw) if field.env.listed else raw
    try:
        settings = Settings.model_validate(_nest(values))
    except ValidationError as exc:
        for err in exc.errors():
            found = _field_at(err["loc"])
            key = found.key if found else ".".join(str(p) for p in err["loc"]) or "(settings)"
            var = found.env.name if found else key
            source = f"{path}:{lines[key]}: {key}" if key in lines and not env.get(var) else var
            message = str(err["msg"]).removeprefix("Value error, ")
            # Never echo a secret, nor the database URL (it may carry a password).
            if found is None or not (found.env.secret or var == "DESKBREAK_DATABASE_URL"):
                message += f" (got {err.get('input')!r})"
            problems.append(f"{source}: {message}")
    if problems:
        raise SettingsError(problems)
    return settings


def _field_at(loc: tuple[int | str, ...]) -> SettingField | None:
    """The setting a validation error is about (its location may go into a list item)."""
    for depth in (2, 1):
        found = _BY_PATH.get(tuple(str(part) for part in loc[:depth]))
        if found is not None:
            return found
    return None


def _nest(values: Mapping[str, Any]) -> dict[str, Any]:
    """Flat keys (``grace_minutes``) -> the nested shape (``{"scheduler": {...}}``)."""
    nested: dict[str, Any] = {}
    for key, value in values.items():
        *parts, name = _BY_KEY[key].path
        target = nested
        for part in parts:
            target = target.setdefault(part, {})
        target[name] = value
    return nested


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
        where = f"{exc.field}: " if exc.field else ""  # a value that cannot be read
        problems.append(f"{path}:{exc.line}: {where}{exc.message}")
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
    allowed = [f.key for f in FIELDS if f.env.in_file and not f.env.secret]
    if not prefix and isinstance(data.get("settings"), dict):
        # A deployment config whose `version:` was forgotten: say that, not "unknown setting".
        problems.append(f"{path}:1: version: key is missing: a config file with a settings:"
                        " section starts with `version: 1`")
        return {}, {}
    for key, value in data.items():
        line = doc.line_of((*prefix, key))
        name = str(key)
        field = _BY_KEY.get(name)
        if field is not None and field.env.secret:
            problems.append(
                f"{path}:{line}: {name}: secrets are not read from the config file; set"
                f" {field.env.name} or {field.env.name}_FILE instead"
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
