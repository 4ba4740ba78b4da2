"""Neutral :class:`Message` -> Discord embed + persistent buttons.

The core already sizes messages for Discord; this renderer still enforces every embed limit
(title 256, description 4096, 25 fields of 1024, footer 2048, 6000 in total) so that a content
override from a deployment can never make Discord reject a reply with a 400.

A message's attachments (a stretch picture, a stats chart) go as files of a multipart upload
(``payload_json`` + ``files[n]``, as Discord documents), and the inline one is the embed's
image through ``attachment://<name>``: the picture and the card arrive as one message.

Messages echo what people typed ("No stretch called “@everyone”"), so every text is defanged
(a zero-width space breaks ``@everyone``, ``@here`` and ``<@…>`` mentions) and every send carries
``allowed_mentions`` that parse nothing: neither the text nor Discord may turn it into a ping.
"""

from __future__ import annotations

import io
import re
from dataclasses import replace
from typing import Any

import discord
from discord.types.embed import Embed as EmbedData

from bot.adapters.discord.buttons import item_for
from bot.adapters.discord.memo import ByIdentity
from bot.core.limits import BODY_LIMIT as DESCRIPTION_LIMIT
from bot.core.limits import (
    BUTTON_LABEL_LIMIT,
    FIELD_NAME_LIMIT,
    FOOTER_LIMIT,
    TITLE_LIMIT,
)
from bot.core.limits import EMBED_TOTAL_LIMIT as TOTAL_LIMIT
from bot.core.limits import FIELD_LIMIT as FIELD_VALUE_LIMIT
from bot.core.limits import MAX_SECTIONS as MAX_FIELDS
from bot.core.messages import Attachment, Message, MessageKind, Section
from bot.core.text import truncate

MAX_BUTTONS = 25  # 5 rows of 5
MAX_FILES = 10  # attachments per message
DESCRIPTION_MAX = 1024  # an attachment's description (its alt text)
# Zero-width space: breaks mentions, and fills a field name or value Discord requires non-empty.
_ZWSP = "\u200b"
# "@everyone"/"@here" in any case, and the start of a user, member or role mention ("<@", "<@!",
# "<@&"): a zero-width space after the "@" leaves the text readable and the mention dead.
_MENTION = re.compile(r"@(?=everyone|here)|(?<=<)@(?!\u200b)", re.IGNORECASE)

COLOURS = {
    MessageKind.STRETCH: 0x2E8B57,
    MessageKind.STRETCH_LIST: 0x2E8B57,
    MessageKind.SUGGESTIONS: 0xDAA520,
    MessageKind.TIP: 0x4682B4,
    MessageKind.BREAK: 0x20B2AA,
    MessageKind.NUDGE: 0x20B2AA,
    MessageKind.REDFLAGS: 0xB22222,
    MessageKind.ABOUT: 0x708090,
    MessageKind.INFO: 0x708090,
    MessageKind.GUIDED: 0x2E8B57,
    MessageKind.ERROR: 0xB22222,
}


def defang(text: str) -> str:
    """``text`` with every mention made inert, e.g. ``@everyone`` -> ``@\u200beveryone``."""
    return _MENTION.sub("@" + _ZWSP, text)


_NO_MENTIONS = discord.AllowedMentions.none()


def no_mentions() -> discord.AllowedMentions:
    """Parse no mentions at all: the client default and every send's explicit setting.

    One shared object: discord.py only reads it (``merge`` and ``to_dict`` build new ones).
    """
    return _NO_MENTIONS


def _cut(text: str, limit: int) -> str:
    """``text`` defanged and cut to ``limit`` (every caller passes a limit of at least 2)."""
    return truncate(defang(text), limit)


def section_value(section: Section) -> str:
    if section.numbered:
        lines = [f"{n}. {line}" for n, line in enumerate(section.lines, start=section.start)]
    else:
        lines = [f"• {line}" if section.heading or len(section.lines) > 1 else line
                 for line in section.lines]
    return "\n".join(lines) or _ZWSP  # to_embed's _cut defangs it


class SharedEmbed(discord.Embed):
    """An embed sent again and again unchanged (the render cache's): discord.py turns it into
    a dict on every send, so the dict is built once. Only for embeds nothing changes after
    :func:`to_embed` returns them."""

    __slots__ = ("_as_dict",)

    def to_dict(self) -> EmbedData:
        try:
            return self._as_dict
        except AttributeError:
            self._as_dict: EmbedData = super().to_dict()
            return self._as_dict


class SharedView(discord.ui.View):
    """A stopped view of dynamic items shared by every send of a cached message (see
    :func:`_rendered`): its component dicts are built once, as its items never change."""

    _components: list[dict[str, Any]] | None = None

    def to_components(self) -> list[dict[str, Any]]:
        if self._components is None:
            self._components = super().to_components()
        return self._components


def to_embed(message: Message, kind: type[discord.Embed] = discord.Embed) -> discord.Embed:
    """Fill the 6000-character budget in order of importance: title, footer (it carries the
    red-flags pointer and disclaimer), body, then sections until the budget runs out."""
    title = _cut(message.title, TITLE_LIMIT)
    budget = TOTAL_LIMIT - len(title)
    footer = _cut(message.footer, min(FOOTER_LIMIT, budget)) if message.footer else ""
    budget -= len(footer)
    description = _cut(message.body, min(DESCRIPTION_LIMIT, budget)) if message.body else ""
    budget -= len(description)
    embed = kind(
        title=title, description=description or None, colour=COLOURS.get(message.kind, 0x708090)
    )
    for section in message.sections[:MAX_FIELDS]:
        # Discord refuses a blank field name or value (whitespace counts as blank).
        name = _cut(section.heading or "", FIELD_NAME_LIMIT).strip() or _ZWSP
        value = _cut(section_value(section), FIELD_VALUE_LIMIT).strip() or _ZWSP
        if len(name) + len(value) > budget:
            value = _cut(value, budget - len(name)) if budget - len(name) > 1 else ""
            if not value:
                break
        embed.add_field(name=name, value=value, inline=False)
        budget -= len(name) + len(value)
    if footer:
        embed.set_footer(text=footer)
    if message.image is not None:
        # Discord shows the uploaded file inside the embed instead of beside it.
        embed.set_image(url=f"attachment://{message.image}")
    return embed


def to_view(message: Message, kind: type[discord.ui.View] = discord.ui.View
            ) -> discord.ui.View | None:
    """A view made only of persistent (dynamic) items, or None when there are no buttons."""
    if not message.buttons:
        return None
    view = kind(timeout=None)
    for button in message.buttons[:MAX_BUTTONS]:
        label = _cut(button.label.strip() or button.action, BUTTON_LABEL_LIMIT)
        view.add_item(item_for(replace(button, label=label)))
    return view


# What messages the core hands out again and again (a stretch card is rendered once per
# process, bot/core/commands.py) turn into: /stretch then skips rebuilding the same embed and
# button view.
_RENDERED: ByIdentity[Message, tuple[discord.Embed, discord.ui.View | None]] = ByIdentity(256)


def _rendered(message: Message) -> tuple[discord.Embed, discord.ui.View | None]:
    hit = _RENDERED.get(message)
    if hit is not None:
        return hit
    embed, view = to_embed(message, SharedEmbed), to_view(message, SharedView)
    if view is not None:
        # Stopped, so that no send registers it with the client again (discord.py skips
        # finished views): its buttons are all dynamic items, which the client routes from
        # the patterns registered once at start (views.register), whatever message they are
        # on. Registering the same shared view on every /stretch was pure work per answer.
        view.stop()
    _RENDERED.put(message, (embed, view))
    return embed, view


def to_file(attachment: Attachment) -> discord.File:
    """A fresh upload of ``attachment``: discord.py closes a File once it is sent, so every
    send needs its own (the bytes themselves are shared, never copied)."""
    return discord.File(io.BytesIO(attachment.data), filename=attachment.filename,
                        description=truncate(attachment.alt, DESCRIPTION_MAX) or None)


def to_files(message: Message) -> list[discord.File]:
    return [to_file(a) for a in message.attachments[:MAX_FILES]]


def send_kwargs(message: Message) -> dict[str, Any]:
    """Keyword arguments for ``send``/``send_message``/``followup.send``.

    One embed and one view may serve every send of the same message: discord.py only reads
    an embed (``to_dict``), and a view of persistent items with no timeout is only registered
    by the sends, never changed, except that discord.py gives a view sent *privately* a
    15-minute timeout. So a private message always gets a view of its own.
    """
    embed, view = _rendered(message)
    if message.ephemeral:
        view = to_view(message)
    kwargs: dict[str, Any] = {"embed": embed, "allowed_mentions": no_mentions()}
    if view is not None:
        kwargs["view"] = view
    if message.attachments:
        kwargs["files"] = to_files(message)
    return kwargs


def edit_kwargs(message: Message, *, keep_files: bool = False) -> dict[str, Any]:
    """Keyword arguments for ``edit_message``/``edit_original_response``.

    An edit names the message's whole attachment list: without it Discord keeps the files
    the message had, so a card with a picture replaced by a list page would keep the
    picture. ``attachments=[]`` clears them; new files are uploaded with the edit.
    ``keep_files`` (an edit that changes only the words of a message whose files stay the
    same, such as a step of a guided stretch) names no list, so Discord keeps the files the
    message has and nothing is uploaded again. The fake Discord does not model how a kept
    file and a re-sent ``attachment://`` image meet, so check that against Discord itself
    before relying on it.
    """
    kwargs = send_kwargs(message)
    kwargs.pop("files", None)
    if not keep_files:
        kwargs["attachments"] = to_files(message)
    return kwargs
