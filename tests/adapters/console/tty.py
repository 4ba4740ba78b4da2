"""A real terminal for console tests: tmux runs the command in a pseudo-terminal.

tmux answers the terminal queries a line editor makes (cursor position, size) and renders
the screen, so a test reads what a person would see (``screen()``), escape codes applied,
and types real keys (``send``). Waits poll the screen up to a generous limit: nothing depends
on how fast the machine is.
"""

from __future__ import annotations

import secrets
import shlex
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Mapping
from pathlib import Path

import pytest

from tests.childenv import child_env

WAIT = 30.0
ROOT = Path(__file__).resolve().parents[3]


def needs_tmux() -> pytest.MarkDecorator:
    return pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")


class Terminal:
    """One tmux server with one window running ``deskbreak run --platform console``."""

    def __init__(self, cwd: Path, env: Mapping[str, str], *args: str,
                 width: int = 80, height: int = 40) -> None:
        self.socket = f"deskbreak-test-{secrets.token_hex(4)}"
        command = shlex.join([sys.executable, "-m", "bot", "run", "--platform", "console",
                              *args])
        # The exit status on its own line shows where the cursor was left at the end.
        script = f'{command}; echo "[exit $?]"; sleep {int(WAIT * 4)}'
        full_env = child_env(drop=("TMUX",))
        full_env |= {"PYTHONPATH": str(ROOT), **env}
        self._tmux("-f", "/dev/null", "new-session", "-d", "-x", str(width), "-y", str(height),
                   "-c", str(cwd), "sh", "-c", script, env=full_env)

    def _tmux(self, *args: str, env: Mapping[str, str] | None = None) -> str:
        done = subprocess.run(["tmux", "-L", self.socket, *args], capture_output=True,
                              text=True, timeout=WAIT, env=dict(env) if env else None)
        assert done.returncode == 0, done.stderr
        return done.stdout

    def send(self, *keys: str) -> None:
        """tmux key names (Enter, Tab, Up, C-c, C-d) or, with ``literal``, text."""
        self._tmux("send-keys", "-t", "0", *keys)

    def type(self, text: str) -> None:
        self._tmux("send-keys", "-t", "0", "-l", text)

    def screen(self, *, escapes: bool = False) -> str:
        args = ["capture-pane", "-p", "-t", "0"] + (["-e"] if escapes else [])
        return self._tmux(*args)

    def lines(self) -> list[str]:
        return [line.rstrip() for line in self.screen().splitlines() if line.strip()]

    def wait_for(self, check: str | Callable[[str], bool], *, escapes: bool = False) -> str:
        """The screen once ``check`` (text on it, or a predicate) holds; fails after WAIT."""
        test = check if callable(check) else (lambda screen: check in screen)
        deadline = time.monotonic() + WAIT
        while True:
            screen = self.screen(escapes=escapes)
            if test(screen):
                return screen
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out waiting for {check!r}; screen:\n{screen}")
            time.sleep(0.05)

    def wait_for_prompt(self, typed: str = "") -> list[str]:
        """The screen's lines once its last line is the prompt holding ``typed``."""
        self.wait_for(lambda _: bool(self.lines()) and self.lines()[-1] == f"deskbreak> {typed}"
                      .rstrip())
        return self.lines()

    def close(self) -> None:
        subprocess.run(["tmux", "-L", self.socket, "kill-server"], capture_output=True,
                       timeout=WAIT)
