"""Fixtures for the deployment-file tests: where the files are and which settings exist."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.settings import ENV_NAMES, SECRETS

REPO = Path(__file__).resolve().parents[2]
DEPLOY = REPO / "deploy"


def settings_env_names() -> frozenset[str]:
    """Every environment variable bot/settings.py reads, plus NAME_FILE for each secret."""
    names = set(ENV_NAMES.values())
    names.update(f"{ENV_NAMES[name]}_FILE" for name in SECRETS)
    return frozenset(names)


@pytest.fixture(scope="session")
def setting_names() -> frozenset[str]:
    return settings_env_names()


@pytest.fixture(scope="session")
def repo() -> Path:
    return REPO


@pytest.fixture(scope="session")
def deploy_dir() -> Path:
    return DEPLOY


def instructions(path: Path) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, with comments dropped and continuations joined."""
    out: list[tuple[str, str]] = []
    pending = ""
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not pending and (not line or line.startswith("#")):
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        full = pending + line
        pending = ""
        keyword, _, rest = full.partition(" ")
        out.append((keyword.upper(), rest.strip()))
    return out


@pytest.fixture(scope="module")
def dockerfile(deploy_dir: Path) -> list[tuple[str, str]]:
    return instructions(deploy_dir / "Dockerfile")
