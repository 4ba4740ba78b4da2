"""The console's command table: ``/name args`` -> an async handler returning a Message.

Each feature registers its own commands (content here, ``/schedule`` and ``/remind`` by the
scheduling module) so the REPL itself stays a dumb loop.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from bot.core.messages import Message, MessageKind, Section, error
from bot.core.ports import Actor, Target
from bot.core.render import truncate

# How much of an unknown command is quoted back.
ECHO_LIMIT = 40


class StopRepl(Exception):  # noqa: N818 - a control-flow signal, not an error
    """Raised by a handler (``/quit``) to end the REPL."""


@dataclass(frozen=True, slots=True)
class ConsoleContext:
    """Who is typing and where answers go: the console is one admin in one channel."""

    actor: Actor
    target: Target


Handler = Callable[[ConsoleContext, str], Awaitable[Message | None]]


@dataclass(frozen=True, slots=True)
class Command:
    name: str
    usage: str
    summary: str
    handler: Handler


class CommandTable:
    def __init__(self) -> None:
        self._commands: dict[str, Command] = {}
        self.register("help", "/help", "list the commands", self._help)

    def register(self, name: str, usage: str, summary: str, handler: Handler) -> None:
        """Add ``/name``; ``usage`` and ``summary`` are shown by ``/help``."""
        if name in self._commands:
            raise ValueError(f"console command /{name} is already registered")
        self._commands[name] = Command(name, usage, summary, handler)

    def names(self) -> list[str]:
        """Every command's name, for tab completion."""
        return sorted(self._commands)

    async def dispatch(self, ctx: ConsoleContext, line: str) -> Message | None:
        """Run one input line; unknown commands get a hint, never an exception."""
        text = line.strip()
        if not text:
            return None
        name, _, args = text.removeprefix("/").partition(" ")
        command = self._commands.get(name.lower())
        if command is None:
            return _unknown(text)
        return await command.handler(ctx, args.strip())

    async def _help(self, ctx: ConsoleContext, args: str) -> Message:
        lines = tuple(f"{c.usage}: {c.summary}" for c in sorted(self._commands.values(),
                                                                  key=lambda c: c.name))
        return Message(
            kind=MessageKind.INFO,
            title="deskbreak commands",
            sections=(Section(None, lines),),
        )


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
