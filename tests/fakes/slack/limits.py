"""Slack's documented message limits, checked the way the Web API checks them.

Slack refuses a whole message when one block breaks a limit (``invalid_blocks``), when the text
is too long (``msg_too_long``) or when there is nothing to show (``no_text``). Without these checks
the fake would accept a 51st block or a 76-character button that real Slack refuses, and a
renderer that stopped trimming would still pass every test.
"""

from __future__ import annotations

from typing import Any

# chat.postMessage / chat.update errors invalid_blocks, msg_too_long, no_text ("One of these
# arguments [blocks, text] is required"): https://api.slack.com/methods/chat.postMessage and
# https://api.slack.com/methods/chat.update. Text over 40,000 characters: same pages ("truncate
# messages containing more than 40,000 characters"; the error list names msg_too_long).
MAX_TEXT = 40000
# "You can include up to 50 blocks in each message":
# https://api.slack.com/reference/block-kit/blocks
MAX_BLOCKS = 50
# Section text max 3000, header plain_text max 150, block_id max 255:
# https://api.slack.com/reference/block-kit/blocks#section and #header.
MAX_SECTION_TEXT = 3000
MAX_HEADER_TEXT = 150
MAX_BLOCK_ID = 255
# Button text max 75, action_id max 255, value max 2000; actions block max 25 elements:
# https://api.slack.com/reference/block-kit/block-elements#button and
# https://api.slack.com/reference/block-kit/blocks#actions (the same figures are collected in
# https://docs.rs/crate/slackblocks/2.7.0/source/src/generated/constants.rs).
MAX_BUTTON_TEXT = 75
MAX_ACTION_ID = 255
MAX_BUTTON_VALUE = 2000
MAX_ACTIONS_ELEMENTS = 25
# Image block: image_url max 3000, alt_text required, max 2000:
# https://api.slack.com/reference/block-kit/blocks#image
MAX_IMAGE_URL = 3000
MAX_ALT_TEXT = 2000

INVALID_BLOCKS = "invalid_blocks"
MSG_TOO_LONG = "msg_too_long"
NO_TEXT = "no_text"


def _too_long(value: Any, limit: int) -> bool:
    return isinstance(value, str) and len(value) > limit


def _text_of(obj: Any) -> Any:
    return obj.get("text") if isinstance(obj, dict) else None


def _element_bad(element: dict[str, Any]) -> bool:
    if _too_long(element.get("action_id"), MAX_ACTION_ID):
        return True
    if element.get("type") != "button":
        return False
    return _too_long(_text_of(element.get("text")), MAX_BUTTON_TEXT) or _too_long(
        element.get("value"), MAX_BUTTON_VALUE
    )


def _block_bad(block: Any) -> bool:
    if not isinstance(block, dict):
        return True
    if _too_long(block.get("block_id"), MAX_BLOCK_ID):
        return True
    kind = block.get("type")
    if kind == "section":
        if _too_long(_text_of(block.get("text")), MAX_SECTION_TEXT):
            return True
        accessory = block.get("accessory")
        return isinstance(accessory, dict) and _element_bad(accessory)
    if kind == "header":
        return _too_long(_text_of(block.get("text")), MAX_HEADER_TEXT)
    if kind == "image":
        url, alt = block.get("image_url"), block.get("alt_text")
        return (not isinstance(url, str) or not url.startswith(("http://", "https://"))
                or _too_long(url, MAX_IMAGE_URL) or not isinstance(alt, str) or not alt
                or _too_long(alt, MAX_ALT_TEXT))
    if kind == "actions":
        elements = block.get("elements") or []
        return len(elements) > MAX_ACTIONS_ELEMENTS or any(_element_bad(e) for e in elements)
    return False


def image_urls(params: dict[str, Any]) -> list[str]:
    """The URLs of a message's image blocks: Slack downloads each before it posts."""
    blocks = params.get("blocks")
    if not isinstance(blocks, list):
        return []
    return [str(b.get("image_url")) for b in blocks
            if isinstance(b, dict) and b.get("type") == "image"]


def message_error(params: dict[str, Any]) -> str | None:
    """The error Slack answers for a message's ``text`` and ``blocks``, or None when it is fine."""
    text = params.get("text")
    blocks = params.get("blocks")
    if not text and not blocks:
        return NO_TEXT
    if _too_long(text, MAX_TEXT):
        return MSG_TOO_LONG
    if blocks is not None:
        if not isinstance(blocks, list) or len(blocks) > MAX_BLOCKS:
            return INVALID_BLOCKS
        if any(_block_bad(b) for b in blocks):
            return INVALID_BLOCKS
    return None
