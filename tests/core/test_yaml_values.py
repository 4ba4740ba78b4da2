"""Values YAML reads but cannot build (issue 11, item 7): an impossible date, a bad explicit
tag, a number too long for Python. Each is a ``file:line: field: message`` problem from all
three YAML readers (content, deployment config, settings), in `validate`, `validate --config`
and `run` alike, never a ValueError/KeyError/AttributeError traceback."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from bot.core.content.loader import ContentError, load_library
from bot.core.yamlsource import YamlSyntaxError, parse_yaml
from bot.scheduling.config_file import ConfigError, parse_deployment_config
from bot.settings import SettingsError, load_settings
from tests.childenv import child_env

FIXTURE_CONTENT = Path(__file__).resolve().parents[1] / "fixtures" / "content"

# (value as written, the words the message must contain)
BAD_VALUES = {
    "impossible-day": ("2026-02-30", "`2026-02-30` is not a real date (day is out of range"),
    "impossible-month": ("2026-13-01", "`2026-13-01` is not a real date (month must be"),
    "int-tag": ("!!int abc", "`abc` cannot be read as an integer"),
    "bool-tag": ("!!bool maybe", "`maybe` is not true or false"),
    "timestamp-tag": ("!!timestamp x", "`x` is not a date or time"),
    "5000-digits": ("9" * 5000, "that 5000-digit number is too long to read"),
}


@pytest.mark.parametrize(("value", "words"), BAD_VALUES.values(), ids=BAD_VALUES.keys())
def test_the_reader_names_line_field_and_reason(value: str, words: str) -> None:
    """The YAML reader: YamlSyntaxError with the value's line, its field path and why."""
    text = f"version: 1\nworkspaces:\n  - id: T1\n    skip_dates: [2026-12-24, {value}]\n"
    with pytest.raises(YamlSyntaxError) as caught:
        parse_yaml(text, Path("deskbreak.yaml"))
    assert (caught.value.line, caught.value.field) == (4, "workspaces[0].skip_dates[1]")
    assert words in caught.value.message
    assert str(caught.value).startswith("deskbreak.yaml:4: workspaces[0].skip_dates[1]: ")


def test_an_anchored_bad_value_is_reported_where_it_is_written() -> None:
    """A bad value reached again through an alias is reported at its anchor."""
    with pytest.raises(YamlSyntaxError) as caught:
        parse_yaml("a:\n  - &d 2026-02-31\n  - *d\n", Path("x.yaml"))
    assert (caught.value.line, caught.value.field) == (2, "a[0]")


@pytest.mark.parametrize(("value", "words"), BAD_VALUES.values(), ids=BAD_VALUES.keys())
def test_content_deployment_config_and_settings_each_report_it(
        tmp_path: Path, value: str, words: str) -> None:
    """Content, the deployment config and the settings file: each its own error type with one
    file:line: field: message problem."""
    content = tmp_path / "content"
    content.mkdir()
    (content / "tips.yaml").write_text(
        f"version: 1\ntips:\n  - id: posture\n    topic: {value}\n    text: Sit back.\n")
    with pytest.raises(ContentError) as content_error:
        load_library([content])
    (problem,) = content_error.value.problems
    assert str(problem).endswith(f"tips.yaml:4: tips[0].topic: {problem.message}")
    assert words in problem.message

    config_text = (f"version: 1\nworkspaces:\n  - platform: slack\n    id: T1\n"
                   f"    skip_dates: [{value}]\n")
    with pytest.raises(ConfigError) as config_error:
        parse_deployment_config(config_text, Path("deskbreak.yaml"))
    (config_problem,) = config_error.value.problems
    assert str(config_problem).startswith("deskbreak.yaml:5: workspaces[0].skip_dates[0]: ")
    assert words in str(config_problem)

    settings_file = tmp_path / "settings.yaml"
    settings_file.write_text(f"log_level: INFO\ngrace_minutes: {value}\n")
    with pytest.raises(SettingsError) as settings_error:
        load_settings(env={}, config_path=settings_file)
    (settings_problem,) = settings_error.value.problems
    assert settings_problem.startswith(f"{settings_file}:2: grace_minutes: ")
    assert words in settings_problem


def _deskbreak(cwd: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args], capture_output=True, text=True, timeout=60,
        env=child_env(**env), cwd=cwd, stdin=subprocess.DEVNULL)


@pytest.mark.slow
def test_validate_and_run_print_the_problem_not_a_traceback(tmp_path: Path) -> None:
    """`validate` (content), `validate --config` and `run`: the problem line, no traceback."""
    content = tmp_path / "content"
    content.mkdir()
    for source in FIXTURE_CONTENT.glob("*.yaml"):
        (content / source.name).write_text(source.read_text())
    (content / "tips.yaml").write_text(
        "version: 1\ntips:\n  - id: posture\n    topic: 2026-13-01\n    text: Sit back.\n")
    content_env = {"DESKBREAK_BASE_CONTENT_DIR": str(content),
                   "DESKBREAK_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'db.sqlite3'}"}
    expected = "tips.yaml:4: tips[0].topic: `2026-13-01` is not a real date"
    for args in (("validate",), ("run", "--platform", "console")):
        result = _deskbreak(tmp_path, *args, **content_env)
        assert result.returncode == 1, (args, result.stderr)
        assert expected in result.stdout + result.stderr, args
        assert "Traceback" not in result.stderr

    config = tmp_path / "deskbreak.yaml"
    config.write_text("version: 1\nworkspaces:\n  - platform: slack\n    id: T1\n"
                      "    skip_dates: [2026-12-24, 2026-02-30]\n")
    expected = f"{config}:5: workspaces[0].skip_dates[1]: `2026-02-30` is not a real date"
    for args in (("validate", "--config", str(config)),
                 ("run", "--platform", "console", "--config", str(config))):
        result = _deskbreak(tmp_path, *args)
        assert result.returncode == 2, (args, result.stderr)
        assert expected in result.stdout + result.stderr, args
        assert "Traceback" not in result.stderr
        assert (result.stdout + result.stderr).count(expected) == 1, args  # said once
