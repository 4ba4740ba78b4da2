"""The console's commands: each typed line is read by the shared parser (``bot.commands``)
and answered from the command table, like Slack's slash commands.

The REPL (``adapter.py``) only reads lines and prints what :meth:`CommandTable.dispatch`
returns; nothing a command does, fails or raises ends it, except /quit.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from bot.commands.call import Call, Facades
from bot.commands.help import command_help
from bot.commands.parse import parse
from bot.commands.run import EndSession, UsageError, run, safely
from bot.commands.spec import Table
from bot.commands.table import TABLE
from bot.core.messages import Message, error
from bot.core.ports import Actor, Platform, Target
from bot.core.text import truncate

log = logging.getLogger(__name__)

# How much of an unknown command is quoted back.
ECHO_LIMIT = 40


class StopRepl(Exception):  # noqa: N818 - a control-flow signal, not an error
    """Raised for /quit to end the REPL."""


@dataclass(frozen=True, slots=True)
class ConsoleContext:
    """Who is typing and where answers go: the console is one admin in one channel."""

    actor: Actor
    target: Target


class CommandTable:
    """Every command of ``table`` that exists on the console, answered by ``facades``."""

    def __init__(self, facades: Facades, table: Table = TABLE) -> None:
        self.facades = facades
        self.table = table

    def names(self) -> list[str]:
        """Every command's name on the console, for tab completion."""
        return sorted(c.name_on(Platform.CONSOLE) for c in self.table.on(Platform.CONSOLE))

    async def dispatch(self, ctx: ConsoleContext, line: str) -> Message | None:
        """Run one input line; unknown commands get a hint, never an exception."""
        text = line.strip()
        if not text:
            return None
        try:
            return await safely(self._dispatch(ctx, text), f"console {text.split()[0][:40]}")
        except EndSession:
            raise StopRepl from None

    async def _dispatch(self, ctx: ConsoleContext, text: str) -> Message:
        # "/stretch pigeon", and also "stretch pigeon": the first word names the command.
        name, _, rest = text.removeprefix("/").partition(" ")
        command = self.table.find(Platform.CONSOLE, name)
        if command is None:
            return _unknown(text)
        try:
            parsed = parse(self.table, Platform.CONSOLE, name, rest)
        except UsageError as exc:
            return error(str(exc))
        if parsed.help:
            return command_help(command, Platform.CONSOLE)
        return await run(Call(parsed.path, ctx.actor, ctx.target, self.facades, parsed.args))


def _unknown(text: str) -> Message:
    """Quote back what was typed, as typed: "/hello" for someone who typed "hello" reads as
    if the console misheard them."""
    if text.startswith("/"):
        name = truncate(text.partition(" ")[0], ECHO_LIMIT)
        return error(f"Unknown command {name}. Type /help to see what I can do.")
    return error(
        f"I don't know “{truncate(text, ECHO_LIMIT)}”. Commands start with a slash:"
        " type /help to see them."
    )
