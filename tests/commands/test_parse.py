"""The one parser for typed commands (Slack text and console lines): forms it accepts, and
what it says about forms it does not."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.commands.parse import Token, channel_id, parse, tokenize
from bot.commands.run import UsageError
from bot.commands.table import TABLE
from bot.core.ports import Platform
from tests.core.message_strategies import HOSTILE_TEXT

TYPED = (Platform.CONSOLE, Platform.SLACK)


def args(name: str, text: str, platform: Platform = Platform.CONSOLE) -> dict[str, object]:
    parsed = parse(TABLE, platform, name, text)
    return {"path": " ".join(parsed.path.words), **parsed.args}


def test_options_quotes_and_phone_quotes_are_split() -> None:
    """``key=value`` options, a quoted cron as one value, curly quotes straightened."""
    assert tokenize('add tip cron="0 9-17 * * 1-5" TZ=Europe/Berlin') == [
        Token("add"), Token("tip"), Token("0 9-17 * * 1-5", key="cron", quoted=True),
        Token("Europe/Berlin", key="tz")]
    assert tokenize("cron=“0 9 * * 1”") == [Token("0 9 * * 1", key="cron", quoted=True)]
    assert tokenize("child's pose") == [Token("child's"), Token("pose")]


def test_an_unclosed_quote_says_check_your_quotes() -> None:
    """An unbalanced quote is a usage error, not a crash."""
    with pytest.raises(UsageError, match="check your quotes"):
        parse(TABLE, Platform.SLACK, "schedule", 'add tip cron="0 9 * *')


def test_channels_are_read_from_mentions_and_ids() -> None:
    """Slack's escaped mentions, Discord-style mentions and bare ids give the channel id."""
    assert channel_id("<#C0WELL|wellness>") == "C0WELL"
    assert channel_id("<#G0PRIV>") == "G0PRIV"
    assert channel_id("C0123ABCD") == "C0123ABCD"
    assert channel_id("<#123456789012345678>") == "123456789012345678"
    assert channel_id("#wellness") is None and channel_id("break") is None


@pytest.mark.parametrize("platform", TYPED)
@pytest.mark.parametrize(("text", "expected"), [
    ("on 30 09:00 17:00 mon-fri",
     {"every": "30", "start": "09:00", "end": "17:00", "days": "mon-fri"}),
    ("on every 30 minutes from 09:00 to 17:00 on mon-fri",
     {"every": "30 minutes", "start": "09:00", "end": "17:00", "days": "mon-fri"}),
    ("on every=45 start=08:00 end=16:00 days=mon-fri",
     {"every": "45", "start": "08:00", "end": "16:00", "days": "mon-fri"}),
    ("on every=60 from=09:00 until=17:00", {"every": "60", "start": "09:00", "end": "17:00"}),
    ("on 1 hour 9am 5 pm mon to fri",
     {"every": "1 hour", "start": "9am", "end": "5 pm", "days": "mon to fri"}),
    ("on every day", {"days": "every day"}),
    ("on", {}),
])
def test_remind_on_takes_every_form_people_type(
    platform: Platform, text: str, expected: dict[str, str]
) -> None:
    """Positional, ``key=value``, ``key value`` and natural words all fill the same options."""
    name = "reminders" if platform is Platform.SLACK else "remind"
    assert args(name, text, platform) == {"path": "remind on", **expected}


@pytest.mark.parametrize(("name", "text", "expected"), [
    ("remind", "", {"path": "remind status"}),
    ("remind", "tz Europe/Berlin", {"path": "remind timezone", "tz": "Europe/Berlin"}),
    ("remind", "snooze 1 hour", {"path": "remind snooze", "minutes": "1 hour"}),
    ("remind", "pause until 14:00", {"path": "remind pause", "until": "14:00"}),
    ("schedule", "add break cron=0 9 * * *",
     {"path": "schedule add", "kind": "break", "cron": "0 9 * * *"}),
    ("schedule", 'add break cron="0 9-17 * * 1-5" tz=Europe/London',
     {"path": "schedule add", "kind": "break", "cron": "0 9-17 * * 1-5",
      "timezone": "Europe/London"}),
    ("schedule", "add break every 30 minutes from 09:00 to 17:00 on mon-fri",
     {"path": "schedule add", "kind": "break", "every": "30 minutes", "start": "09:00",
      "end": "17:00", "days": "mon-fri"}),
    ("schedule", "add <#C0WELL|wellness> tip every=30",
     {"path": "schedule add", "channel": "C0WELL", "kind": "tip", "every": "30"}),
    ("schedule", "add channel=C0123ABCD TIP every=30",
     {"path": "schedule add", "channel": "C0123ABCD", "kind": "tip", "every": "30"}),
    ("schedule", "pause #1", {"path": "schedule pause", "id": 1}),
    ("config", "quiet 12:00-13:00", {"path": "config quiet", "start": "12:00", "end": "13:00"}),
    ("config", "quiet 22:00–07:00", {"path": "config quiet", "start": "22:00", "end": "07:00"}),
    ("config", "quiet from 22:00 to 07:00",
     {"path": "config quiet", "start": "22:00", "end": "07:00"}),
    ("config", "quiet off", {"path": "config quiet", "start": "off"}),
    ("config", "skip 2026-12-24 remove",
     {"path": "config skip", "date": "2026-12-24", "remove": True}),
    ("config", "skip remove=no 2026-12-24",
     {"path": "config skip", "date": "2026-12-24", "remove": False}),
    ("config", "skip 2026-12-24", {"path": "config skip", "date": "2026-12-24", "remove": False}),
    ("stretches", "desk neck", {"path": "stretches", "area": "desk neck"}),
    ("stretches", "lower back standing 2",
     {"path": "stretches", "area": "lower back standing", "page": 2}),
    ("stretches", "where=desk neck", {"path": "stretches", "area": "neck", "where": "desk"}),
    ("stretch", "child's pose", {"path": "stretch", "name": "child's pose"}),
    ("stretch", '"pigeon', {"path": "stretch", "name": '"pigeon'}),
    ("stretch", 'name="thread the needle"', {"path": "stretch", "name": "thread the needle"}),
    ("stretch", "“child's pose”", {"path": "stretch", "name": "child's pose"}),
    ("stretch", "", {"path": "stretch", "name": ""}),
])
def test_every_form_reads_the_same_on_slack_and_in_the_console(
    name: str, text: str, expected: dict[str, object]
) -> None:
    """The same text gives the same command and arguments on both typed platforms."""
    assert args(name, text, Platform.CONSOLE) == expected
    slack_name = {"remind": "reminders"}.get(name, name)
    assert args(slack_name, text, Platform.SLACK) == expected


@pytest.mark.parametrize(("name", "text", "fragments"), [
    ("remind", "of", ["`/remind of` is not something I can do", "Did you mean `/remind off`?",
                      "Usage: `/remind on"]),
    ("schedule", "add <#C0WELL|wellness> lunch every=30",
     ["Say what to post: `break`, `tip` or `routine:<id>`", "`lunch` is not one of them",
      "For example: `/schedule add"]),
    ("schedule", "add break evry=30", ["I don't know the option `evry=`", "`every=`"]),
    ("schedule", "preview abc", ["`abc` is not a schedule id", "`/schedule preview 3`"]),
    ("schedule", "preview 0", ["must be at least 1"]),
    ("schedule", "preview", ["Which schedule?"]),
    ("schedule", "add #general tip", ["couldn't read the channel `#general`"]),
    ("schedule", "add break every=30 every=60", ["`every` is given twice"]),
    ("schedule", "list everything", ["I don't know what to do with `everything`",
                                     "Usage: `/schedule list`"]),
    ("config", "skip 2026-12-24 remove=maybe", ["`remove=` takes yes or no"]),
    ("config", "quiet", ["Which start?"]),
])
def test_a_wrong_form_says_what_is_wrong_and_shows_the_closest_example(
    name: str, text: str, fragments: list[str]
) -> None:
    """Each usage error names the problem and, where it helps, the closest correct form."""
    with pytest.raises(UsageError) as caught:
        parse(TABLE, Platform.CONSOLE, name, text)
    for fragment in fragments:
        assert fragment in str(caught.value)


@pytest.mark.parametrize(("name", "text", "expected"), [
    ("remind", "on 30 09:00 17:00 funday", {"every": "30", "start": "09:00", "end": "17:00",
                                            "days": "funday"}),
    ("remind", "snooze abc", {"minutes": "abc"}),
    ("config", "quiet 25:00 07:00", {"start": "25:00", "end": "07:00"}),
    ("schedule", "add break every often", {"kind": "break", "every": "often"}),
])
def test_a_value_of_the_wrong_shape_is_left_for_the_facade_to_judge(
    name: str, text: str, expected: dict[str, object]
) -> None:
    """A word no option's shape fits goes to the time/duration/days slot it is in, so the
    facade's error (the one Discord users see for the same value) explains it."""
    parsed = parse(TABLE, Platform.CONSOLE, name, text)
    assert parsed.args == expected


def test_help_after_a_group_asks_for_its_usage() -> None:
    """``/schedule help`` is a request for the command's details, not an unknown action."""
    assert parse(TABLE, Platform.SLACK, "schedule", "help").help


def test_slack_names_are_slack_only() -> None:
    """/reminders and /deskbreak exist on Slack; the console keeps /remind and /help."""
    assert parse(TABLE, Platform.SLACK, "deskbreak", "").path.words == ("help",)
    with pytest.raises(UsageError):
        parse(TABLE, Platform.CONSOLE, "reminders", "")
    with pytest.raises(UsageError):
        parse(TABLE, Platform.SLACK, "remind", "")


# Slash-command text: fragments people really type mixed with hostile text.
PIECES = st.sampled_from([
    "add", "break", "tip", "every=60", "cron=\"0 9 * * 1-5\"", "cron='0 9", "“", "”", "'", '"',
    "<#C0WELL|wellness>", "<#C0WELL>", "#general", "tz=Europe/Berlin", "=", "==", "a=b=c",
    "quiet", "off", "12:00-13:00", "remove", "\\", " ", "\n", "\x00", "<!everyone>", "#1",
    "every", "from", "to", "on", "mon", "-", "1", "hour", "page", "where", "9am", "help",
])
COMMAND_TEXT = st.one_of(
    HOSTILE_TEXT,
    st.lists(st.one_of(PIECES, st.text(max_size=6)), max_size=15).map(" ".join),
    st.text(min_size=3000, max_size=4000),
)
NAMES = [(p, c.name_on(p)) for p in TYPED for c in TABLE.on(p)]


@settings(max_examples=300, deadline=None)
@given(where=st.sampled_from(NAMES), text=COMMAND_TEXT)
def test_any_text_parses_or_is_a_usage_error(where: tuple[Platform, str], text: str) -> None:
    """Whatever follows any command on either typed platform: arguments, or a UsageError
    of reasonable length, never another exception."""
    platform, name = where
    try:
        parsed = parse(TABLE, platform, name, text)
    except UsageError as exc:
        assert 0 < len(str(exc)) < 2000
    else:
        assert all(isinstance(v, str | int | bool) for v in parsed.args.values())
        for key in ("id", "page"):
            value = parsed.args.get(key)
            assert value is None or (isinstance(value, int) and 0 < value < 2**63)
