"""deploy/Dockerfile: checked without Docker by running its commands on this machine.

The tests never build the image (that needs a Docker daemon); instead the pieces that decide
whether the image works are run directly: the ENTRYPOINT/CMD, the HEALTHCHECK one-liner against
a real health server, and the install from exactly the files the Dockerfile copies
(tests/deploy/test_install.py).
"""

from __future__ import annotations

import asyncio
import fnmatch
import json
import os
import shlex
import signal
import socket
import subprocess
import sys
from pathlib import Path

import aiohttp
from prometheus_client.parser import text_string_to_metric_families

from bot.observability import HealthChecks, Metrics, ObservabilityServer
from tests.childenv import child_env
from tests.fakes.discord import FakeDiscord
from tests.reliability.botprocess import bot_env

VENV_BIN = Path(sys.executable).parent


def only(dockerfile: list[tuple[str, str]], keyword: str) -> str:
    found = [args for kw, args in dockerfile if kw == keyword]
    assert len(found) == 1, f"expected one {keyword}, found {len(found)}"
    return found[0]


def healthcheck_command(dockerfile: list[tuple[str, str]]) -> list[str]:
    _, _, command = only(dockerfile, "HEALTHCHECK").partition(" CMD ")
    parsed = json.loads(command)
    assert isinstance(parsed, list)
    return [str(part) for part in parsed]


def test_base_image_is_python_311_slim(dockerfile: list[tuple[str, str]]) -> None:
    """The image builds on python:3.11-slim."""
    assert only(dockerfile, "FROM") == "python:3.11-slim"


def test_runs_as_unprivileged_user(dockerfile: list[tuple[str, str]]) -> None:
    """The final USER is a named, non-root user created in the image."""
    user = only(dockerfile, "USER").split(":")[0]
    assert user not in ("root", "0")
    assert any(kw == "RUN" and "useradd" in args and user in args for kw, args in dockerfile)


def test_entrypoint_and_cmd_are_deskbreak_run(dockerfile: list[tuple[str, str]]) -> None:
    """ENTRYPOINT is the deskbreak console script and CMD its run subcommand on a named
    platform (exec form), so a container without its token stops instead of idling."""
    assert json.loads(only(dockerfile, "ENTRYPOINT")) == ["deskbreak"]
    assert json.loads(only(dockerfile, "CMD")) == ["run", "--platform", "discord"]


def test_image_command_without_a_token_exits_2_naming_it(
    dockerfile: list[tuple[str, str]], tmp_path: Path
) -> None:
    """ENTRYPOINT + CMD with no DISCORD_TOKEN exits 2 with one line naming the variable."""
    command = [*json.loads(only(dockerfile, "ENTRYPOINT")), *json.loads(only(dockerfile, "CMD"))]
    env = child_env()
    done = subprocess.run([str(VENV_BIN / command[0]), *command[1:]], cwd=tmp_path, env=env,
                          stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert "DISCORD_TOKEN" in done.stderr and len(done.stderr.splitlines()) == 1


def test_entrypoint_answers_help() -> None:
    """`deskbreak --help`, the image's entry point, runs and lists the run command."""
    done = subprocess.run(
        [str(VENV_BIN / "deskbreak"), "--help"], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert "run" in done.stdout


def test_entrypoint_with_cmd_is_a_valid_command() -> None:
    """ENTRYPOINT + CMD (`deskbreak run`) is a command the CLI accepts."""
    done = subprocess.run(
        [str(VENV_BIN / "deskbreak"), "run", "--help"], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert "--platform" in done.stdout


async def run_healthcheck(command: list[str], port: int) -> int:
    program = sys.executable if command[0] == "python" else command[0]
    env = {**os.environ, "DESKBREAK_METRICS_PORT": str(port)}
    process = await asyncio.create_subprocess_exec(
        program, *command[1:], env=env,
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
    )
    return await asyncio.wait_for(process.wait(), timeout=60)


async def test_healthcheck_passes_against_healthy_server(
    dockerfile: list[tuple[str, str]],
) -> None:
    """The HEALTHCHECK command exits 0 when /healthz answers 200."""
    command = healthcheck_command(dockerfile)
    health = HealthChecks()
    health.add("store", lambda: None)
    async with ObservabilityServer(Metrics(), health, "127.0.0.1", 0) as server:
        assert await run_healthcheck(command, server.port) == 0


async def test_healthcheck_fails_against_unhealthy_server(
    dockerfile: list[tuple[str, str]],
) -> None:
    """The HEALTHCHECK command exits non-zero when /healthz answers 503."""
    command = healthcheck_command(dockerfile)
    health = HealthChecks()
    health.add("store", lambda: "database unreachable")
    async with ObservabilityServer(Metrics(), health, "127.0.0.1", 0) as server:
        assert await run_healthcheck(command, server.port) != 0


async def test_healthcheck_fails_when_nothing_listens(
    dockerfile: list[tuple[str, str]],
) -> None:
    """The HEALTHCHECK command exits non-zero when the server is gone."""
    command = healthcheck_command(dockerfile)
    server = ObservabilityServer(Metrics(), HealthChecks(), "127.0.0.1", 0)
    await server.start()
    port = server.port
    await server.stop()
    assert await run_healthcheck(command, port) != 0


def test_healthcheck_default_port_matches_image_env(dockerfile: list[tuple[str, str]]) -> None:
    """The image's DESKBREAK_METRICS_PORT is the port it EXPOSEs and the probe's fallback."""
    env = dict(
        part.split("=", 1) for kw, args in dockerfile if kw == "ENV" for part in shlex.split(args)
    )
    port = env["DESKBREAK_METRICS_PORT"]
    assert env["DESKBREAK_METRICS_HOST"] == "0.0.0.0"
    assert only(dockerfile, "EXPOSE") == port
    assert f"'{port}'" in " ".join(healthcheck_command(dockerfile))


def test_copied_sources_exist_and_are_not_dockerignored(
    dockerfile: list[tuple[str, str]], repo: Path
) -> None:
    """Everything COPY takes from the context exists and .dockerignore lets it through."""
    patterns = [
        line.strip() for line in (repo / ".dockerignore").read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    ]
    sources = [
        source for kw, args in dockerfile if kw == "COPY" for source in args.split()[:-1]
        if not source.startswith("--")
    ]
    assert sources, "the Dockerfile copies nothing"
    for source in sources:
        assert (repo / source).exists(), source
        assert not any(fnmatch.fnmatch(source, p) for p in patterns), source


def test_dockerignore_keeps_secrets_and_databases_out(repo: Path) -> None:
    """.dockerignore excludes .env files, git history and local databases."""
    patterns = set((repo / ".dockerignore").read_text(encoding="utf-8").split())
    assert {".env", ".git", "data", "*.sqlite3"} <= patterns


def test_install_is_a_plain_pip_install_then_validate(dockerfile: list[tuple[str, str]]) -> None:
    """The image installs the copied source with pip like everyone else (the content travels in
    the wheel, tests/deploy/test_install.py) and validates it; nothing places content by hand."""
    runs = " && ".join(args for kw, args in dockerfile if kw == "RUN")
    assert "pip install /tmp/deskbreak-src" in runs and "deskbreak validate" in runs
    assert "content" not in runs.replace("/tmp/deskbreak-src", "")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_image_command_serves_health_and_metrics(
    dockerfile: list[tuple[str, str]], tmp_path: Path
) -> None:
    """ENTRYPOINT + CMD against a fake Discord, with the metrics port set, starts the server;
    the HEALTHCHECK passes, /metrics parses, and the image's STOPSIGNAL stops it with exit 0."""
    command = [*json.loads(only(dockerfile, "ENTRYPOINT")), *json.loads(only(dockerfile, "CMD"))]
    stop_signal = getattr(signal, only(dockerfile, "STOPSIGNAL"))
    port = free_port()
    fake = FakeDiscord()
    await fake.start()
    env = bot_env(fake, f"sqlite+aiosqlite:///{tmp_path / 'bot.sqlite3'}")
    env |= {
        "DESKBREAK_METRICS_HOST": "127.0.0.1",  # the image says 0.0.0.0; tests stay on loopback
        "DESKBREAK_METRICS_PORT": str(port),
    }
    process = await asyncio.create_subprocess_exec(
        str(VENV_BIN / command[0]), *command[1:], cwd=tmp_path, env=env,
        stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )
    assert process.stderr is not None
    try:
        seen: list[str] = []
        # Serving /healthz, and healthy: the gateway is up and the scheduler runs (it starts
        # after the gateway connects, so waiting for both lines is what "healthy" means).
        marks = ("health and metrics on", "connected to Discord as", "scheduler started")
        async with asyncio.timeout(60):
            while not all(any(mark in line for line in seen) for mark in marks):
                line = (await process.stderr.readline()).decode()
                assert line, "deskbreak run exited before it was healthy:\n" + "".join(seen)
                seen.append(line)
        assert await run_healthcheck(healthcheck_command(dockerfile), port) == 0
        async with aiohttp.ClientSession() as http:
            async with http.get(f"http://127.0.0.1:{port}/metrics") as response:
                names = {f.name for f in text_string_to_metric_families(await response.text())}
        assert {"deskbreak_deliveries_sent", "deskbreak_schedules_stored"} <= names
    finally:
        if process.returncode is None:
            process.send_signal(stop_signal)
        async with asyncio.timeout(60):
            await process.stderr.read()
            status = await process.wait()
        await fake.close()
    assert status == 0
