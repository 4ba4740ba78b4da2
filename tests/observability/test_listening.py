"""A listener that cannot start (issue 11, item 5): a port already in use or a host name that
does not resolve is one line naming the setting to change, for /healthz + /metrics, Slack's
HTTP endpoint and the dashboard alike, never a traceback."""

from __future__ import annotations

import logging
import socket
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from pydantic import SecretStr

from bot.app import build_app
from bot.core.clock import FakeClock
from bot.core.ports import Platform
from bot.observability import HealthChecks, Metrics, ObservabilityServer
from bot.observability.listening import CannotListen
from bot.serve import run_platforms
from bot.settings import DatabaseSettings, Settings, SlackSettings
from tests.childenv import child_env
from tests.fakes.slack import BOT_TOKEN, SIGNING_SECRET, FakeSlack

UNRESOLVABLE = "deskbreak-metrics.invalid"  # .invalid never resolves (RFC 6761)


@pytest.fixture
def busy_port() -> Iterator[int]:
    """A port on 127.0.0.1 that another socket holds for the test."""
    holder = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    holder.bind(("127.0.0.1", 0))
    holder.listen()
    try:
        yield holder.getsockname()[1]
    finally:
        holder.close()


async def test_metrics_port_in_use_is_one_line(busy_port: int) -> None:
    """DESKBREAK_METRICS_PORT taken: CannotListen naming the port and the settings."""
    server = ObservabilityServer(Metrics(), HealthChecks(), "127.0.0.1", busy_port)
    with pytest.raises(CannotListen) as caught:
        await server.start()
    message = str(caught.value)
    assert f"port {busy_port} is already in use on 127.0.0.1" in message
    assert "DESKBREAK_METRICS_PORT" in message and "\n" not in message


async def test_an_unresolvable_metrics_host_is_one_line() -> None:
    """DESKBREAK_METRICS_HOST that does not resolve: CannotListen naming the host."""
    server = ObservabilityServer(Metrics(), HealthChecks(), UNRESOLVABLE, 0)
    with pytest.raises(CannotListen) as caught:
        await server.start()
    assert f"the host name '{UNRESOLVABLE}' does not resolve" in str(caught.value)
    assert "DESKBREAK_METRICS_HOST" in str(caught.value)


async def test_slack_http_port_in_use_refuses_slack_in_one_line(
        busy_port: int, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """SLACK_HTTP_PORT taken: Slack refuses to start with one logged line and status 2."""
    fake = await FakeSlack().start()
    try:
        slack = SlackSettings(bot_token=SecretStr(BOT_TOKEN),
                              signing_secret=SecretStr(SIGNING_SECRET), http_port=busy_port,
                              api_base=fake.base_url)
        settings = Settings(
            database=DatabaseSettings(url=f"sqlite+aiosqlite:///{tmp_path / 'db.sqlite3'}"),
            slack=slack)
        app = build_app(settings, clock=FakeClock(datetime(2026, 11, 23, 9, 0, tzinfo=UTC)))
        await app.store.migrate()
        with caplog.at_level(logging.INFO):
            assert await run_platforms(app, Platform.SLACK) == 2
        await app.store.close()
    finally:
        await fake.stop()
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert [r.getMessage() for r in errors] == [
        f"cannot serve Slack's HTTP requests on 127.0.0.1:{busy_port}: port {busy_port} is"
        " already in use on 127.0.0.1. Set SLACK_HTTP_PORT to a free port and SLACK_HTTP_HOST"
        " to an address of this machine, or use Socket Mode (SLACK_APP_TOKEN)."]
    assert all(r.exc_info is None for r in caplog.records)


def _run(tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", "run", "--platform", "console"], capture_output=True,
        text=True, timeout=60, cwd=tmp_path, stdin=subprocess.DEVNULL,
        env=child_env(DESKBREAK_DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path / 'db.sqlite3'}",
                      **env))


@pytest.mark.slow
def test_run_says_one_line_for_a_busy_port_or_unknown_host(
        tmp_path: Path, busy_port: int) -> None:
    """`deskbreak run` with the metrics port taken, or the metrics host unknown, or the
    dashboard's port taken: one line each, no traceback (the dashboard then stays off)."""
    taken = _run(tmp_path, DESKBREAK_METRICS_PORT=str(busy_port))
    assert taken.returncode == 1
    assert taken.stderr.strip().splitlines() == [
        f"cannot serve /healthz and /metrics on 127.0.0.1:{busy_port}: port {busy_port} is"
        " already in use on 127.0.0.1. Set DESKBREAK_METRICS_PORT to a free port and"
        " DESKBREAK_METRICS_HOST to an address of this machine (0.0.0.0 for all), or unset"
        " DESKBREAK_METRICS_PORT."]
    unknown = _run(tmp_path, DESKBREAK_METRICS_PORT="9", DESKBREAK_METRICS_HOST=UNRESOLVABLE)
    assert unknown.returncode == 1
    (line,) = unknown.stderr.strip().splitlines()
    assert f"the host name '{UNRESOLVABLE}' does not resolve" in line
    dashboard = _run(tmp_path, DESKBREAK_WEB_PORT=str(busy_port))
    assert "Traceback" not in dashboard.stderr
    assert (f"Dashboard not started: cannot listen on 127.0.0.1:{busy_port} (port {busy_port}"
            " is already in use on 127.0.0.1)") in dashboard.stdout + dashboard.stderr
