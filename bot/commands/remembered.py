"""A pure command's answers, remembered by its arguments.

``Command.pure`` (bot/commands/spec.py) says an answer depends on the arguments alone, never
on who asks, where or when. Answering a repeat still meant building the actor (permissions,
names), the place and the call, and running the table's checks, only to reach the same
cached card: measured under ``bench_latency``, that work was most of what separated deskbreak's
``/stretch`` from a bare discord.py bot sending the same picture. An adapter looks here first.

Only a finished, lasting answer is kept: not an awaitable (a picture still being drawn), not
an error (a failure may pass), not a provisional answer (a card whose picture failed this
time), and not the answer to a long text (a wall of text is answered, not kept).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Awaitable, Hashable, Mapping

from bot.core.messages import Message, MessageKind

SIZE = 512
LONGEST_TEXT = 100  # what someone types for a name; longer is not worth keeping


class Remembered:
    """Answers by arguments for ONE pure command; the oldest goes first when full."""

    __slots__ = ("_answers", "_size")

    def __init__(self, size: int = SIZE) -> None:
        self._answers: OrderedDict[tuple[tuple[str, Hashable], ...], Message] = OrderedDict()
        self._size = size

    def get(self, args: Mapping[str, Hashable]) -> Message | None:
        key = tuple(args.items())
        hit = self._answers.get(key)
        if hit is not None:
            self._answers.move_to_end(key)
        return hit

    def keep(self, args: Mapping[str, Hashable], answer: Message | Awaitable[Message]) -> None:
        if not isinstance(answer, Message) or answer.provisional:
            return
        if answer.kind is MessageKind.ERROR:
            return
        if any(isinstance(v, str) and len(v) > LONGEST_TEXT for v in args.values()):
            return
        self._answers[tuple(args.items())] = answer
        if len(self._answers) > self._size:
            self._answers.popitem(last=False)

    def __len__(self) -> int:
        return len(self._answers)
