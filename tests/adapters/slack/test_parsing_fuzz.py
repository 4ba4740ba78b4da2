"""Property tests: the slash-command text parsers take anything Slack can send and either parse
it or raise ParseError (shown to the person), never another exception."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.adapters.slack.listeners.config import _quiet
from bot.adapters.slack.listeners.options import schedule_id, take
from bot.adapters.slack.listeners.schedule import ADD_OPTIONS, _add_arguments
from bot.adapters.slack.parsing import ParseError, channel_id, split
from tests.core.message_strategies import HOSTILE_TEXT

# Slash-command text: fragments people really type (quotes, key=value, escaped channels)
# mixed with hostile text.
PIECES = st.sampled_from([
    "add", "break", "tip", "every=60", "cron=\"0 9 * * 1-5\"", "cron='0 9", "“", "”", "'", '"',
    "<#C0WELL|wellness>", "<#C0WELL>", "#general", "tz=Europe/Berlin", "=", "==", "a=b=c",
    "quiet", "off", "12:00-13:00", "remove", "\\", " ", "\n", "\x00", "<!everyone>", "#1",
])
COMMAND_TEXT = st.one_of(
    HOSTILE_TEXT,
    st.lists(st.one_of(PIECES, st.text(max_size=6)), max_size=15).map(" ".join),
    st.text(min_size=3000, max_size=4000),
)


def parse_all(text: str) -> None:
    args = split(text)
    for word in args.words:
        found = channel_id(word)
        assert found is None or (found.isascii() and found.isalnum())
    take(args, ADD_OPTIONS)
    _add_arguments(args, "C0HERE")


@settings(max_examples=150, deadline=None)
@given(text=COMMAND_TEXT)
def test_command_text_parses_or_raises_parse_error(text: str) -> None:
    """split, channel_id, option checking and /schedule add argument parsing: ParseError only."""
    try:
        parse_all(text)
    except ParseError as exc:
        assert str(exc)


@settings(max_examples=100, deadline=None)
@given(text=COMMAND_TEXT)
def test_quiet_arguments_parse_or_raise_parse_error(text: str) -> None:
    """/config quiet's argument reading only raises ParseError."""
    try:
        start, end = _quiet(split(f"quiet {text}"))
    except ParseError as exc:
        assert str(exc)
    else:
        assert isinstance(start, str) and (end is None or isinstance(end, str))


@settings(max_examples=100, deadline=None)
@given(text=st.one_of(st.none(), COMMAND_TEXT, st.integers(0, 10**40).map(str),
                      st.text(alphabet="0123456789#", max_size=6000)))
def test_schedule_ids_are_small_positive_numbers_or_parse_error(text: str | None) -> None:
    """A schedule id is a 64-bit number; anything else (5,000 digits too) is a ParseError."""
    try:
        ident = schedule_id(text, "`/schedule pause <id>`")
    except ParseError as exc:
        assert len(str(exc)) < 300
    else:
        assert 0 <= ident < 2**63
