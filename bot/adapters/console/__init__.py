"""The console adapter: a REPL on stdin/stdout and a notifier that prints nudges.

It needs no token, so ``deskbreak run`` works out of the box and every content command can be
tried (and tested through a pipe) without a chat platform.
"""

from bot.adapters.console.adapter import ConsoleAdapter
from bot.adapters.console.notifier import ConsoleNotifier
from bot.adapters.console.output import ConsoleOutput
from bot.adapters.console.table import CommandTable, ConsoleContext, StopRepl

__all__ = [
    "CommandTable",
    "ConsoleAdapter",
    "ConsoleContext",
    "ConsoleNotifier",
    "ConsoleOutput",
    "StopRepl",
]
