"""The deployment config file: the shipped example, and errors with file, line and field."""

from __future__ import annotations

import subprocess
import sys
from datetime import date, time
from pathlib import Path

import pytest

from bot.scheduling.config_file import (
    ConfigError,
    load_deployment_config,
    load_workspaces_config,
    parse_deployment_config,
)
from bot.settings import load_settings

EXAMPLE = Path(__file__).resolve().parents[2] / "deploy" / "deskbreak.example.yaml"

VALID = """\
version: 1
workspaces:
  - platform: discord
    id: 123456789012345678
    timezone: europe/london
    quiet_hours: {start: '22:00', end: '07:00'}
    skip_dates: [2027-12-25, '2027-12-26']
    schedules:
      - channel: 42
        kind: break
        every: 1h
        days: [mon, wed]
"""


def _problems(text: str) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        parse_deployment_config(text, Path("deploy.yaml"))
    return [str(problem) for problem in caught.value.problems]


def test_example_file_is_valid() -> None:
    """The shipped example loads, and every schedule in it has upcoming fire times."""
    config = load_deployment_config(EXAMPLE)
    assert {w.platform for w in config.workspaces} == {"discord", "slack"}
    assert all(s.recurrence.times for w in config.workspaces for s in w.schedules)


def test_example_settings_section_is_read_by_settings_loader() -> None:
    """load_settings takes the example's `settings:` section and ignores the rest."""
    settings = load_settings(env={}, config_path=EXAMPLE)
    assert settings.scheduler.grace_minutes == 10 and settings.scheduler.tick_seconds == 30


def test_values_are_normalised() -> None:
    """Ids become strings, zone names canonical, dates and times typed, defaults filled."""
    workspace = parse_deployment_config(VALID, Path("x.yaml")).workspaces[0]
    assert workspace.id == "123456789012345678" and workspace.timezone == "Europe/London"
    assert workspace.skip_dates == (date(2027, 12, 25), date(2027, 12, 26))
    assert workspace.quiet_hours is not None and workspace.quiet_hours.start == time(22)
    schedule = workspace.schedules[0]
    assert schedule.channel == "42"
    assert schedule.recurrence.describe() == "every 60 min, 09:00–17:00, Mon, Wed"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("version: 2\n", "deploy.yaml:1: version: unsupported version 2"),
        (
            VALID.replace("timezone: europe/london", "timezone: Europe/Londn"),
            "deploy.yaml:5: workspaces[0].timezone: time zone 'Europe/Londn'",
        ),
        (
            VALID.replace("every: 1h", "every: 1h\n        cron: '* * * * *'"),
            "deploy.yaml:9: workspaces[0].schedules[0]: give either a cron expression",
        ),
        (
            VALID.replace("every: 1h", "every: 0"),
            "deploy.yaml:11: workspaces[0].schedules[0].every: duration 0 minutes",
        ),
        (
            VALID.replace("kind: break", "kind: brek"),
            "deploy.yaml:10: workspaces[0].schedules[0].kind: kind must be break, tip or "
            "routine:<id>, not 'brek'",
        ),
        (
            VALID.replace("'22:00'", "22:00"),
            "deploy.yaml:6: workspaces[0].quiet_hours.start: write times in quotes",
        ),
        (
            VALID.replace("'2027-12-26'", "'2027-02-30'"),
            "deploy.yaml:7: workspaces[0].skip_dates: date '2027-02-30' does not exist",
        ),
        (
            VALID + "    colour: red\n",
            "deploy.yaml:13: workspaces[0].colour: Extra inputs are not permitted",
        ),
        (
            VALID.replace(
                "    schedules:\n", "    schedules:\n      - channel: x\n        kind: tip\n"
            ),
            "deploy.yaml:9: workspaces[0].schedules[0]: give a cron expression",
        ),
        (VALID + "version: 1\n", "deploy.yaml:13: version: key is given twice"),
        ("version: 1\nworkspaces: [\n", "deploy.yaml:3:"),
        ("- 1\n", "deploy.yaml:1: the file must be a mapping"),
    ],
)
def test_errors_name_file_line_and_field(text: str, expected: str) -> None:
    """Each problem is reported as file:line: field: message."""
    problems = _problems(text)
    assert any(problem.startswith(expected) for problem in problems), problems


def test_cron_error_points_at_cron_line() -> None:
    """A bad cron names the cron field and its line."""
    text = VALID.replace("every: 1h\n        days: [mon, wed]\n", "cron: '0 25 * * *'\n")
    assert _problems(text) == [
        "deploy.yaml:11: workspaces[0].schedules[0].cron: hour field '25' is out of range 0-23"
    ]


def test_duplicate_workspace_is_refused() -> None:
    """The same platform and id twice is an error at the workspaces list."""
    text = VALID + "  - platform: discord\n    id: '123456789012345678'\n"
    assert any("listed twice" in problem for problem in _problems(text))


def test_missing_file() -> None:
    """An unreadable path is a ConfigError naming the file."""
    with pytest.raises(ConfigError, match="cannot read file"):
        load_deployment_config(Path("/nonexistent/deskbreak.yaml"))


def test_flat_settings_file_is_not_deployment_format(tmp_path: Path) -> None:
    """A flat settings-only config is left to the settings loader."""
    flat = tmp_path / "flat.yaml"
    flat.write_text("grace_minutes: 5\n")
    assert load_workspaces_config(flat) is None
    assert load_workspaces_config(EXAMPLE) is not None


@pytest.mark.slow
def test_validate_command_reports_workspace_problems(tmp_path: Path) -> None:
    """`deskbreak validate --config` exits 1 and prints file:line: field for bad schedules."""
    config = tmp_path / "deploy.yaml"
    config.write_text(VALID.replace("every: 1h", "every: 1h\n        cron: '@reboot'"))
    code = "import sys; from bot.cli import main; sys.exit(main(sys.argv[1:]))"
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-c", code, "validate", "--config", str(config)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 1
    assert f"{config}:12: workspaces[0].schedules[0].cron: cron macro '@reboot'" in result.stdout
