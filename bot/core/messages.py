"""The neutral message model every answer and nudge is rendered to.

The core decides *what* to say; each adapter decides how it looks (console text, a Discord
embed, Slack Block Kit). Keeping this model small and platform-free is what lets one core call
serve all three.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class MessageKind(StrEnum):
    STRETCH = "stretch"
    STRETCH_LIST = "stretch_list"
    SUGGESTIONS = "suggestions"
    TIP = "tip"
    BREAK = "break"
    NUDGE = "nudge"
    REDFLAGS = "redflags"
    ABOUT = "about"
    INFO = "info"
    GUIDED = "guided"  # one frame of a guided stretch or routine (bot/core/guided)
    ERROR = "error"


class ButtonStyle(StrEnum):
    PRIMARY = "primary"
    SECONDARY = "secondary"
    SUCCESS = "success"
    DANGER = "danger"


@dataclass(frozen=True, slots=True)
class Button:
    """A button on a message.

    ``action`` is a stable, platform-neutral id (for example ``"done"``, ``"snooze:10"``,
    ``"show_stretch"``, ``"page:hips:desk:2"``). Adapters use it as the custom id so buttons
    keep working after a restart; it must stay under 100 characters (Discord's limit).
    """

    action: str
    label: str
    style: ButtonStyle = ButtonStyle.SECONDARY


@dataclass(frozen=True, slots=True)
class Section:
    """A titled block of lines; ``numbered`` lines are steps and render as 1., 2., ...

    ``start`` is the number of the first line: a long list of steps is split over several
    sections to fit a platform's field limit, and the continuation keeps counting (5., 6., ...).
    """

    heading: str | None
    lines: tuple[str, ...]
    numbered: bool = False
    start: int = 1


@dataclass(frozen=True, slots=True)
class Attachment:
    """A file that travels with a message: a chart or a stretch picture, as bytes.

    The core renders pictures once (bot/pictures) and hands the bytes over; each adapter only
    knows how to attach them (Discord: a multipart file; Slack: an upload or a public URL;
    console: a file path). ``alt`` is the text a screen reader or a text-only client shows.
    """

    filename: str
    data: bytes
    alt: str
    content_type: str = "image/png"
    # Set only for pictures anyone may see (a stretch drawing): the content hash the
    # dashboard's web server serves it under, ``/pictures/<public_key>.png``, so Slack can
    # show it from a URL. None (a stats chart, anything about a person) never gets a URL: it
    # travels only as an upload to where it was asked for.
    public_key: str | None = None


@dataclass(frozen=True, slots=True)
class Message:
    kind: MessageKind
    title: str
    body: str = ""
    sections: tuple[Section, ...] = ()
    footer: str | None = None
    buttons: tuple[Button, ...] = ()
    ephemeral: bool = False
    # Free-form extra data for adapters (e.g. the stretch id a "show me" button should open).
    meta: dict[str, str] = field(default_factory=dict)
    # Files sent with the message; ``image`` names the one to show inline (an embed's image,
    # a Block Kit image block), which must be one of ``attachments``.
    attachments: tuple[Attachment, ...] = ()
    image: str | None = None
    # A stand-in for a better answer the next ask may get (a card whose picture could not be
    # drawn this time): sent, but never remembered as the answer (bot/commands/remembered.py).
    provisional: bool = False

    def __post_init__(self) -> None:
        if self.image is not None and self.image not in {a.filename for a in self.attachments}:
            raise ValueError(f"image {self.image!r} is not one of the message's attachments")

    def plain_text(self) -> str:
        """Render as plain text: the console adapter's format and every platform's fallback."""
        out: list[str] = [self.title]
        if self.body:
            out += ["", self.body]
        for section in self.sections:
            if section.heading or section.start == 1:  # a headless continuation runs on
                out.append("")
            if section.heading:
                out.append(section.heading)
            for i, line in enumerate(section.lines, start=section.start):
                out.append(f"  {i}. {line}" if section.numbered else f"  - {line}")
        if self.footer:
            out += ["", self.footer]
        if self.buttons:
            out += ["", "  ".join(f"[{b.label}]" for b in self.buttons)]
        return "\n".join(out)


def error(text: str, *, title: str = "That didn't work") -> Message:
    """A user-facing error: always ephemeral, never a stack trace."""
    return Message(kind=MessageKind.ERROR, title=title, body=text, ephemeral=True)


def info(title: str, text: str = "", *, ephemeral: bool = True) -> Message:
    return Message(kind=MessageKind.INFO, title=title, body=text, ephemeral=ephemeral)
