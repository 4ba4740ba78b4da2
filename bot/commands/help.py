"""Usage lines and /help, generated from the command table for each platform.

A usage line shows what may be typed: required values as ``NAME``, optional ones as
``[name=example]`` (or ``[name]``), flags as ``[flag]``; every line is itself a valid form.
The same lines appear in /help, in usage errors and, for Slack, in the manifest's usage
hints, so they cannot drift apart.
"""

from __future__ import annotations

from bot.commands.spec import Access, Command, Kind, Option, Path, Table
from bot.core.messages import Message, MessageKind, Section
from bot.core.ports import Platform
from bot.scheduling.commands import CommandNames

SLACK_HINT_LIMIT = 1000


def shown(option: Option) -> str:
    """``NAME`` (required), ``[name=09:00]`` (optional, with an example), ``[name]``."""
    if option.kind is Kind.BOOLEAN:
        return f"[{option.name}]"
    if option.required:
        return option.name.upper()
    if option.example or not option.positional:
        return f"[{option.name}={option.example or option.name.upper()}]"
    return f"[{option.name}]"


def arguments(command: Command) -> str:
    return " ".join(shown(o) for o in command.options)


def usage(path: Path, platform: Platform) -> str:
    """``/reminders on [every] [start] [end] [days]`` as typed on ``platform``."""
    return path.typed(platform, arguments(path.leaf))


def help_lines(table: Table, platform: Platform, access: Access) -> tuple[str, ...]:
    """One line per command on ``platform`` that ``access`` may run: usage, then purpose."""
    lines: list[str] = []
    for command in table.on(platform):
        paths = [p for p in table.paths(platform) if p.top is command and p.access is access]
        if not paths:
            continue
        if command.subcommands:
            subs = " | ".join(p.leaf.name for p in paths)
            lines.append(f"/{command.name_on(platform)} {subs}: {command.description}")
        else:
            lines.append(f"{usage(paths[0], platform)}: {command.description}")
    return tuple(lines)


def help_message(table: Table, platform: Platform) -> Message:
    """What /help answers: every command here, everyone's first, then the admins'."""
    sections = [Section(None, help_lines(table, platform, Access.EVERYONE))]
    admin = help_lines(table, platform, Access.ADMIN)
    if admin:
        sections.append(Section("For admins", admin))
    group = next((c for c in table.on(platform) if c.subcommands), None)
    hint = (f" Add `help` to a command for its details, e.g. `/{group.name_on(platform)} help`."
            if group and platform is not Platform.DISCORD else "")
    return Message(
        kind=MessageKind.INFO,
        title="deskbreak commands",
        sections=tuple(sections),
        footer=f"General wellness information, not medical advice.{hint}",
        ephemeral=True,
    )


def command_help(command: Command, platform: Platform) -> Message:
    """``/schedule help``: each subcommand's usage and purpose, and the examples."""
    paths = [Path(command, s) for s in command.subcommands if platform in s.platforms]
    lines = tuple(f"{usage(p, platform)}: {p.leaf.description}" for p in paths)
    examples = tuple(p.typed(platform, e) for p in paths for e in p.leaf.examples if e)
    sections = [Section(None, lines)]
    if examples:
        sections.append(Section("For example", examples))
    return Message(
        kind=MessageKind.INFO,
        title=f"/{command.name_on(platform)}",
        body=command.description,
        sections=tuple(sections),
        ephemeral=True,
    )


def slack_usage_hint(command: Command) -> str:
    """The manifest's ``usage_hint``: what follows the command, for every subcommand."""
    if not command.subcommands:
        return arguments(command)
    parts = []
    for sub in command.subcommands:
        if Platform.SLACK in sub.platforms:
            parts.append(" ".join(p for p in (sub.name, arguments(sub)) if p))
    return " | ".join(parts)[:SLACK_HINT_LIMIT]


def command_names(table: Table, platform: Platform) -> CommandNames:
    """What scheduling replies call /remind, /schedule and /config on ``platform``."""

    def typed(name: str) -> str:
        command = next(c for c in table.commands if c.name == name)
        return f"/{command.name_on(platform)}"

    return CommandNames(remind=typed("remind"), schedule=typed("schedule"), config=typed("config"))
