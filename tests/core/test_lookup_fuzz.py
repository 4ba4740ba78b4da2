"""Property tests: stretch lookup and autocomplete take any text a chat platform can send."""

from __future__ import annotations

from functools import lru_cache

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core.clock import SystemClock
from bot.core.commands import ContentCommands
from bot.core.content.library import Library
from bot.core.content.loader import load_library
from bot.core.messages import MessageKind
from bot.core.rotation import MemoryRotationStore
from bot.settings import Settings
from tests.core.message_strategies import HOSTILE_TEXT

# Unicode, 10,000 characters, control characters and mention syntax: what people (or scripts)
# can paste into /stretch or its autocomplete.
QUERIES = st.one_of(
    HOSTILE_TEXT,
    st.text(alphabet=st.characters(codec="utf-8"), min_size=5_000, max_size=10_000),
    st.text(alphabet="\x00\x07\x1b\t\n\r\u200b\u202e\ufeff ", max_size=50),
    st.builds(lambda a, b: a + b, st.sampled_from(["pigeon", "hip", "neck", "thread"]),
              st.text(max_size=30)),
)
AREAS = st.one_of(st.none(), st.sampled_from(["hips", "neck", "upper-back", "nowhere", ""]))
WHERES = st.one_of(st.none(), st.sampled_from(["desk", "standing", "floor", "moon", ""]))


@lru_cache(maxsize=1)
def real() -> Library:
    """The shipped library: every stretch with its real names and aliases."""
    return load_library(Settings().content_dirs())


def commands() -> ContentCommands:
    return ContentCommands(real(), MemoryRotationStore(), SystemClock())


@settings(max_examples=120, deadline=None)
@given(text=QUERIES, area=AREAS, where=WHERES, limit=st.integers(-5, 100))
def test_autocomplete_is_valid_for_any_text(
    text: str, area: str | None, where: str | None, limit: int
) -> None:
    """Never raises; at most 25 choices (and no more than asked), labels and values 1-100
    characters, each value a real stretch id, no id twice."""
    choices = commands().autocomplete(text, area=area, where=where, limit=limit)
    assert len(choices) <= min(25, max(limit, 0))
    assert len({c.value for c in choices}) == len(choices)
    for choice in choices:
        assert 1 <= len(choice.label) <= 100
        assert 1 <= len(choice.value) <= 100
        assert real().stretch(choice.value) is not None


@settings(max_examples=120, deadline=None)
@given(text=QUERIES)
def test_stretch_answers_any_text_with_a_card_or_suggestions(text: str) -> None:
    """/stretch with any text gives a card, an area's stretches or private suggestions, never
    an exception, and echoes at most 60 characters of what was typed."""
    message = commands().stretch(text)
    assert message.kind in (MessageKind.STRETCH, MessageKind.STRETCH_LIST,
                            MessageKind.SUGGESTIONS)
    if message.kind is MessageKind.STRETCH_LIST:
        assert message.buttons and len(message.buttons) <= 5
    if message.kind is MessageKind.SUGGESTIONS:
        assert message.ephemeral
        assert len(message.title) <= len("No stretch called “”") + 60
        assert len(message.buttons) <= 5


@settings(max_examples=100, deadline=None)
@given(area=st.one_of(st.none(), HOSTILE_TEXT), where=st.one_of(st.none(), HOSTILE_TEXT),
       page=st.integers(-(10**9), 10**9))
def test_stretches_takes_any_filter_and_page(area: str | None, where: str | None,
                                             page: int) -> None:
    """/stretches with any filter text and page number lists a page or explains the filter."""
    message = commands().stretches(area, where, page)
    assert message.kind in (MessageKind.STRETCH_LIST, MessageKind.ERROR)
    assert len(message.body) <= 4096

