"""The console REPL: reads lines from stdin without blocking the event loop.

stdin is read by a daemon thread that hands each line to the loop. The usual alternatives
fail here: ``loop.connect_read_pipe`` rejects a regular file (``deskbreak run < script``) and,
on a terminal, makes stdout non-blocking too (they share one file description), and a
``run_in_executor`` read keeps the interpreter from exiting on Ctrl-C until Enter is pressed.
"""

from __future__ import annotations

import asyncio
import sys
import threading
from typing import TextIO

from bot.adapters.console.notifier import ConsoleNotifier, ConsoleOutput
from bot.adapters.console.table import CommandTable, ConsoleContext, StopRepl
from bot.commands.call import Facades
from bot.core.commands import ContentCommands
from bot.core.ports import Actor, Platform, Target, TargetKind
from bot.scheduling.commands import SchedulingCommands

CONSOLE_WORKSPACE = "console"
CONSOLE_CHANNEL = "console"


class ConsoleAdapter:
    """Everything the console needs; ``table`` answers each line from the command table."""

    def __init__(
        self,
        content: ContentCommands,
        *,
        stdin: TextIO | None = None,
        stdout: TextIO | None = None,
        interactive: bool | None = None,
    ) -> None:
        self._stdin = stdin or sys.stdin
        stdout = stdout or sys.stdout
        if interactive is None:
            interactive = self._stdin.isatty()
        self.output = ConsoleOutput(stdout, interactive=interactive)
        self.notifier = ConsoleNotifier(self.output)
        self.facades = Facades(content)
        self.table = CommandTable(self.facades)
        # The person at the terminal runs the process, so they are its admin.
        self.context = ConsoleContext(
            actor=Actor(Platform.CONSOLE, CONSOLE_WORKSPACE, "console-user", is_admin=True,
                        display_name="you"),
            target=Target(Platform.CONSOLE, CONSOLE_WORKSPACE, TargetKind.CHANNEL,
                          CONSOLE_CHANNEL),
        )

    def attach(self, scheduling: SchedulingCommands) -> None:
        """Answer /schedule, /config, /remind and /done with ``scheduling``."""
        self.facades.scheduling = scheduling

    async def run(self) -> int:
        """Answer commands until /quit or end of input; return the exit status (0)."""
        lines = self._start_reader()
        if self.output.interactive:
            self.output.write("deskbreak console. Type /help for commands, /quit to leave.")
        while True:
            self.output.prompt()
            line = await lines.get()
            self.output.input_received()
            if line is None:
                return 0
            try:
                message = await self.table.dispatch(self.context, line)
            except StopRepl:
                return 0
            if message is not None:
                self.output.show(message)

    def _start_reader(self) -> asyncio.Queue[str | None]:
        loop = asyncio.get_running_loop()
        queue: asyncio.Queue[str | None] = asyncio.Queue()

        def hand_over(item: str | None) -> None:
            try:
                loop.call_soon_threadsafe(queue.put_nowait, item)
            except RuntimeError:  # the loop closed first: nobody is listening any more
                pass

        def read() -> None:
            for line in self._stdin:
                hand_over(line)
            hand_over(None)

        threading.Thread(target=read, name="console-stdin", daemon=True).start()
        return queue
