"""Property tests: whatever a Message holds, the Discord payload fits every platform limit and
echoes no live mention."""

from __future__ import annotations

import re

from hypothesis import given, settings

from bot.adapters.discord.render import defang, send_kwargs
from bot.core.messages import Message
from tests.core.message_strategies import HOSTILE_TEXT, MESSAGES

LIVE_MENTION = re.compile(r"@(everyone|here)|<@[!&]?[0-9]+>", re.IGNORECASE)


def embed_texts(data: dict) -> list[str]:
    texts = [data.get("title") or "", data.get("description") or ""]
    texts += [(data.get("footer") or {}).get("text") or ""]
    for f in data.get("fields", []):
        texts += [f["name"], f["value"]]
    return texts


@settings(max_examples=60, deadline=None)
@given(message=MESSAGES)
def test_every_embed_and_component_limit_holds(message: Message) -> None:
    """Title 256, description 4096, ≤25 non-blank fields of 256/1024, footer 2048, total 6000,
    ≤5 rows of ≤5 buttons, labels ≤80, custom ids ≤100, no message content over 2,000."""
    kwargs = send_kwargs(message)
    embed = kwargs["embed"]
    data = embed.to_dict()
    assert len(data.get("title") or "") <= 256
    assert len(data.get("description") or "") <= 4096
    fields = data.get("fields", [])
    assert len(fields) <= 25
    for f in fields:
        assert 1 <= len(f["name"]) <= 256 and f["name"].strip()
        assert 1 <= len(f["value"]) <= 1024 and f["value"].strip()
    assert len((data.get("footer") or {}).get("text") or "") <= 2048
    assert len(embed) <= 6000
    assert len(kwargs.get("content") or "") <= 2000
    view = kwargs.get("view")
    if view is not None:
        rows = view.to_components()
        assert len(rows) <= 5
        for row in rows:
            assert 1 <= len(row["components"]) <= 5
            for component in row["components"]:
                assert 1 <= len(component["label"]) <= 80
                assert 1 <= len(component["custom_id"]) <= 100


@settings(max_examples=60, deadline=None)
@given(message=MESSAGES)
def test_no_rendered_text_holds_a_live_mention(message: Message) -> None:
    """Every embed text is defanged, and allowed_mentions parses nothing."""
    kwargs = send_kwargs(message)
    assert kwargs["allowed_mentions"].to_dict() == {"parse": []}
    for text in embed_texts(kwargs["embed"].to_dict()):
        assert LIVE_MENTION.search(text) is None, text


@given(text=HOSTILE_TEXT)
def test_defang_is_idempotent_and_only_adds_zero_width_spaces(text: str) -> None:
    """Defanging twice changes nothing more, and removing the zero-width spaces it added
    gives back the original text."""
    once = defang(text)
    assert defang(once) == once
    assert LIVE_MENTION.search(once) is None
    assert len(once) >= len(text)
    assert once.replace("\u200b", "") == text.replace("\u200b", "")
