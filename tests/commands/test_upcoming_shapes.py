"""The spec expresses the commands this round adds: choices with a default, an integer range
with a default, autocomplete, admin-only leaves, links or `off`."""

from __future__ import annotations

import pytest

from bot.commands.call import with_defaults
from bot.commands.parse import parse
from bot.commands.run import UsageError
from bot.commands.spec import Path
from bot.core.ports import Platform
from tests.commands.shapes import SHAPES


@pytest.mark.parametrize(("name", "text", "args"), [
    ("teamstats", "", {"period": "week"}),
    ("teamstats", "Month", {"period": "month"}),
    ("teamstats", "period=year", {"period": "year"}),
    ("groupbreak", "", {"in_minutes": 5}),
    ("groupbreak", "15 neck-reset", {"in_minutes": 15, "routine": "neck-reset"}),
    ("groupbreak", "in_minutes=20", {"in_minutes": 20}),
    ("routine", "desk reset", {"name": "desk reset"}),
    ("remind", "calendar <https://cal.example.com/me.ics>",
     {"url": "https://cal.example.com/me.ics"}),
    ("remind", "calendar https://cal.example.com/me.ics", {"url": "https://cal.example.com/me.ics"}),
    ("remind", "calendar off", {"url": "off"}),
    # Any scheme reaches the facade, whose SSRF guard refuses ftp: on every platform alike.
    ("remind", "calendar ftp://x", {"url": "ftp://x"}),
    ("remind", "calendar webcal://cal.example.com/me.ics",
     {"url": "webcal://cal.example.com/me.ics"}),
])
def test_upcoming_forms_parse_alike_on_slack_and_in_the_console(
    name: str, text: str, args: dict[str, object]
) -> None:
    """Defaults fill in, choices match in any case, links lose Slack's angle brackets."""
    for platform in (Platform.CONSOLE, Platform.SLACK):
        assert parse(SHAPES, platform, name, text).args == args


@pytest.mark.parametrize(("name", "text", "fragment"), [
    ("groupbreak", "90", "from 1 to 60"),
    ("teamstats", "decade", "not one of them"),
    ("remind", "calendar", "Which link\\? Usage: `/remind calendar URL`"),
    ("remind", "calendar cal.example.com/me.ics", "is not a link"),
])
def test_upcoming_forms_refuse_what_discord_would(name: str, text: str, fragment: str) -> None:
    """Out of range, not a choice, missing, not a link: refused as Discord's form would."""
    with pytest.raises(UsageError, match=fragment):
        parse(SHAPES, Platform.SLACK, name, text)


def test_a_form_that_leaves_an_option_out_gets_its_default_too() -> None:
    """Discord sends nothing for an option left empty; answers still see its default, as
    typed text gives it."""
    path = Path(SHAPES.commands[1], SHAPES.commands[1])
    assert with_defaults(path, {}) == {"in_minutes": 5}
    assert with_defaults(path, {"in_minutes": 9}) == {"in_minutes": 9}
