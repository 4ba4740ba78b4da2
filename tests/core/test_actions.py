"""Button actions: built in one place, read back in one place, matched by one pattern."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core import actions
from bot.core.clock import FakeClock
from bot.core.commands import ContentCommands
from bot.core.content.library import Library
from bot.core.rotation import MemoryRotationStore


@pytest.mark.parametrize(
    ("built", "kind", "values"),
    [
        (actions.DONE.build(), "done", {}),
        (actions.SNOOZE.build(10), "snooze", {"minutes": "10"}),
        (actions.SHOW_STRETCH.build("pigeon"), "show_stretch", {"stretch": "pigeon"}),
        ("show_stretch", "show_stretch", {}),
        (actions.page("lower-back", None, 2), "page", {"area": "lower-back", "where": "*",
                                                       "page": "2"}),
    ],
)
def test_every_kind_reads_back_what_it_built(built: str, kind: str, values: dict[str, str]) -> None:
    """parse(build(...)) gives the kind and its fields by name."""
    parsed = actions.parse(built)
    assert parsed is not None and (parsed.kind, parsed.values) == (kind, values)
    assert re.fullmatch(actions.pattern(), built)


@pytest.mark.parametrize("bad", ["", "done:1", "snooze", "snooze:abc", "snooze:12345",
                                 "page:*:*", "show_stretch:UPPER", "nope", "x" * 200])
def test_anything_else_is_unknown(bad: str) -> None:
    """Unknown kinds and malformed fields parse to None and miss the platforms' pattern."""
    assert actions.parse(bad) is None
    assert not re.fullmatch(actions.pattern(), bad)


def test_build_refuses_what_it_could_not_read_back() -> None:
    """A value outside its field's pattern is a programming error, caught where it is made."""
    with pytest.raises(ValueError):
        actions.SNOOZE.build("ten")
    with pytest.raises(ValueError):
        actions.SHOW_STRETCH.build("x" * 65)


async def test_every_button_the_core_renders_is_a_known_action(
    library: Library, clock: FakeClock
) -> None:
    """Cards, suggestions, list pages and nudges carry only actions parse() understands."""
    content = ContentCommands(library, MemoryRotationStore(), clock)
    messages = [*(content.stretch(s.id) for s in library.stretches), content.stretch("twist"),
                content.stretches(None, None, 1), await content.break_message("k"),
                await content.nudge("break", "k")]
    buttons = [b.action for m in messages for b in m.buttons]
    assert buttons and all(actions.parse(a) is not None for a in buttons)


@settings(max_examples=200, deadline=None)
@given(text=st.text(max_size=120))
def test_parse_and_the_pattern_agree_on_any_text(text: str) -> None:
    """The platforms' matcher and parse() accept exactly the same strings."""
    assert (actions.parse(text) is not None) == bool(re.fullmatch(actions.pattern(), text))
