"""A normal install works with no repository around it: wheel -> fresh venv -> commands.

The source tree is assembled from exactly what deploy/Dockerfile COPYs, so the same run proves
that the image's build context holds everything the build reads, and that the content travels
inside the wheel (``pip install .``, ``pipx install .`` and a wheel all install this way).
Dependencies come from the machine's package index, as for any user.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

import bot

pytestmark = pytest.mark.slow


def run(*command: str | Path, cwd: Path, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("DESKBREAK_", "DISCORD_", "SLACK_", "PYTHON", "VIRTUAL_ENV"))}
    return subprocess.run([str(part) for part in command], cwd=cwd, env=env, text=True,
                          capture_output=True, timeout=timeout)


def assemble_build_context(dockerfile: list[tuple[str, str]], repo: Path, into: Path) -> Path:
    """Copy each COPY source of the Dockerfile from the repository, as `docker build` would."""
    into.mkdir()
    for keyword, args in dockerfile:
        if keyword != "COPY":
            continue
        for source in args.split()[:-1]:
            origin = repo / source
            if origin.is_dir():
                shutil.copytree(origin, into / source,
                                ignore=shutil.ignore_patterns("__pycache__", "_content"))
            else:
                shutil.copy2(origin, into / source)
    return into


def test_the_wheel_carries_the_content_and_installs_into_a_fresh_venv(
    dockerfile: list[tuple[str, str]], repo: Path, tmp_path: Path
) -> None:
    """Build a wheel from the Dockerfile's files, install it into a new venv, then `deskbreak
    --version`, `validate` and `stretch pigeon` work from an unrelated directory."""
    source = assemble_build_context(dockerfile, repo, tmp_path / "src")
    built = run(sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", tmp_path / "dist",
                source, cwd=tmp_path)
    assert built.returncode == 0, built.stderr
    (wheel,) = (tmp_path / "dist").glob("deskbreak-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    shipped = {p.name for p in (repo / "content").glob("*.yaml")}
    assert {f"bot/_content/{name}" for name in shipped} <= names
    assert any(n.endswith(".dist-info/licenses/LICENSE") for n in names)

    venv = tmp_path / "venv"
    assert run(sys.executable, "-m", "venv", venv, cwd=tmp_path).returncode == 0
    installed = run(venv / "bin" / "pip", "install", "-q", wheel, cwd=tmp_path)
    assert installed.returncode == 0, installed.stderr

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    deskbreak = venv / "bin" / "deskbreak"
    version = run(deskbreak, "--version", cwd=elsewhere)
    assert version.stdout.strip() == f"deskbreak {bot.__version__}"
    validated = run(deskbreak, "validate", cwd=elsewhere)
    assert validated.returncode == 0, validated.stdout + validated.stderr
    assert "site-packages/bot/_content" in validated.stdout
    pigeon = run(deskbreak, "stretch", "pigeon", cwd=elsewhere)
    assert pigeon.returncode == 0, pigeon.stderr
    assert pigeon.stdout.startswith("Pigeon pose") and "sharp pain" in pigeon.stdout
