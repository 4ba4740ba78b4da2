"""The ``deskbreak`` command.

Each area registers its own subcommands through one function (see ``REGISTRARS`` at the
bottom), so this file stays a table of contents rather than a pile of handlers. A handler
takes the parsed arguments and returns the exit status.

Exit statuses: 0 success, 1 the thing asked about is wrong or missing (bad content, unknown
stretch, a database that cannot be used), 2 usage or settings errors (a rejected token too),
130 interrupted. ``run`` treats SIGTERM and SIGINT as "stop cleanly" and exits 0.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import bot
from bot.adapters.console.output import SHELL, ConsoleOutput
from bot.adapters.discord.invite import WHY, client_id_from_token, invite_url
from bot.core.clock import SystemClock
from bot.core.commands import ContentCommands
from bot.core.content.library import Library
from bot.core.content.loader import ContentError, display_path, load_library
from bot.core.messages import Message, MessageKind
from bot.core.ports import Platform
from bot.core.rotation import MemoryRotationStore
from bot.pictures.cli import add_picture_option, write_stretch_picture
from bot.pictures.cli import register_cli as register_pictures
from bot.scheduling.config_file import ConfigError, load_workspaces_config
from bot.scheduling.preview import register_cli as register_schedule
from bot.settings import Settings, SettingsError, load_settings
from bot.startup import MissingCredentials, plan_platforms
from bot.stats_cli import register_cli as register_stats

Subparsers = Any  # argparse's _SubParsersAction is private; this is what registrars receive
Handler = Callable[[argparse.Namespace], int]


class CliError(Exception):
    """A failure already explained to the user; ``status`` is the exit status."""

    def __init__(self, lines: Sequence[str], status: int) -> None:
        super().__init__("\n".join(lines))
        self.lines = list(lines)
        self.status = status


def settings_from(args: argparse.Namespace) -> Settings:
    """Settings for a subcommand, honouring its ``--config``; usage error if invalid."""
    try:
        return load_settings(config_path=getattr(args, "config", None))
    except SettingsError as exc:
        raise CliError(exc.problems, 2) from exc


def library_from(settings: Settings) -> Library:
    try:
        return load_library(settings.content.dirs())
    except ContentError as exc:
        lines = [str(p) for p in exc.problems]
        lines.append("The content has problems; `deskbreak validate` lists them.")
        raise CliError(lines, 1) from exc


def show(message: Message) -> None:
    """Print an answer for a shell: wrapped and bold on a terminal, plain in a pipe, and
    pointing at shell commands (`deskbreak stretch pigeon`) rather than slash commands."""
    print(ConsoleOutput(sys.stdout, vocabulary=SHELL).format(message))


def content_from(args: argparse.Namespace) -> ContentCommands:
    library = library_from(settings_from(args))
    return ContentCommands(library, MemoryRotationStore(), SystemClock())


# --------------------------------------------------------------------------- run


def cmd_run(args: argparse.Namespace) -> int:
    from bot.app import build_app
    from bot.observability.listening import CannotListen
    from bot.platforms import PlatformUnavailable
    from bot.serve import serve
    from bot.storage.store import StoreUnavailable
    from bot.storage.urls import DatabaseUrlError

    settings = settings_from(args)
    # auto: every platform with credentials (Discord and Slack then share one process), else
    # the console; half-given credentials stop here, before anything is built.
    try:
        plan = plan_platforms(settings, args.platform)
    except MissingCredentials as exc:
        raise CliError(exc.problems, 2) from exc
    platforms = plan.platforms
    if plan.notice:
        print(plan.notice, file=sys.stderr)
    level = logging.getLevelNamesMapping()[settings.log_level]
    chosen = args.verbose or "log_level" in settings.model_fields_set
    if platforms == (Platform.CONSOLE,) and not chosen:
        # The console's stderr is the terminal the person types in: an INFO line such as
        # "scheduler stopped" lands on the prompt. Unless they asked for a level (-v, or
        # DESKBREAK_LOG_LEVEL set), only what needs attention shows there.
        level = max(level, logging.WARNING)
    logging.basicConfig(
        level=level,
        stream=sys.stderr,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    if logging.getLogger().getEffectiveLevel() > logging.DEBUG:
        # Migrations and APScheduler narrate every step at INFO; in the console that buries
        # the REPL's answers. Their warnings and errors still show.
        for chatty in ("alembic", "apscheduler"):
            logging.getLogger(chatty).setLevel(logging.WARNING)
    try:
        app = build_app(settings)
    except (ContentError, ConfigError) as exc:
        raise CliError([str(p) for p in exc.problems], 1) from exc
    except DatabaseUrlError as exc:  # a setting the operator fixes: a usage error
        raise CliError([str(exc)], 2) from exc
    try:
        return asyncio.run(serve(app, *platforms))
    except PlatformUnavailable as exc:
        raise CliError([str(exc)], 2) from exc
    except StoreUnavailable as exc:  # one line, not a driver traceback; restarting won't help
        raise CliError([str(exc)], 1) from exc
    except CannotListen as exc:  # a port taken or a host that does not resolve
        raise CliError([str(exc)], 1) from exc


def register_run(sub: Subparsers, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser(
        "run",
        parents=[common],
        help="run the bot",
        description="Run the bot. With --platform auto (the default): Discord if DISCORD_TOKEN"
        " is set, Slack if its tokens are set (both in one process when both are), otherwise"
        " the console.",
    )
    p.add_argument(
        "--platform",
        choices=["auto", *(p.value for p in Platform)],
        default="auto",
        help="which platform to serve (default: auto)",
    )
    p.add_argument(
        "-v",
        "--verbose",
        action="store_true",
        help="in the console, log at DESKBREAK_LOG_LEVEL (default INFO); without -v or that"
        " variable set, the console logs warnings and errors only",
    )
    p.set_defaults(func=cmd_run)


# --------------------------------------------------------------------------- content


def cmd_stretch(args: argparse.Namespace) -> int:
    settings = settings_from(args)
    library = library_from(settings)
    query = " ".join(args.name)
    message = ContentCommands(library, MemoryRotationStore(), SystemClock()).stretch(query)
    show(message)
    if message.kind is MessageKind.SUGGESTIONS:
        return 1
    stretch = library.index.resolve(query).stretch
    if args.picture is not None and stretch is not None:
        print(f"\nPicture: {write_stretch_picture(settings, stretch, args.picture)}")
    elif stretch is not None and sys.stdout.isatty():  # a pipe gets the card alone
        print(f"\nPicture: add --picture {stretch.id}.png to save this stretch's drawing.")
    return 0


def cmd_stretches(args: argparse.Namespace) -> int:
    # Words in any order ("hips desk"), as in the console; the core tells area from place.
    words = " ".join([*([args.area] if args.area else []), *args.words]) or None
    message = content_from(args).stretches(words, args.where, max(0, args.page - 1))
    show(message)
    return 1 if message.kind is MessageKind.ERROR else 0


def cmd_tip(args: argparse.Namespace) -> int:
    show(asyncio.run(content_from(args).tip("cli")))
    return 0


def cmd_redflags(args: argparse.Namespace) -> int:
    show(content_from(args).redflags())
    return 0


def register_content(sub: Subparsers, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser(
        "stretch",
        parents=[common],
        help="show how to do a stretch",
        description="Show step-by-step instructions for a stretch, by name, alias or id.",
    )
    p.add_argument("name", nargs="+", help="the stretch, e.g. pigeon or 'thread the needle'")
    add_picture_option(p)
    p.set_defaults(func=cmd_stretch)

    p = sub.add_parser(
        "stretches", parents=[common], help="list stretches", description="List stretches."
    )
    p.add_argument("words", nargs="*", metavar="AREA/WHERE",
                   help="body area and/or place in any order, e.g. hips or 'neck desk'")
    p.add_argument("--area", help="only stretches for this body area, e.g. hips")
    p.add_argument("--where", help="only stretches done here: desk, standing or floor")
    p.add_argument("--page", type=int, default=1, help="page number (default: 1)")
    p.set_defaults(func=cmd_stretches)

    p = sub.add_parser(
        "tip",
        parents=[common],
        help="show a desk tip",
        description="Show a desk-ergonomics tip, picked at random: unlike the bot's /tip, which"
        " deals every tip once before repeating, one-shot runs keep no deck and can repeat.",
    )
    p.set_defaults(func=cmd_tip)

    p = sub.add_parser(
        "redflags",
        parents=[common],
        help="when to see a professional",
        description="Show the signs that need a health professional rather than a stretch.",
    )
    p.set_defaults(func=cmd_redflags)


# --------------------------------------------------------------------------- validate


def _report(problems: Sequence[object], settings_problems: Sequence[str] = ()) -> int:
    """Print every problem (settings ones on stderr, as for every command), then the count on
    stderr; the exit status: 2 when the settings are wrong, else 1."""
    for line in settings_problems:
        print(line, file=sys.stderr)
    for problem in problems:
        print(problem)
    count = len(problems) + len(settings_problems)
    print(f"{count} problem{'s' if count != 1 else ''} found.", file=sys.stderr)
    return 2 if settings_problems else 1


def _settings_without_config() -> Settings:
    """The environment's settings alone, or the defaults if the environment is wrong too."""
    env = {k: v for k, v in os.environ.items() if k != "DESKBREAK_CONFIG"}
    try:
        return load_settings(env)
    except SettingsError:
        return Settings()


def check_database_url(url: str) -> None:
    """The database URL read the way storage will open it (bot/storage/urls.py), so
    `validate` refuses one that `run` would refuse."""
    from bot.storage.urls import DatabaseUrlError, parse_database_url

    try:
        parse_database_url(url)
    except DatabaseUrlError as exc:
        raise CliError([str(exc)], 2) from exc


def cmd_validate(args: argparse.Namespace) -> int:
    # Every independent check runs and reports, so one run lists everything to fix: broken
    # settings do not hide broken content, nor broken content a broken schedule.
    settings_problems: list[str] = []
    try:
        settings = settings_from(args)
        check_database_url(settings.database.url)
    except CliError as exc:
        settings_problems = exc.lines
        settings = _settings_without_config()  # to find the content folders all the same
    config_path = settings.config_path or args.config or (
        Path(os.environ["DESKBREAK_CONFIG"]) if os.environ.get("DESKBREAK_CONFIG") else None
    )
    dirs = [Path(p) for p in args.paths] if args.paths else settings.content.dirs()
    problems: list[object] = []
    library: Library | None = None
    try:
        library = load_library(dirs)
    except ContentError as exc:
        problems += exc.problems
    if config_path:
        try:  # workspaces and schedules in a deployment-format config file
            routines = [r.id for r in library.routines] if library is not None else None
            load_workspaces_config(config_path, routines)
        except ConfigError as exc:  # a YAML error the settings already reported is said once
            problems += [p for p in exc.problems if str(p) not in settings_problems]
    if library is None or problems or settings_problems:
        return _report(problems, settings_problems)
    where = ", ".join(display_path(d) for d in dirs)
    config = f"; config {display_path(config_path)} OK" if config_path else ""
    print(f"OK: {library.summary()} in {len(library.sources)} files from {where}{config}")
    base = settings.content.base_dir.resolve()
    if args.paths and all(d.resolve() != base for d in dirs):
        # Extra content is loaded over the shipped content, where an id or alias may clash
        # with a shipped one: checked alone it can pass and still fail at start-up.
        print(f"Checked on their own. To check them as the bot loads them, over the shipped"
              f" content: deskbreak validate {display_path(settings.content.base_dir)} "
              + " ".join(display_path(d) for d in dirs))
    return 0


def register_validate(sub: Subparsers, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser(
        "validate",
        parents=[common],
        help="check content (and the config file)",
        description="Check content files and, with --config, the config file. Prints each"
        " problem as file:line: field: message and exits 1 if there are any.",
    )
    p.add_argument(
        "paths",
        nargs="*",
        metavar="PATH",
        help="content directories to check, later ones overriding earlier ones"
        " (default: the configured content directories)",
    )
    p.set_defaults(func=cmd_validate)


# --------------------------------------------------------------------------- invite


def cmd_invite(args: argparse.Namespace) -> int:
    client_id = args.client_id
    if client_id is None:
        token = settings_from(args).discord.token
        if token is None:
            raise CliError(["Give --client-id, or set DISCORD_TOKEN / DISCORD_TOKEN_FILE."], 2)
        try:
            client_id = client_id_from_token(token.get_secret_value())
        except ValueError as exc:
            raise CliError([f"DISCORD_TOKEN: {exc}; pass --client-id instead."], 2) from exc
    if not client_id.isdigit():
        raise CliError(["--client-id must be the numeric application id."], 2)
    print(invite_url(client_id))
    print()
    print("Permissions asked for, and why:")
    for name, why in WHY:
        print(f"  {name}: {why}")
    return 0


def register_invite(sub: Subparsers, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser(
        "invite",
        parents=[common],
        help="print the link that adds the bot to a Discord server",
        description="Print the OAuth2 link (scopes bot + applications.commands) with only the"
        " permissions deskbreak needs. The application id comes from --client-id or the token.",
    )
    p.add_argument("--client-id", help="the Discord application id (default: from the token)")
    p.set_defaults(func=cmd_invite)


# --------------------------------------------------------------------------- wiring

# One registration function per area, each `(subparsers, common_parent) -> None`.
# Scheduling adds `schedule preview` here; the Discord adapter adds `invite`.
REGISTRARS: list[Callable[[Subparsers, argparse.ArgumentParser], None]] = [
    register_run,
    register_content,
    register_validate,
    register_schedule,
    register_invite,
    register_pictures,
    register_stats,
]


class Parser(argparse.ArgumentParser):
    """An ArgumentParser whose subcommands complain about their own arguments.

    argparse hands a subcommand's unrecognised arguments up to the top-level parser, which
    then prints the top-level usage: `deskbreak stretches hips` would answer with the list of
    commands instead of how `stretches` is used. Each parser built from this class (the
    subcommands inherit it) rejects what it does not know itself, with its own usage.
    """

    def parse_known_args(  # type: ignore[override]
        self, args: Sequence[str] | None = None, namespace: argparse.Namespace | None = None
    ) -> tuple[argparse.Namespace, list[str]]:
        parsed, extras = super().parse_known_args(args, namespace)
        if extras:
            self.error(f"unrecognized arguments: {' '.join(extras)}")
        return parsed, extras


def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--config",
        type=Path,
        metavar="PATH",
        help="YAML config file for non-secret settings (default: $DESKBREAK_CONFIG)",
    )
    parser = Parser(
        prog="deskbreak",
        description="Break nudges, desk stretches and ergonomics tips for Discord, Slack and"
        " the terminal. General wellness information, not medical advice.",
    )
    parser.add_argument("--version", action="version", version=f"deskbreak {bot.__version__}")
    sub = parser.add_subparsers(title="commands", metavar="COMMAND")
    for register in REGISTRARS:
        register(sub, common)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    handler: Handler | None = getattr(args, "func", None)
    if handler is None:
        parser.print_help()
        return 2
    try:
        return handler(args)
    except CliError as exc:
        for line in exc.lines:
            print(line, file=sys.stderr)
        return exc.status
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # `deskbreak stretches | head`: the reader left; don't print a traceback about it.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 1
