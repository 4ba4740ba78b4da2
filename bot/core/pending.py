"""An answer that is known to take a while before it starts (a picture still to be drawn).

``bot.commands.run.invoke`` hands adapters a Message when the answer is immediate and an
awaitable otherwise; adapters with a deadline (Discord's 3 seconds) then wait a little before
acknowledging. A :class:`Slow` answer tells them not to wait: the work is known to be slow
(a render in a worker), so acknowledging at once costs nothing and never risks the deadline.
"""

from __future__ import annotations

from collections.abc import Awaitable, Generator
from typing import Any, TypeVar

T = TypeVar("T")


class Slow(Awaitable[T]):
    """Awaits ``work``; only its type says "acknowledge first". Await it once."""

    __slots__ = ("_work",)

    def __init__(self, work: Awaitable[T]) -> None:
        self._work = work

    def __await__(self) -> Generator[Any, None, T]:
        return self._work.__await__()
