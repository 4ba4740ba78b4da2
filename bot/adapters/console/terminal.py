"""Reading what the person types: a line editor on a terminal, plain lines from a pipe.

On a terminal the console is a place to live in, so it reads with prompt_toolkit: arrow
keys edit and recall (history kept in the data folder, beside the SQLite database), Tab
completes command and stretch names, Ctrl-C clears the line and Ctrl-D on an empty line
leaves. While the prompt shows, anything printed (a nudge, a log line) goes above it and
the prompt is redrawn with what was being typed, instead of landing in the middle of it.

From a pipe or a file (``deskbreak run < script``) lines are read by a daemon thread that
hands each to the loop. The usual alternatives fail there: ``loop.connect_read_pipe``
rejects a regular file and, on a terminal, makes stdout non-blocking too (they share one
file description), and a ``run_in_executor`` read keeps the interpreter from exiting on
Ctrl-C until Enter is pressed.

Either way every line loses its control characters before anything sees it, so a stray
ESC, BEL or NUL is never echoed back to the terminal.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Protocol, TextIO

from prompt_toolkit import PromptSession
from prompt_toolkit.completion import CompleteEvent, Completer, Completion
from prompt_toolkit.document import Document
from prompt_toolkit.history import FileHistory, History, InMemoryHistory
from prompt_toolkit.patch_stdout import patch_stdout

from bot.adapters.console.output import strip_controls
from bot.adapters.console.table import CommandTable
from bot.commands.call import Facades
from bot.commands.spec import Command, Kind
from bot.core.lookup import Choice
from bot.core.ports import Platform
from bot.storage.paths import data_folder

PROMPT = "deskbreak> "
HISTORY_FILE = "console_history"
LEAVE_HINT = "(Ctrl-D or /quit leaves)"


def clean_line(line: str) -> str:
    """What was typed, without the newline and without control characters."""
    return strip_controls(line.rstrip("\r\n"))


def history_path(database_url: str) -> Path:
    """The console's history file: in the folder of the SQLite database (``data/`` by
    default), or ``data/`` under the working directory when the database is a server."""
    return data_folder(database_url) / HISTORY_FILE


class LineReader(Protocol):
    async def read(self) -> str | None:
        """The next line typed, or None at the end of input."""
        ...

    def session(self) -> contextlib.AbstractContextManager[None]:
        """Held while the REPL runs: where output goes while a line is being read."""
        ...


class PipeReader:
    """Lines from a pipe or file, read by a daemon thread (see the module docstring)."""

    def __init__(self, stdin: TextIO) -> None:
        self._stdin = stdin
        self._queue: asyncio.Queue[str | None] | None = None

    @contextlib.contextmanager
    def session(self) -> Iterator[None]:
        yield

    async def read(self) -> str | None:
        if self._queue is None:
            self._queue = self._start()
        line = await self._queue.get()
        return None if line is None else clean_line(line)

    def _start(self) -> asyncio.Queue[str | None]:
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


class CommandCompleter(Completer):
    """Tab completion from the command table: command names, a group's subcommands
    (``/remind sn`` -> ``snooze``), then what an option takes: stretch names after /stretch
    (the whole phrase), areas and places after /stretches, time zones after ``/config tz``.

    ``commands`` is asked at each Tab, so the table in use is the one completed."""

    def __init__(self, commands: Callable[[], CommandTable]) -> None:
        self._commands = commands

    def get_completions(
        self, document: Document, complete_event: CompleteEvent
    ) -> Iterator[Completion]:
        table = self._commands()
        text = document.text_before_cursor
        command, space, rest = text.partition(" ")
        if not space:
            typed = command if command.startswith("/") else f"/{command}"
            for name in table.names():
                if f"/{name}".startswith(typed.lower()):
                    yield Completion(f"/{name}", start_position=-len(command))
            return
        leaf = table.table.find(Platform.CONSOLE, command.removeprefix("/"))
        if leaf is not None and leaf.subcommands:
            word, space, rest = rest.partition(" ")
            if not space:
                for sub in leaf.subcommands:
                    if Platform.CONSOLE in sub.platforms and sub.name.startswith(word.lower()):
                        yield Completion(sub.name, start_position=-len(word))
                return
            leaf = leaf.subcommand(word)
        if leaf is not None:
            yield from _values(leaf, rest, table.facades)


def _values(command: Command, rest: str, facades: Facades) -> Iterator[Completion]:
    """Completions for the options of ``command`` after ``rest`` was typed."""
    phrase = next((o for o in command.options if o.kind is Kind.WORDS and o.autocomplete), None)
    if phrase is not None and phrase.autocomplete is not None:
        # A free-text name ("thread the ne"): the whole phrase is what is being completed.
        yield from _best(phrase.autocomplete(facades, rest), rest)
        return
    before, _, word = rest.rpartition(" ")
    key, equals, value = word.partition("=")
    previous = before.rpartition(" ")[2].lower()
    if equals:  # tz=Europe/Ber: that option's values
        options = [o for o in command.options if key.lower() in o.keys]
        word = value
    elif any(previous in o.keys for o in command.options):  # timezone Europe/Ber
        options = [o for o in command.options if previous in o.keys]
    else:
        # Values typed without a name fill the positional options; words a facade reads
        # forgivingly (/stretches' areas and places) may hold any WORDS option's values.
        loose = any(o.positional and o.kind is Kind.WORDS for o in command.options)
        options = [o for o in command.options
                   if o.positional or (loose and o.kind is Kind.WORDS)]
    choices: list[Choice] = []
    for option in options:
        if option.autocomplete is not None:
            choices += option.autocomplete(facades, word)
        elif callable(option.choices):
            choices += option.choices(facades)
        else:
            choices += option.choices
    yield from _best(list(dict.fromkeys(choices)), word, only_starting=True)


def _best(choices: Sequence[Choice], typed: str, *,
          only_starting: bool = False) -> Iterator[Completion]:
    """Values that start with what was typed, when there are any (Tab then finishes
    "thread-the-ne" at once instead of offering every fuzzy match), else every suggestion."""
    prefix = typed.strip().lower()
    starting = [c for c in choices if c.value.lower().startswith(prefix)]
    for choice in starting if starting or only_starting else choices:
        yield Completion(choice.value, start_position=-len(typed),
                         display_meta=choice.label if choice.label != choice.value else None)


class TerminalReader:
    """prompt_toolkit's line editor with history, completion and a prompt kept intact."""

    def __init__(self, completer: CommandCompleter, history: Path | None) -> None:
        store: History = InMemoryHistory()
        if history is not None:
            try:
                history.parent.mkdir(parents=True, exist_ok=True)
                history.touch(mode=0o600, exist_ok=True)
                store = FileHistory(str(history))
            except OSError as exc:  # a read-only folder costs the history, not the console
                logging.getLogger(__name__).warning(
                    "console history is off: cannot write %s (%s)", history, exc.strerror
                )
        self._prompt: PromptSession[str] = PromptSession(
            history=store, completer=completer, complete_while_typing=False
        )

    @contextlib.contextmanager
    def session(self) -> Iterator[None]:
        """Print everything above the prompt, log lines included (they go to stderr, which
        is this same terminal), so nothing lands in the line being typed."""
        before = {id(sys.stderr), id(sys.__stderr__)}
        with patch_stdout(raw=True):
            moved = [
                (handler, handler.setStream(sys.stderr))
                for handler in logging.getLogger().handlers
                if isinstance(handler, logging.StreamHandler) and id(handler.stream) in before
            ]
            try:
                yield
            finally:
                for handler, stream in moved:
                    handler.setStream(stream)

    async def read(self) -> str | None:
        while True:
            try:
                # SIGINT stays with bot/shutdown.py: prompt_toolkit would otherwise take the
                # handler over and drop it when the prompt closes.
                line = await self._prompt.prompt_async(PROMPT, handle_sigint=False)
            except KeyboardInterrupt:  # Ctrl-C: a fresh, empty prompt, as in a shell
                if not self._prompt.default_buffer.text:
                    print(LEAVE_HINT)
                continue
            except EOFError:  # Ctrl-D on an empty line
                return None
            return clean_line(line)
