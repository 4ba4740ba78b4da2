"""A pure command's remembered answers: only finished, lasting answers, and a bounded few."""

from __future__ import annotations

from dataclasses import replace

from bot.commands.remembered import LONGEST_TEXT, Remembered
from bot.core.messages import Message, MessageKind, error
from bot.core.pending import Slow

CARD = Message(kind=MessageKind.STRETCH, title="Pigeon pose")


def test_a_finished_answer_is_remembered_by_its_arguments() -> None:
    """The same arguments get the very same answer back; other arguments get nothing."""
    remembered = Remembered()
    remembered.keep({"name": "pigeon"}, CARD)
    assert remembered.get({"name": "pigeon"}) is CARD
    assert remembered.get({"name": "camel"}) is None


async def test_only_lasting_answers_are_kept() -> None:
    """A picture still being drawn, an error, a card whose picture failed this time and the
    answer to a wall of text are sent but never remembered."""
    remembered = Remembered()

    async def later() -> Message:
        return CARD

    pending = Slow(later())
    remembered.keep({"name": "a"}, pending)
    await pending
    remembered.keep({"name": "b"}, error("database unavailable"))
    remembered.keep({"name": "c"}, replace(CARD, provisional=True))
    remembered.keep({"name": "x" * (LONGEST_TEXT + 1)}, CARD)
    assert len(remembered) == 0
    remembered.keep({"name": "x" * LONGEST_TEXT}, CARD)
    assert len(remembered) == 1


def test_the_oldest_answer_goes_first_when_full() -> None:
    """A bounded memory: what was asked least recently is forgotten first."""
    remembered = Remembered(size=2)
    remembered.keep({"name": "a"}, CARD)
    remembered.keep({"name": "b"}, CARD)
    assert remembered.get({"name": "a"}) is CARD  # now the most recent
    remembered.keep({"name": "c"}, CARD)
    assert remembered.get({"name": "b"}) is None
    assert remembered.get({"name": "a"}) is CARD and remembered.get({"name": "c"}) is CARD
