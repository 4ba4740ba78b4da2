"""The console REPL: one person, one channel, answers printed as they arrive.

Reading lines (a line editor on a terminal, plain lines from a pipe) lives in terminal.py
and how answers look in output.py; this module only runs the loop: read a line, dispatch
it through the command table, show the answer.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TextIO

from bot.adapters.console.files import SavedFiles
from bot.adapters.console.guided import run_live
from bot.adapters.console.notifier import ConsoleNotifier
from bot.adapters.console.output import ConsoleOutput
from bot.adapters.console.table import CommandTable, ConsoleContext, StopRepl
from bot.adapters.console.terminal import CommandCompleter, LineReader, PipeReader, TerminalReader
from bot.commands.call import Facades
from bot.core.commands import ContentCommands
from bot.core.guided.commands import GuidedCommands
from bot.core.guided.session import LiveMessage
from bot.core.ports import Actor, Platform, Target, TargetKind
from bot.scheduling.commands import SchedulingCommands

CONSOLE_WORKSPACE = "console"
CONSOLE_CHANNEL = "console"
# The person who runs the process at the terminal (the dashboard signs them in as this id).
CONSOLE_USER = "console-user"
BANNER = "deskbreak console: /help lists the commands, Tab completes, /quit or Ctrl-D leaves."


def _isatty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (ValueError, AttributeError):
        return False


class ConsoleAdapter:
    """Everything the console needs; ``table`` answers each line from the command table.

    ``interactive`` (default: stdin and stdout are both terminals) picks the line editor
    and the banner; ``history`` is the line editor's history file (None: kept in memory);
    ``files`` the folder pictures are saved in (None: not saved, the answer says so).
    """

    def __init__(
        self,
        content: ContentCommands,
        *,
        stdin: TextIO | None = None,
        stdout: TextIO | None = None,
        interactive: bool | None = None,
        history: Path | None = None,
        files: Path | None = None,
        guided: GuidedCommands | None = None,
    ) -> None:
        self._stdin = stdin or sys.stdin
        if interactive is None:
            interactive = _isatty(self._stdin) and _isatty(stdout or sys.stdout)
        # stdout None: whatever sys.stdout is when printing (the line editor swaps it).
        self.output = ConsoleOutput(stdout, interactive=interactive,
                                    files=SavedFiles(files) if files is not None else None)
        self.notifier = ConsoleNotifier(self.output)
        self.facades = Facades(content, guided=guided)
        self.table = CommandTable(self.facades)
        self._history = history
        # Lines shown under the banner when a person is at the terminal (the time zone).
        self.notes: list[str] = []
        # The person at the terminal runs the process, so they are its admin.
        self.context = ConsoleContext(
            actor=Actor(Platform.CONSOLE, CONSOLE_WORKSPACE, CONSOLE_USER, is_admin=True,
                        display_name="you"),
            target=Target(Platform.CONSOLE, CONSOLE_WORKSPACE, TargetKind.CHANNEL,
                          CONSOLE_CHANNEL),
        )

    def attach(self, scheduling: SchedulingCommands) -> None:
        """Answer /schedule, /config, /remind, /done and /snooze with ``scheduling``."""
        self.facades.scheduling = scheduling

    def _reader(self) -> LineReader:
        if not self.output.interactive:
            return PipeReader(self._stdin)
        # The table is read when Tab is pressed, so a table swapped in later is completed too.
        return TerminalReader(CommandCompleter(lambda: self.table), self._history)

    async def run(self) -> int:
        """Answer commands until /quit or end of input; return the exit status (0)."""
        reader = self._reader()
        # The banner goes out before the line editor starts, so it is always above the first
        # prompt (written inside the session it could land after the prompt was drawn).
        if self.output.interactive:
            self.output.write("\n".join([BANNER, *self.notes]))
        with reader.session():
            while True:
                line = await reader.read()
                if line is None:
                    return 0
                try:
                    message = await self.table.dispatch(self.context, line)
                except StopRepl:
                    return 0
                if isinstance(message, LiveMessage) and message.session is not None:
                    await run_live(self.output, message)
                elif message is not None:
                    self.output.show(message)
