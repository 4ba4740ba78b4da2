"""deploy/docker-compose.yml: parses, wires the bot to postgres and uses only real settings."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
import yaml

_INTERPOLATION = re.compile(r"\$\{([A-Z0-9_]+)(?::?[-?][^}]*)?\}")


@pytest.fixture(scope="module")
def compose(deploy_dir: Path) -> dict[str, Any]:
    data = yaml.safe_load((deploy_dir / "docker-compose.yml").read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def bot_env(compose: dict[str, Any]) -> dict[str, str]:
    env = compose["services"]["bot"]["environment"]
    assert isinstance(env, dict), "write environment as a mapping"
    return {str(k): str(v) for k, v in env.items()}


def test_bot_builds_the_deploy_dockerfile_from_repo_root(
    compose: dict[str, Any], deploy_dir: Path, repo: Path
) -> None:
    """The bot service builds deploy/Dockerfile with the repository root as context."""
    build = compose["services"]["bot"]["build"]
    context = (deploy_dir / build["context"]).resolve()
    assert context == repo
    assert (context / build["dockerfile"]).resolve() == deploy_dir / "Dockerfile"


def test_bot_reads_env_file(compose: dict[str, Any]) -> None:
    """The bot takes its settings from .env beside the compose file."""
    assert compose["services"]["bot"]["env_file"] in (".env", [".env"])


def test_bot_environment_uses_only_real_settings(
    compose: dict[str, Any], setting_names: frozenset[str]
) -> None:
    """Every variable compose sets on the bot is one bot/settings.py reads."""
    assert sorted(set(bot_env(compose)) - setting_names) == []


def test_database_url_points_at_postgres_service(compose: dict[str, Any]) -> None:
    """DESKBREAK_DATABASE_URL is an asyncpg URL whose host is the postgres service."""
    raw = bot_env(compose)["DESKBREAK_DATABASE_URL"]
    url = sa.make_url(_INTERPOLATION.sub("secret", raw))
    assert url.drivername == "postgresql+asyncpg"
    assert url.host in compose["services"]
    postgres = compose["services"][url.host]
    assert postgres["image"] == "postgres:16"
    assert url.username == postgres["environment"]["POSTGRES_USER"]
    assert url.database == postgres["environment"]["POSTGRES_DB"]


def test_database_password_comes_from_the_same_variable(compose: dict[str, Any]) -> None:
    """The bot's URL and the postgres service take the password from one variable."""
    raw = bot_env(compose)["DESKBREAK_DATABASE_URL"]
    password = compose["services"]["postgres"]["environment"]["POSTGRES_PASSWORD"]
    assert _INTERPOLATION.findall(raw) == _INTERPOLATION.findall(password) == ["POSTGRES_PASSWORD"]


def test_postgres_has_volume_and_healthcheck(compose: dict[str, Any]) -> None:
    """Postgres keeps its data in a named volume and reports health with pg_isready."""
    postgres = compose["services"]["postgres"]
    volume, target = postgres["volumes"][0].split(":", 1)
    assert volume in compose["volumes"]
    assert target == "/var/lib/postgresql/data"
    assert "pg_isready" in " ".join(postgres["healthcheck"]["test"])


def test_bot_waits_for_healthy_postgres(compose: dict[str, Any]) -> None:
    """The bot starts only once postgres answers its healthcheck."""
    depends = compose["services"]["bot"]["depends_on"]
    assert depends["postgres"]["condition"] == "service_healthy"


def test_metrics_port_is_published_on_loopback(compose: dict[str, Any]) -> None:
    """The published port is the metrics port, bound to the host's loopback only."""
    env = bot_env(compose)
    assert env["DESKBREAK_METRICS_HOST"] == "0.0.0.0"
    port = env["DESKBREAK_METRICS_PORT"]
    assert f"127.0.0.1:{port}:{port}" in compose["services"]["bot"]["ports"]


def test_bot_data_volume_is_the_image_data_dir(compose: dict[str, Any], deploy_dir: Path) -> None:
    """The bot's volume is mounted where the Dockerfile declares its data volume."""
    dockerfile = (deploy_dir / "Dockerfile").read_text(encoding="utf-8")
    volume, target = compose["services"]["bot"]["volumes"][0].split(":", 1)
    assert volume in compose["volumes"]
    assert f'VOLUME ["{target}"]' in dockerfile


def test_dashboard_port_is_published_on_loopback(compose: dict[str, Any]) -> None:
    """The dashboard listens on all interfaces in the container, published on loopback only."""
    env = bot_env(compose)
    assert env["DESKBREAK_WEB_HOST"] == "0.0.0.0"
    port = env["DESKBREAK_WEB_PORT"]
    assert f"127.0.0.1:{port}:{port}" in compose["services"]["bot"]["ports"]


def test_bot_runs_a_named_platform(compose: dict[str, Any]) -> None:
    """The bot service names its platform, so a missing token stops it (exit 2)."""
    command = compose["services"]["bot"]["command"]
    assert command[:2] == ["run", "--platform"] and command[2] in ("discord", "slack")
