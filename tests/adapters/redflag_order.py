"""One check of /redflags as a person reads it, shared by every adapter's test.

Whatever the platform does to a message (embed fields, Block Kit sections, console text), the
levels must read most urgent first and every sign must sit under its own level's heading.
"""

from __future__ import annotations

from bot.core import safety
from bot.core.content.library import Library
from bot.core.content.models import RedFlagLevel


def assert_levels_in_order(text: str, library: Library, *, cut_short: bool = False) -> None:
    """Headings in level order, each sign after its heading and before the next one.

    ``cut_short``: the text may end early (Slack's 3,000-character notification fallback);
    the emergencies must still come first and whole, and what is there must be in order.
    """
    levels = [level for level, _ in safety.by_level(library.red_flags)]
    assert len(levels) == 3, "the shipped content has signs at every level"
    if cut_short:
        levels = [lv for lv in levels if safety.LEVEL_HEADINGS[lv] in text]
        assert levels[0] is RedFlagLevel.EMERGENCY
    starts = [text.index(safety.LEVEL_HEADINGS[level]) for level in levels]
    assert starts == sorted(starts), "levels must read most urgent first"
    ends = [*starts[1:], len(text)]
    for n, (level, start, end) in enumerate(zip(levels, starts, ends, strict=True)):
        if cut_short and n == len(levels) - 1 and level is not RedFlagLevel.EMERGENCY:
            continue  # the level the cut fell in
        for flag in (f for f in library.red_flags if f.level is level):
            assert flag.sign in text[start:end], (level, flag.id)
