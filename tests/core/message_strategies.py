"""Hypothesis strategies for neutral Messages and hostile text, shared by the renderer tests."""

from __future__ import annotations

from hypothesis import strategies as st

from bot.core.messages import Button, ButtonStyle, Message, MessageKind, Section

MENTIONS = st.sampled_from(
    ["@everyone", "@here", "@EVERYONE", "<@&123456789012345678>", "<@123>", "<@!42>",
     "<!everyone>", "<!here>", "<!channel>", "<@U012ABCDEF>", "<#C123|x>", "&", "<", ">", "&amp;"]
)
# Any unicode (surrogates excluded: they cannot be sent as UTF-8), control characters, RTL
# overrides and emoji included, mixed with the mention forms of both platforms.
HOSTILE_TEXT = st.one_of(
    st.text(max_size=60),
    st.lists(st.one_of(MENTIONS, st.text(max_size=8)), max_size=12).map("".join),
    st.text(alphabet=st.characters(codec="utf-8"), min_size=1, max_size=400),
)
LONG_TEXT = st.one_of(
    HOSTILE_TEXT,
    st.builds(lambda t, n: (t or "x") * n, HOSTILE_TEXT, st.integers(1, 200)),
    st.integers(1000, 12_000).map(lambda n: "w" * n),
)
# Actions the Discord adapter has persistent handlers for (others are a programming error).
ACTIONS = st.one_of(
    st.just("done"),
    st.integers(1, 9999).map(lambda n: f"snooze:{n}"),
    st.from_regex(r"show_stretch:[a-z0-9-]{1,64}", fullmatch=True),
    st.from_regex(r"page:[a-z*-]{1,32}:[a-z*]{1,16}:[0-9]{1,4}", fullmatch=True),
)
BUTTONS = st.builds(Button, ACTIONS, LONG_TEXT.filter(bool), st.sampled_from(list(ButtonStyle)))
SECTIONS = st.builds(
    Section,
    st.one_of(st.none(), LONG_TEXT),
    st.lists(LONG_TEXT, max_size=30).map(tuple),
    st.booleans(),
    st.integers(1, 500),
)
MESSAGES = st.builds(
    Message,
    kind=st.sampled_from(list(MessageKind)),
    title=LONG_TEXT,
    body=LONG_TEXT,
    sections=st.lists(SECTIONS, max_size=40).map(tuple),
    footer=st.one_of(st.none(), LONG_TEXT),
    buttons=st.lists(BUTTONS, max_size=40).map(tuple),
    ephemeral=st.booleans(),
)
