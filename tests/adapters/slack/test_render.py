"""Block Kit rendering of the neutral Message."""

from __future__ import annotations

from bot.adapters.slack import render
from bot.core.messages import Button, ButtonStyle, Message, MessageKind, Section


def _card() -> Message:
    return Message(
        kind=MessageKind.STRETCH,
        title="Seated pigeon",
        body="Opens the hips <gently> & slowly.",
        sections=(
            Section("Steps", ("Sit tall.", "Cross the ankle over the knee."), numbered=True),
            Section("Cautions", ("Stop if the knee hurts.",)),
        ),
        footer="Hold 30 s each side",
        buttons=(
            Button("done", "Done", ButtonStyle.SUCCESS),
            Button("snooze:10", "Snooze 10 min"),
            Button("show_stretch:seated-pigeon", "Show me a stretch", ButtonStyle.PRIMARY),
        ),
    )


def test_card_layout_is_header_sections_context_actions() -> None:
    """A stretch card renders as header, body, numbered steps, cautions, footer, buttons."""
    blocks = render.to_blocks(_card())
    assert blocks == [
        {"type": "header", "text": {"type": "plain_text", "text": "Seated pigeon", "emoji": True}},
        {
            "type": "section",
            "text": {"type": "mrkdwn", "text": "Opens the hips &lt;gently&gt; &amp; slowly."},
        },
        {
            "type": "section",
            "text": {
                "type": "mrkdwn",
                "text": "*Steps*\n1. Sit tall.\n2. Cross the ankle over the knee.",
            },
        },
        {
            "type": "section",
            "text": {"type": "mrkdwn", "text": "*Cautions*\n• Stop if the knee hurts."},
        },
        {"type": "context", "elements": [{"type": "mrkdwn", "text": "Hold 30 s each side"}]},
        {
            "type": "actions",
            "elements": [
                {
                    "type": "button",
                    "text": {"type": "plain_text", "text": "Done", "emoji": True},
                    "action_id": "done",
                    "value": "done",
                    "style": "primary",
                },
                {
                    "type": "button",
                    "text": {"type": "plain_text", "text": "Snooze 10 min", "emoji": True},
                    "action_id": "snooze:10",
                    "value": "snooze:10",
                },
                {
                    "type": "button",
                    "text": {"type": "plain_text", "text": "Show me a stretch", "emoji": True},
                    "action_id": "show_stretch:seated-pigeon",
                    "value": "show_stretch:seated-pigeon",
                    "style": "primary",
                },
            ],
        },
    ]


def test_fallback_text_is_the_plain_rendering() -> None:
    """The ``text`` fallback carries the whole message as plain text, escaped as mrkdwn."""
    payload = render.to_payload(_card())
    assert payload["text"].startswith("Seated pigeon\n\nOpens the hips &lt;gently&gt;")
    assert "  1. Sit tall." in payload["text"]


def test_limits_are_respected_for_huge_messages() -> None:
    """Long titles, labels and sections are cut to Block Kit limits, never over 50 blocks."""
    huge = Message(
        kind=MessageKind.STRETCH_LIST,
        title="T" * 400,
        body="b" * 7000,
        sections=tuple(Section(f"H{i}", ("x" * 2000, "y" * 2000)) for i in range(60)),
        footer="f" * 5000,
        buttons=tuple(Button(f"page:*:*:{i}", "L" * 200) for i in range(30)),
    )
    blocks = render.to_blocks(huge)
    assert len(blocks) <= render.MAX_BLOCKS
    assert len(blocks[0]["text"]["text"]) <= 150
    for block in blocks:
        if block["type"] == "section":
            assert len(block["text"]["text"]) <= 3000
        if block["type"] == "actions":
            assert len(block["elements"]) <= 25
            assert all(len(e["text"]["text"]) <= 75 for e in block["elements"])
    assert sum(len(b["elements"]) for b in blocks if b["type"] == "actions") == 30
    assert len(render.to_text(huge)) <= 3000


def test_ephemeral_flag_maps_to_response_type() -> None:
    """Ephemeral messages answer with response_type ephemeral, others in_channel."""
    assert render.response_type(_card()) == "in_channel"
    assert render.response_type(Message(MessageKind.ERROR, "x", ephemeral=True)) == "ephemeral"


def test_continued_steps_keep_counting() -> None:
    """A continuation section of steps starts at its own number (5., 6., ...)."""
    message = Message(
        MessageKind.STRETCH, "X", sections=(Section(None, ("a", "b"), True, start=5),)
    )
    assert render.to_blocks(message)[1]["text"]["text"] == "5. a\n6. b"
