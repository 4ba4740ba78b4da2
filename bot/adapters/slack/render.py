"""Render the neutral :class:`Message` to Slack Block Kit.

Slack rejects a whole message when one block breaks a limit (50 blocks, 3000 characters of
section text, 150 of header text, 75 of button text), so this module trims instead of letting
a long stretch card or a big list fail to post. The ``text`` fallback is what notifications and
screen readers show, so it is always filled.

Every mrkdwn text, the fallback included, is escaped (``&``, ``<``, ``>``), so text a person typed
can never become ``<!everyone>``, ``<!here>``, ``<!channel>`` or ``<@U…>``: only Slack's angle
bracket syntax pings, and no angle bracket of ours or theirs survives unescaped.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bot.core.messages import Button, ButtonStyle, Message

MAX_BLOCKS = 50
MAX_SECTION_TEXT = 3000
MAX_HEADER_TEXT = 150
MAX_BUTTON_TEXT = 75
MAX_ACTION_ID = 255
MAX_BUTTONS_PER_ACTIONS = 25
MAX_FALLBACK_TEXT = 3000
MAX_IMAGE_URL = 3000
MAX_ALT_TEXT = 2000
# Four actions blocks of 25 buttons at most, so the header, a body and the footer always fit.
MAX_BUTTONS = 4 * MAX_BUTTONS_PER_ACTIONS
UNTITLED = "deskbreak"  # a header's text may not be empty

Block = dict[str, Any]


def escape(text: str) -> str:
    """Escape the three characters Slack's mrkdwn treats as control characters."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _chunks(lines: list[str], limit: int) -> list[str]:
    """Join lines into texts no longer than ``limit``, splitting between lines where possible."""
    out: list[str] = []
    current = ""
    for line in lines:
        line = _cut(line, limit)
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) > limit:
            out.append(current)
            current = line
        else:
            current = candidate
    if current:
        out.append(current)
    return out


def _section(text: str) -> Block:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def _button(button: Button) -> Block:
    element: Block = {
        "type": "button",
        "text": {"type": "plain_text", "text": _cut(button.label, MAX_BUTTON_TEXT), "emoji": True},
        "action_id": button.action[:MAX_ACTION_ID],
        "value": button.action[:2000],
    }
    # Slack buttons only know "primary" and "danger"; anything else keeps the default look.
    if button.style in (ButtonStyle.PRIMARY, ButtonStyle.SUCCESS):
        element["style"] = "primary"
    elif button.style is ButtonStyle.DANGER:
        element["style"] = "danger"
    return element


def _content_blocks(message: Message) -> list[Block]:
    blocks: list[Block] = []
    if message.body:
        blocks += [_section(t) for t in _chunks(escape(message.body).split("\n"), MAX_SECTION_TEXT)]
    for section in message.sections:
        lines: list[str] = [f"*{escape(section.heading)}*"] if section.heading else []
        for i, line in enumerate(section.lines, start=section.start):
            lines.append(f"{i}. {escape(line)}" if section.numbered else f"• {escape(line)}")
        blocks += [_section(t) for t in _chunks(lines, MAX_SECTION_TEXT)]
    return blocks


def _image(url: str, alt: str) -> Block:
    # alt_text is plain text (no mrkdwn), required and non-empty.
    return {"type": "image", "image_url": url[:MAX_IMAGE_URL],
            "alt_text": _cut(alt.strip() or "picture", MAX_ALT_TEXT)}


def to_blocks(message: Message, images: Sequence[tuple[str, str]] = ()) -> list[Block]:
    """The Block Kit layout: header, the pictures (``(url, alt)``, see files.py), body and
    sections, footer as context, then the buttons."""
    head: list[Block] = [
        {
            "type": "header",
            "text": {
                "type": "plain_text",
                "text": _cut(message.title.strip() or UNTITLED, MAX_HEADER_TEXT),
                "emoji": True,
            },
        }
    ]
    tail: list[Block] = []
    if message.footer:
        tail.append(
            {
                "type": "context",
                "elements": [
                    {"type": "mrkdwn", "text": _cut(escape(message.footer), MAX_SECTION_TEXT)}
                ],
            }
        )
    buttons = list(message.buttons[:MAX_BUTTONS])
    for start in range(0, len(buttons), MAX_BUTTONS_PER_ACTIONS):
        tail.append(
            {
                "type": "actions",
                "elements": [_button(b) for b in buttons[start : start + MAX_BUTTONS_PER_ACTIONS]],
            }
        )
    head += [_image(url, alt) for url, alt in images]
    body = _content_blocks(message)
    room = MAX_BLOCKS - len(head) - len(tail)
    if len(body) > room:
        # Keep the header, the footer and the buttons; say that the middle was shortened.
        body = body[: room - 1] + [
            {
                "type": "context",
                "elements": [{"type": "mrkdwn", "text": "_(shortened to fit Slack)_"}],
            }
        ]
    return head + body + tail


def to_text(message: Message) -> str:
    """The plain-text fallback Slack shows in notifications and to screen readers."""
    plain = message.plain_text()
    return _cut(escape(plain), MAX_FALLBACK_TEXT) if plain.strip() else UNTITLED


def to_payload(message: Message, images: Sequence[tuple[str, str]] = ()) -> dict[str, Any]:
    """``text`` + ``blocks``, ready for chat.postMessage or a response_url post."""
    return {"text": to_text(message), "blocks": to_blocks(message, images)}


def response_type(message: Message) -> str:
    return "ephemeral" if message.ephemeral else "in_channel"
