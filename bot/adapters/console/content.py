"""Content commands in the console: thin wrappers that parse a line and call ContentCommands."""

from __future__ import annotations

from bot.adapters.console.table import CommandTable, ConsoleContext, StopRepl
from bot.core.commands import ContentCommands
from bot.core.messages import Message


def register(table: CommandTable, content: ContentCommands) -> None:
    """Add /stretch, /stretches, /tip, /break, /redflags, /about and /quit."""

    async def stretch(ctx: ConsoleContext, args: str) -> Message:
        return content.stretch(args)  # the core answers an empty name, for every adapter

    async def stretches(ctx: ConsoleContext, args: str) -> Message:
        # Area and place are words in any order ("lower back standing"); the core splits
        # them. Only a trailing page number is the console's own syntax.
        words = args.split()
        page = 0
        if words and words[-1].isdecimal() and len(words[-1]) <= 6:  # int() takes these
            page = max(0, int(words.pop()) - 1)
        return content.stretches(" ".join(words) or None, None, page)

    async def tip(ctx: ConsoleContext, args: str) -> Message:
        return await content.tip(ctx.target.key)

    async def take_break(ctx: ConsoleContext, args: str) -> Message:
        return await content.break_message(ctx.target.key)

    async def redflags(ctx: ConsoleContext, args: str) -> Message:
        return content.redflags()

    async def about(ctx: ConsoleContext, args: str) -> Message:
        return content.about()

    async def quit_repl(ctx: ConsoleContext, args: str) -> Message | None:
        raise StopRepl

    table.register("stretch", "/stretch NAME", "step-by-step instructions for a stretch", stretch)
    table.register(
        "stretches",
        "/stretches [area] [where] [page]",
        f"browse stretches (areas: {', '.join(content.areas())};"
        f" where: {', '.join(content.wheres())})",
        stretches,
    )
    table.register("tip", "/tip", "a desk-ergonomics tip", tip)
    table.register("break", "/break", "a break prompt and a stretch to try", take_break)
    table.register("redflags", "/redflags", "when to stop and see a professional", redflags)
    table.register("about", "/about", "what deskbreak is, and the disclaimer", about)
    table.register("quit", "/quit", "leave (Ctrl-D works too)", quit_repl)
