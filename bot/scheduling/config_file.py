"""The deployment config file (``--config PATH`` / ``DESKBREAK_CONFIG``): workspaces and schedules.

Operators who prefer files to slash commands declare each workspace's zone, quiet hours,
skip dates and schedules here. Every schedule is parsed with the same parsers as the chat
commands, and every error names the file, line and field, because a config typo should be
fixed in seconds, not discovered when a reminder silently never fires.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, time
from pathlib import Path
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationError,
    field_validator,
    model_validator,
)

from bot.core.yamlsource import YamlDocument, YamlSyntaxError, format_loc, load_yaml, parse_yaml
from bot.scheduling.errors import ScheduleError
from bot.scheduling.inputs import check_year
from bot.scheduling.recurrence import (
    Recurrence,
    build_recurrence,
    check_fires,
    parse_cron,
    parse_date,
    parse_days,
    parse_hhmm,
    parse_minutes,
    parse_timezone,
)
from bot.settings import is_deployment_format  # defined once; settings must not import this

SUPPORTED_VERSIONS = (1,)
_TIME_HINT = "write times in quotes, e.g. '09:00' (YAML reads an unquoted 9:00 as a number)"


def _text_id(value: object) -> object:
    """Platform ids are strings; YAML turns an unquoted Discord snowflake into an int."""
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return value


def _clock(value: object) -> time:
    if isinstance(value, int) and not isinstance(value, bool):
        raise ValueError(_TIME_HINT)
    return parse_hhmm(value)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class QuietHours(_Strict):
    """A daily window with no reminders; it may wrap midnight (22:00–07:00)."""

    start: time
    end: time

    @field_validator("start", "end", mode="before")
    @classmethod
    def _parse_time(cls, value: object) -> time:
        return _clock(value)

    @model_validator(mode="after")
    def _not_empty(self) -> QuietHours:
        if self.start == self.end:
            raise ValueError("quiet hours start and end are the same time")
        return self


class ScheduleEntry(_Strict):
    """One recurring nudge: a cron line, or every/start/end/days (09:00–17:00 Mon–Fri default)."""

    channel: str = Field(min_length=1, max_length=100)
    kind: Literal["break", "tip"]
    # Keeps the schedule's identity when entries are reordered (default: its position among
    # the channel's entries); see bot/scheduling/config_apply.py.
    name: str | None = Field(default=None, min_length=1, max_length=40, pattern=r"^[\w.-]+$")
    cron: str | None = None
    every: int | None = None
    start: time | None = None
    end: time | None = None
    days: frozenset[int] | None = None
    timezone: str | None = None
    _recurrence: Recurrence | None = PrivateAttr(default=None)

    @field_validator("channel", mode="before")
    @classmethod
    def _channel(cls, value: object) -> object:
        return _text_id(value)

    @field_validator("cron")
    @classmethod
    def _cron(cls, value: str | None) -> str | None:
        # check_fires: the same refusal /schedule add gives (0 9 30 2 * never fires).
        return None if value is None else check_fires(parse_cron(value)).expression

    @field_validator("every", mode="before")
    @classmethod
    def _every(cls, value: object) -> int | None:
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int | str):
            raise ValueError("every must be minutes, e.g. 60 or 1h")
        return parse_minutes(value, minimum=1, maximum=1440)

    @field_validator("start", "end", mode="before")
    @classmethod
    def _time(cls, value: object) -> time | None:
        return None if value is None else _clock(value)

    @field_validator("days", mode="before")
    @classmethod
    def _days(cls, value: object) -> frozenset[int] | None:
        if value is None:
            return None
        if isinstance(value, list):
            value = ",".join(str(item) for item in value)
        return frozenset(parse_days(value))

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str | None) -> str | None:
        return None if value is None else parse_timezone(value).key

    @model_validator(mode="after")
    def _build(self) -> ScheduleEntry:
        self._recurrence = build_recurrence(
            cron=self.cron, every=self.every, start=self.start, end=self.end, days=self.days
        )
        return self

    @property
    def recurrence(self) -> Recurrence:
        assert self._recurrence is not None
        return self._recurrence


class WorkspaceConfig(_Strict):
    platform: Literal["discord", "slack"]
    id: str = Field(min_length=1, max_length=100)
    timezone: str = "UTC"
    quiet_hours: QuietHours | None = None
    skip_dates: tuple[date, ...] = ()
    schedules: tuple[ScheduleEntry, ...] = ()

    @field_validator("id", mode="before")
    @classmethod
    def _id(cls, value: object) -> object:
        return _text_id(value)

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        return parse_timezone(value).key

    @field_validator("skip_dates", mode="before")
    @classmethod
    def _dates(cls, value: object) -> object:
        if not isinstance(value, list):
            return value
        return [check_year(item) if isinstance(item, date) else parse_date(item)
                for item in value]

    @model_validator(mode="after")
    def _unique_names(self) -> WorkspaceConfig:
        seen: set[tuple[str, str]] = set()
        for entry in self.schedules:
            if entry.name is None:
                continue
            if (entry.channel, entry.name) in seen:
                raise ValueError(f"schedule name {entry.name!r} is used twice in {entry.channel}")
            seen.add((entry.channel, entry.name))
        return self


class DeploymentConfig(_Strict):
    version: int
    # Non-secret DESKBREAK_* settings, lower-cased (``grace_minutes: 10``). ``load_settings``
    # in bot/settings.py reads and validates this section, so the rules live in one place.
    settings: dict[str, Any] = Field(default_factory=dict)
    workspaces: tuple[WorkspaceConfig, ...] = ()

    @field_validator("version")
    @classmethod
    def _version(cls, value: int) -> int:
        if value not in SUPPORTED_VERSIONS:
            raise ValueError(f"unsupported version {value}; this deskbreak reads version 1")
        return value

    @model_validator(mode="after")
    def _unique_workspaces(self) -> DeploymentConfig:
        seen: set[tuple[str, str]] = set()
        for workspace in self.workspaces:
            key = (workspace.platform, workspace.id)
            if key in seen:
                raise ValueError(f"workspace {workspace.platform}:{workspace.id} is listed twice")
            seen.add(key)
        return self


@dataclass(frozen=True, slots=True)
class ConfigProblem:
    file: Path
    line: int
    field: str
    message: str

    def __str__(self) -> str:
        where = f"{self.field}: " if self.field else ""
        return f"{self.file}:{self.line}: {where}{self.message}"


class ConfigError(ValueError):
    """The config file is unusable; ``problems`` lists every error found, each with a line."""

    def __init__(self, problems: Sequence[ConfigProblem]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(str(problem) for problem in self.problems))


def _read(path: Path) -> YamlDocument:
    """Load the YAML, turning syntax and read errors into the same ConfigError for every caller."""
    try:
        return load_yaml(path)
    except YamlSyntaxError as exc:
        raise ConfigError([ConfigProblem(path, exc.line, exc.field, exc.message)]) from None
    except OSError as exc:
        raise ConfigError([ConfigProblem(path, 0, "", f"cannot read file: {exc}")]) from None


def load_deployment_config(path: Path) -> DeploymentConfig:
    """Read and validate a deployment config file, or raise ``ConfigError``."""
    return validate_document(_read(path))


def load_workspaces_config(path: Path) -> DeploymentConfig | None:
    """Validate ``path`` if it is deployment-format; None for a flat settings-only file."""
    document = _read(path)
    if not is_deployment_format(document.data):
        return None
    return validate_document(document)


def parse_deployment_config(text: str, path: Path) -> DeploymentConfig:
    """Validate config text (``path`` only names it in messages)."""
    try:
        document = parse_yaml(text, path)
    except YamlSyntaxError as exc:
        raise ConfigError([ConfigProblem(path, exc.line, exc.field, exc.message)]) from None
    return validate_document(document)


def validate_document(document: YamlDocument) -> DeploymentConfig:
    problems = [
        ConfigProblem(document.path, line, format_loc(loc), "key is given twice")
        for loc, line in document.duplicate_keys
    ]
    if not isinstance(document.data, dict):
        problems.append(
            ConfigProblem(document.path, 1, "", "the file must be a mapping with version: 1")
        )
        raise ConfigError(problems)
    try:
        config = DeploymentConfig.model_validate(document.data)
    except ValidationError as exc:
        for error in exc.errors():
            loc = _existing_prefix(document.data, error["loc"])
            problems.append(
                ConfigProblem(
                    document.path, document.line_of(loc), format_loc(loc), _message(error)
                )
            )
        raise ConfigError(problems) from None
    if problems:
        raise ConfigError(problems)
    return config


def _existing_prefix(data: Any, loc: Sequence[str | int]) -> tuple[str | int, ...]:
    """Drop pydantic's internal loc parts (union tags) and stop at a missing key's parent."""
    kept: list[str | int] = []
    node = data
    for index, part in enumerate(loc):
        if isinstance(node, dict) and part in node:
            node = node[part]
            kept.append(part)
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            node = node[part]
            kept.append(part)
        elif isinstance(node, dict) and index == len(loc) - 1 and isinstance(part, str):
            kept.append(part)  # a missing or unknown key: name it, line of its mapping
        else:
            break
    return tuple(kept)


def _message(error: Any) -> str:
    if error.get("type") == "missing":  # pydantic's "Field required" names no fix
        if tuple(error.get("loc", ())) == ("version",):
            return "key is missing: a deployment config starts with `version: 1`"
        return "key is missing"
    context = error.get("ctx") or {}
    cause = context.get("error")
    if isinstance(cause, ScheduleError | ValueError):
        return str(cause)
    message = str(error.get("msg", "invalid value"))
    return message.removeprefix("Value error, ")
