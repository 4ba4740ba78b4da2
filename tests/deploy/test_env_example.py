"""deploy/.env.example documents every setting deskbreak reads, and nothing else."""

from __future__ import annotations

import re
from pathlib import Path

from bot.settings import load_settings

# Variables .env.example may carry for Docker Compose itself; deskbreak never reads them.
COMPOSE_ONLY = frozenset({"POSTGRES_PASSWORD"})

_ASSIGNMENT = re.compile(r"^([A-Z][A-Z0-9_]*)=(.*)$")


def entries(path: Path) -> list[tuple[str, str, str]]:
    """(name, value, comment line just above it) for every assignment in the file."""
    out: list[tuple[str, str, str]] = []
    previous = ""
    for line in path.read_text(encoding="utf-8").splitlines():
        match = _ASSIGNMENT.match(line)
        if match:
            out.append((match.group(1), match.group(2), previous))
        previous = line
    return out


def test_lists_every_setting(deploy_dir: Path, setting_names: frozenset[str]) -> None:
    """Every variable bot/settings.py reads appears in .env.example."""
    listed = {name for name, _, _ in entries(deploy_dir / ".env.example")}
    assert sorted(setting_names - listed) == []


def test_lists_nothing_settings_do_not_read(
    deploy_dir: Path, setting_names: frozenset[str]
) -> None:
    """Every variable in .env.example is a real setting (or a declared compose-only one)."""
    listed = {name for name, _, _ in entries(deploy_dir / ".env.example")}
    assert sorted(listed - setting_names - COMPOSE_ONLY) == []


def test_each_variable_has_a_comment(deploy_dir: Path) -> None:
    """Each variable sits directly under a one-line comment that explains it."""
    undocumented = [
        name for name, _, comment in entries(deploy_dir / ".env.example")
        if not comment.startswith("# ") or len(comment) < 12
    ]
    assert undocumented == []


def test_each_variable_is_listed_once(deploy_dir: Path) -> None:
    """No variable is listed twice (the second would silently win)."""
    names = [name for name, _, _ in entries(deploy_dir / ".env.example")]
    assert sorted({n for n in names if names.count(n) > 1}) == []


def test_example_values_load_as_settings(deploy_dir: Path) -> None:
    """The file as shipped is valid input for load_settings (empty values mean defaults)."""
    env = {name: value for name, value, _ in entries(deploy_dir / ".env.example")}
    settings = load_settings(env=env)
    assert settings.scheduler.grace_minutes == 10
    assert settings.log_level == "INFO"
