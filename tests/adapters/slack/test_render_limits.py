"""Property tests: whatever a Message holds, the Block Kit payload fits Slack's limits and no
text a person typed can become a Slack mention (``<!everyone>``, ``<!here>``, ``<@U…>``)."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings

from bot.adapters.slack.render import escape, to_payload
from bot.core.messages import Message
from tests.core.message_strategies import HOSTILE_TEXT, MESSAGES


def mrkdwn_texts(blocks: list[dict[str, Any]]) -> list[str]:
    """Every mrkdwn text in the blocks (plain_text is never parsed for mentions)."""
    out: list[str] = []
    for block in blocks:
        text = block.get("text")
        if isinstance(text, dict) and text.get("type") == "mrkdwn":
            out.append(text["text"])
        for element in block.get("elements", []):
            if element.get("type") == "mrkdwn":
                out.append(element["text"])
    return out


@settings(max_examples=60, deadline=None)
@given(message=MESSAGES)
def test_every_block_kit_limit_holds(message: Message) -> None:
    """≤50 blocks, header 1-150, section text 1-3,000, ≤25 buttons per actions block with text
    ≤75 and action ids ≤255, and a fallback text of at most 40,000 characters."""
    payload = to_payload(message)
    blocks = payload["blocks"]
    assert 1 <= len(blocks) <= 50
    assert 0 < len(payload["text"]) <= 40_000
    for block in blocks:
        if block["type"] == "header":
            assert 1 <= len(block["text"]["text"]) <= 150
        elif block["type"] == "section":
            assert 1 <= len(block["text"]["text"]) <= 3000
        elif block["type"] == "context":
            assert 1 <= len(block["elements"]) <= 10
            assert all(1 <= len(e["text"]) <= 3000 for e in block["elements"])
        elif block["type"] == "actions":
            assert 1 <= len(block["elements"]) <= 25
            for element in block["elements"]:
                assert 1 <= len(element["text"]["text"]) <= 75
                assert 1 <= len(element["action_id"]) <= 255
                assert len(element["value"]) <= 2000
        else:
            raise AssertionError(f"unexpected block type {block['type']}")


@settings(max_examples=60, deadline=None)
@given(message=MESSAGES)
def test_no_mrkdwn_text_holds_an_unescaped_angle_bracket(message: Message) -> None:
    """Every mrkdwn text and the fallback are escaped: no "<" or ">" survives, so no
    <!everyone>, <!here>, <!channel> or <@U…> can come out of what someone typed."""
    payload = to_payload(message)
    for text in [*mrkdwn_texts(payload["blocks"]), payload["text"]]:
        assert "<" not in text and ">" not in text, text


@given(text=HOSTILE_TEXT)
def test_escape_follows_slacks_rules(text: str) -> None:
    """&, < and > become &amp;, &lt; and &gt;; unescaping gives back the original."""
    escaped = escape(text)
    assert "<" not in escaped and ">" not in escaped
    assert escaped.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&") == text
