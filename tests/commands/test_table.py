"""The command table itself: every declaration fits every platform's limits, its examples
are forms that work, and /help and usage lines come from it."""

from __future__ import annotations

import re

import pytest

from bot.commands.help import command_names, help_message, usage
from bot.commands.parse import parse
from bot.commands.spec import Access, Command, Kind, Option, Path, Table
from bot.commands.table import TABLE
from bot.core.ports import Platform
from bot.scheduling.commands import CommandNames

DISCORD_NAME = re.compile(r"^[-_a-z0-9]{1,32}$")
PATHS = [p for platform in Platform for p in TABLE.paths(platform)]
EXAMPLES = [(p, e) for p in dict.fromkeys(PATHS) for e in p.leaf.examples]


def all_commands() -> list[Command]:
    return [c for top in TABLE.commands for c in (top, *top.subcommands)]


@pytest.mark.parametrize("command", all_commands(), ids=lambda c: c.name)
def test_every_declaration_fits_discord_and_slack(command: Command) -> None:
    """Names, descriptions and options stay within what Discord and Slack accept."""
    for platform in Platform:
        assert DISCORD_NAME.match(command.name_on(platform)), command.name
    assert 0 < len(command.description) <= 100
    assert len(command.options) <= 25 and len(command.subcommands) <= 25
    for option in command.options:
        assert DISCORD_NAME.match(option.name) and 0 < len(option.description) <= 100
        if not callable(option.choices):
            assert len(option.choices) <= 25
        if option.min_value is not None or option.max_value is not None:
            assert option.kind is Kind.INTEGER
        if option.then is not None:
            assert command.option(option.then).kind is option.kind
    keys = [k for o in command.options for k in o.keys]
    assert len(keys) == len(set(keys)), "two options answer to the same word"


@pytest.mark.parametrize(("path", "example"), EXAMPLES,
                         ids=[f"{' '.join(p.words)}: {e}" for p, e in EXAMPLES])
def test_every_example_is_a_form_that_works(path: Path, example: str) -> None:
    """The examples shown in usage errors and /schedule help parse, on Slack and in the
    console, to the command they illustrate."""
    for platform in (Platform.CONSOLE, Platform.SLACK):
        if platform in path.top.platforms:
            words = example if path.leaf is path.top else f"{path.leaf.name} {example}"
            parsed = parse(TABLE, platform, path.top.name_on(platform), words)
            assert parsed.path == path


def test_the_platform_names_reach_the_scheduling_replies() -> None:
    """Slack's /reminders is what scheduling replies name there; elsewhere /remind."""
    assert command_names(TABLE, Platform.SLACK) == CommandNames(remind="/reminders")
    assert command_names(TABLE, Platform.DISCORD) == CommandNames()


@pytest.mark.parametrize("platform", list(Platform))
def test_help_lists_every_command_of_its_platform_and_only_those(platform: Platform) -> None:
    """/help names each command that exists there, under its name there, admins' apart."""
    text = help_message(TABLE, platform).plain_text()
    for command in TABLE.commands:
        shown = f"/{command.name_on(platform)}"
        assert (shown in text) is (platform in command.platforms), (platform, shown)
    admin = [c for c in TABLE.on(platform) if c.access is Access.ADMIN]
    assert ("For admins" in text) is bool(admin)


def test_usage_lines_show_required_optional_and_flags() -> None:
    """Required values in capitals, optional ones with an example, flags in brackets."""
    assert usage(TABLE.path("stretch"), Platform.CONSOLE) == "/stretch NAME"
    assert usage(TABLE.path("config", "skip"), Platform.SLACK) == "/config skip DATE [remove]"
    assert usage(TABLE.path("remind", "on"), Platform.SLACK) == (
        "/reminders on [every=60] [start=09:00] [end=17:00] [days=mon-fri]")


def test_a_table_refuses_clashing_or_malformed_declarations() -> None:
    """Two commands with one name, or a command with both an answer and subcommands, are
    programming errors caught when the table is built."""
    def answer(call: object) -> None:
        return None

    leaf = Command("x", "x", answer=answer)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="share a name"):
        Table((leaf, leaf))
    with pytest.raises(ValueError, match="not both"):
        Command("y", "y", answer=answer, subcommands=(leaf,))  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="not a subcommand"):
        Command("z", "z", subcommands=(leaf,), default="nope")
    for who in ({"access": Access.ADMIN}, {"personal": True}, {"opens_dm": True}):
        with pytest.raises(ValueError, match="answers everyone alike"):  # a pure answer
            Command("p", "p", answer=answer, pure=True, **who)  # type: ignore[arg-type]


def test_an_option_is_typed_by_its_kind_everywhere() -> None:
    """An integer option with a range is checked by the parser as Discord checks it."""
    option = Option("in_minutes", "Minutes from now", Kind.INTEGER, min_value=1, max_value=60,
                    default=5)
    group = Command("demo", "demo", answer=lambda call: None,  # type: ignore[arg-type,return-value]
                    options=(option,))
    table = Table((group,))
    assert parse(table, Platform.SLACK, "demo", "").args == {"in_minutes": 5}
    assert parse(table, Platform.SLACK, "demo", "15").args == {"in_minutes": 15}
    assert parse(table, Platform.CONSOLE, "demo", "in_minutes=15").args == {"in_minutes": 15}
    with pytest.raises(ValueError, match="from 1 to 60"):
        parse(table, Platform.SLACK, "demo", "90")
