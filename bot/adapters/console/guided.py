"""Guided stretches in the console: a live countdown line on a terminal, plain lines on a pipe.

A terminal gets the frame's heading and steps once per stretch, then one line redrawn in
place (``\\r``) every second: "First side · Hold — 23 s left". Piped output (scripts, logs,
tests) gets one plain line per change instead, so nothing is full of carriage returns. The
run happens in the foreground: the prompt comes back at the finish; Ctrl-C stops it (and,
as Ctrl-C always does here, leaves the console).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import replace

from bot.adapters.console.output import ConsoleOutput, strip_controls
from bot.core.guided.session import LiveMessage
from bot.core.messages import Message

TICK = 1.0  # a terminal's countdown line is redrawn every second


class ConsoleSurface:
    def __init__(self, output: ConsoleOutput, live_line: bool) -> None:
        self.output = output
        self.live_line = live_line
        self._title: str | None = None
        self._line_open = False

    async def show(self, draw: Callable[[], Message]) -> None:
        self.frame(draw())

    def frame(self, message: Message) -> None:
        """A new stretch (or the finish): its block; the same stretch: its one line."""
        stream = self.output.stream
        if message.title != self._title or "beat" not in message.meta:
            self._close_line()
            self._title = message.title
            if "beat" in message.meta:
                block = replace(message, body="", buttons=(), footer=None)
                self.output.show(block)
            else:  # finished or stopped: the whole message, with what to type next
                self.output.show(message)
                return
        line = strip_controls(message.body)
        if self.live_line:
            stream.write("\r\x1b[2K" + line)
            self._line_open = True
        else:
            stream.write(line + "\n")
        stream.flush()

    def _close_line(self) -> None:
        if self._line_open:
            self.output.stream.write("\n\n")
            self._line_open = False


async def run_live(output: ConsoleOutput, live: LiveMessage) -> None:
    """Show ``live``'s run to its end in the foreground."""
    session = live.session
    assert session is not None
    tty = output.styled()
    first = session.opening(refresh=TICK if tty else None, min_interval=TICK if tty else None)
    surface = ConsoleSurface(output, live_line=tty)
    surface.frame(first)
    run = session.begin(surface)
    task = run.start()
    try:
        await asyncio.shield(task)
    except asyncio.CancelledError:
        surface.frame(await run.stop())
        raise
