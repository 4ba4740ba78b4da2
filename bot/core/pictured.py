"""Stretch cards with the stretch's picture attached.

The picture is drawn by ``bot/pictures`` (matplotlib, tens of milliseconds of CPU), which the
core does not import: it reaches it through :class:`PictureSource`. What this module decides:

- a card whose picture is already in memory is answered at once (a Message), so a cached
  ``/stretch`` costs what a bare one does;
- otherwise the answer is :class:`~bot.core.pending.Slow`: the picture is drawn in a worker
  and adapters with a deadline acknowledge first;
- a picture that cannot be drawn costs one log line, never the answer: the text card goes out
  alone.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import Protocol

from bot.core.content.library import Library
from bot.core.content.models import Stretch
from bot.core.messages import Attachment, Message, MessageKind
from bot.core.pending import Slow

log = logging.getLogger(__name__)

# Messages that show one stretch and so carry its picture (``meta["stretch_id"]``).
PICTURED_KINDS = frozenset({MessageKind.STRETCH, MessageKind.BREAK})
CARDS_KEPT = 512  # stretch cards with their picture, by stretch id (content is fixed)


class PictureSource(Protocol):
    """Where stretch pictures come from (``bot.pictures.cache.StretchPictures``)."""

    def ready(self, stretch: Stretch) -> Attachment | None:
        """The picture if it is in memory now, without blocking; else None."""
        ...

    async def attachment_async(self, stretch: Stretch) -> Attachment:
        """The picture, drawn or read off the event loop if need be."""
        ...


class CardPictures:
    """Attaches pictures to the stretch cards and break cards the content facade makes."""

    def __init__(self, library: Library, source: PictureSource | None) -> None:
        self._library = library
        self._source = source
        # A stretch card is one object per stretch for the life of the process; its pictured
        # copy is kept beside it so adapters that cache renders by identity keep hitting.
        self._cards: dict[str, tuple[Message, Message]] = {}

    def _stretch_of(self, message: Message) -> Stretch | None:
        if self._source is None or message.kind not in PICTURED_KINDS or message.attachments:
            return None
        stretch_id = message.meta.get("stretch_id")
        return self._library.stretch(stretch_id) if stretch_id else None

    def attach(self, message: Message) -> Message | Slow[Message]:
        """``message`` with its picture: at once when the picture is ready, else Slow."""
        stretch = self._stretch_of(message)
        if stretch is None:
            return message
        kept = self._cards.get(stretch.id)
        if kept is not None and kept[0] is message:
            return kept[1]
        assert self._source is not None  # _stretch_of checked it
        try:
            ready = self._source.ready(stretch)
        except Exception as exc:
            return self._without(message, stretch, exc)
        if ready is not None:
            return self._keep(message, ready)
        return Slow(self.attach_async(message))

    async def attach_async(self, message: Message) -> Message:
        """``message`` with its picture, drawing it off the loop if need be."""
        stretch = self._stretch_of(message)
        if stretch is None:
            return message
        kept = self._cards.get(stretch.id)
        if kept is not None and kept[0] is message:
            return kept[1]
        assert self._source is not None
        try:
            picture = await self._source.attachment_async(stretch)
        except Exception as exc:
            return self._without(message, stretch, exc)
        return self._keep(message, picture)

    def _keep(self, message: Message, picture: Attachment) -> Message:
        pictured = replace(message, attachments=(picture,), image=picture.filename)
        if message.kind is MessageKind.STRETCH:
            if len(self._cards) >= CARDS_KEPT:
                self._cards.pop(next(iter(self._cards)))
            self._cards[message.meta["stretch_id"]] = (message, pictured)
        return pictured

    @staticmethod
    def _without(message: Message, stretch: Stretch, exc: Exception) -> Message:
        log.warning("no picture for stretch %s (%s: %s); sending the card without it",
                    stretch.id, type(exc).__name__, exc)
        return replace(message, provisional=True)  # the next ask tries the picture again
