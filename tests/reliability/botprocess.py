"""The real bot as a child process (``python -m bot run``) pointed at a fake Discord.

Reliability tests need what an in-process client cannot give them: a process that can be
killed with SIGKILL or stopped with SIGTERM, and a fresh process that starts from what the
dead one left in the database. Output goes to a file, not a pipe, so a chatty bot can never
block on a full pipe while a test waits for it.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
from collections.abc import Mapping
from pathlib import Path

from tests.childenv import child_env
from tests.fakes.discord import FakeDiscord

ROOT = Path(__file__).resolve().parents[2]
# Upper bound on any wait for the child; a healthy run finishes far inside it.
WAIT = 60.0


def bot_env(fake: FakeDiscord, db_url: str, **extra: str) -> dict[str, str]:
    """The child's environment: the caller's minus any deskbreak/platform settings, plus ours."""
    keep = child_env()
    return {
        **keep,
        "PYTHONPATH": str(ROOT),
        "DISCORD_TOKEN": fake.token,
        "DESKBREAK_DATABASE_URL": db_url,
        "DESKBREAK_DISCORD_API_BASE": fake.api_base,
        "DESKBREAK_DISCORD_GATEWAY_URL": fake.gateway_url,
        "DESKBREAK_LOG_LEVEL": "INFO",
        **extra,
    }


class BotProcess:
    """One run of the bot; ``log`` is everything it wrote to stdout and stderr."""

    def __init__(self, proc: asyncio.subprocess.Process, log_path: Path) -> None:
        self.proc = proc
        self.log_path = log_path

    @classmethod
    async def start(
        cls, workdir: Path, env: Mapping[str, str], *, name: str = "bot", platform: str = "discord"
    ) -> BotProcess:
        log_path = workdir / f"{name}.log"
        with log_path.open("wb") as out:
            proc = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "bot", "run", "--platform", platform,
                cwd=workdir, env=dict(env), stdin=asyncio.subprocess.DEVNULL,
                stdout=out, stderr=asyncio.subprocess.STDOUT,
            )
        return cls(proc, log_path)

    @property
    def pid(self) -> int:
        return self.proc.pid

    @property
    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def kill(self, sig: signal.Signals = signal.SIGKILL) -> None:
        """Send ``sig`` (safe to call from a fake's callback on the test's event loop)."""
        if self.proc.returncode is None:
            # The child watcher reaps in a thread and sets returncode a moment later; in that
            # gap the pid is already gone, which for "make sure it is dead" is success.
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.proc.pid, sig)

    async def exit_status(self, within: float = WAIT) -> int:
        """Wait for the process to end by itself; a hang is killed and reported."""
        try:
            return await asyncio.wait_for(self.proc.wait(), within)
        except TimeoutError:
            self.kill()
            await self.proc.wait()
            raise AssertionError(f"the bot did not exit within {within}s:\n{self.log}") from None

    async def until(self, event: asyncio.Event, within: float = WAIT) -> None:
        """Wait for ``event``; fail with the bot's log if it exits or hangs first."""
        waiter = asyncio.ensure_future(event.wait())
        exited = asyncio.ensure_future(self.proc.wait())
        done, _ = await asyncio.wait({waiter, exited}, timeout=within,
                                     return_when=asyncio.FIRST_COMPLETED)
        waiter.cancel()
        exited.cancel()
        if waiter not in done:
            what = "exited" if exited in done else f"did not get there within {within}s"
            raise AssertionError(f"the bot {what}:\n{self.log}")

    async def until_logged(self, text: str, within: float = WAIT) -> None:
        """Wait until the bot has logged ``text`` (re-reading its log a few times a second):
        for states only the bot's own log can show, such as "this write failed"."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + within
        while text not in self.log:
            if self.proc.returncode is not None or loop.time() > deadline:
                raise AssertionError(f"the bot never logged {text!r}:\n{self.log}")
            await asyncio.sleep(0.1)

    async def stop(self) -> int:
        """SIGTERM and wait: the graceful stop every test ends a healthy run with."""
        self.kill(signal.SIGTERM)
        return await self.exit_status()

    async def ensure_dead(self) -> None:
        if self.proc.returncode is None:
            self.kill()
            await self.proc.wait()
