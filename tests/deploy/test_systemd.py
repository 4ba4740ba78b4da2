"""deploy/deskbreak.service: the keys that make it safe and keep it from crash-looping."""

from __future__ import annotations

import getpass
import grp
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

Unit = dict[str, dict[str, list[str]]]


def parse_unit(text: str) -> Unit:
    """Sections -> key -> every value given (systemd keys may repeat, unlike configparser)."""
    unit: Unit = {}
    section: dict[str, list[str]] | None = None
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        header = re.fullmatch(r"\[(\w+)\]", line)
        if header:
            section = unit.setdefault(header.group(1), {})
            continue
        assert section is not None, f"key outside a section: {line}"
        key, sep, value = line.partition("=")
        assert sep, f"not a key=value line: {line}"
        section.setdefault(key.strip(), []).append(value.strip())
    return unit


@pytest.fixture(scope="module")
def unit(deploy_dir: Path) -> Unit:
    return parse_unit((deploy_dir / "deskbreak.service").read_text(encoding="utf-8"))


def one(unit: Unit, section: str, key: str) -> str:
    values = unit.get(section, {}).get(key)
    assert values, f"[{section}] {key}= is missing"
    return values[-1]


def seconds(value: str) -> float:
    match = re.fullmatch(r"(\d+)\s*(s|min|m)?", value)
    assert match, f"unsupported time span {value!r}"
    return int(match.group(1)) * (60 if match.group(2) in ("min", "m") else 1)


def test_runs_as_dedicated_user(unit: Unit) -> None:
    """The service runs as its own unprivileged user and group."""
    assert one(unit, "Service", "User") == "deskbreak"
    assert one(unit, "Service", "Group") == "deskbreak"


def test_reads_settings_from_environment_file(unit: Unit) -> None:
    """Settings and secrets come from an EnvironmentFile outside the unit."""
    assert one(unit, "Service", "EnvironmentFile").startswith("/etc/deskbreak/")


def test_execstart_is_deskbreak_run_on_a_named_platform(unit: Unit) -> None:
    """ExecStart runs the installed console script's run command on a named platform, so a
    missing token fails the unit instead of starting the console."""
    command = one(unit, "Service", "ExecStart").split()
    assert Path(command[0]).name == "deskbreak"
    assert command[1:3] == ["run", "--platform"] and command[3] in ("discord", "slack")


def test_restarts_on_failure_with_a_delay(unit: Unit) -> None:
    """A crash restarts the bot after a pause, not immediately."""
    assert one(unit, "Service", "Restart") == "on-failure"
    assert seconds(one(unit, "Service", "RestartSec")) >= 5


def test_start_limit_stops_a_crash_loop(unit: Unit) -> None:
    """Failing every start (e.g. a bad token) hits the start limit: burst x delay < interval."""
    interval = seconds(one(unit, "Unit", "StartLimitIntervalSec"))
    burst = int(one(unit, "Unit", "StartLimitBurst"))
    delay = seconds(one(unit, "Service", "RestartSec"))
    assert burst >= 2
    assert burst * delay < interval


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        ("NoNewPrivileges", "yes"),
        ("ProtectSystem", "strict"),
        ("ProtectHome", "yes"),
        ("PrivateTmp", "yes"),
        ("CapabilityBoundingSet", ""),
    ],
)
def test_hardening_option(unit: Unit, key: str, expected: str) -> None:
    """Each hardening option is set to its strict value."""
    assert one(unit, "Service", key) == expected


def test_data_dir_is_the_only_writable_path(unit: Unit) -> None:
    """ReadWritePaths opens exactly the state directory the bot works in."""
    workdir = one(unit, "Service", "WorkingDirectory")
    state = one(unit, "Service", "StateDirectory")
    assert workdir == f"/var/lib/{state}"
    assert one(unit, "Service", "ReadWritePaths").split() == [workdir]


def test_installed_by_multi_user_target(unit: Unit) -> None:
    """`systemctl enable` hooks it into the normal boot."""
    assert one(unit, "Install", "WantedBy") == "multi-user.target"


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze not installed")
def test_systemd_analyze_verify_is_clean(deploy_dir: Path, tmp_path: Path) -> None:
    """systemd's own checker finds no unknown key or bad value (ExecStart and user swapped for
    ones that exist on this machine)."""
    text = (deploy_dir / "deskbreak.service").read_text(encoding="utf-8")
    user = getpass.getuser()
    text = re.sub(r"(?m)^ExecStart=\S+", f"ExecStart={Path(sys.executable).parent / 'deskbreak'}",
                  text)
    text = re.sub(r"(?m)^User=.*$", f"User={user}", text)
    group = grp.getgrgid(os.getgid()).gr_name
    text = re.sub(r"(?m)^Group=.*$", f"Group={group}", text)
    path = tmp_path / "deskbreak.service"
    path.write_text(text, encoding="utf-8")
    done = subprocess.run(
        ["systemd-analyze", "verify", str(path)], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr.strip() == ""
