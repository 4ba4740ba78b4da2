"""Splitting slash-command text into words, options and channel ids."""

from __future__ import annotations

import pytest

from bot.adapters.slack.parsing import ParseError, channel_id, split


def test_options_and_quoted_cron_are_split() -> None:
    """``key=value`` options are separated from words; a quoted cron stays one value."""
    args = split('add <#C0WELL|wellness> tip cron="0 9-17 * * 1-5" TZ=Europe/Berlin')
    assert args.words == ["add", "<#C0WELL|wellness>", "tip"]
    assert args.options == {"cron": "0 9-17 * * 1-5", "tz": "Europe/Berlin"}


def test_curly_quotes_from_phones_are_straightened() -> None:
    """Smart quotes typed on a phone still delimit a cron expression."""
    assert split("add tip cron=“0 9 * * 1”").options == {"cron": "0 9 * * 1"}


def test_unbalanced_quotes_are_a_user_error() -> None:
    """An unclosed quote is reported, not raised as a crash."""
    with pytest.raises(ParseError):
        split('add tip cron="0 9 * *')


def test_channel_mentions_and_ids_are_recognised() -> None:
    """Escaped mentions and bare ids give the channel id; other words give None."""
    assert channel_id("<#C0WELL|wellness>") == "C0WELL"
    assert channel_id("<#G0PRIV>") == "G0PRIV"
    assert channel_id("C0123ABCD") == "C0123ABCD"
    assert channel_id("#wellness") is None
    assert channel_id("break") is None
