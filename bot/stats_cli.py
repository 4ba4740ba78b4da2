"""``deskbreak stats``, ``deskbreak stats export`` and ``deskbreak forget``.

The console person's own stats (``--chart FILE.png`` writes the chart ``/mystats`` shows), an
admin's per-day export of one workspace as CSV on stdout (no person ids; a day's count of
people is left empty below 3, as ``/teamstats`` hides it), and erasing the console person,
after a confirmation. Each opens the database the settings name, migrated first, and answers
through the same StatsCommands facade the chat commands use.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TextIO, TypeVar

from bot.adapters.console.adapter import CONSOLE_USER, CONSOLE_WORKSPACE
from bot.core.clock import SystemClock
from bot.core.messages import Message
from bot.core.ports import Actor, Platform
from bot.scheduling.specs import zone
from bot.scheduling.stats import MIN_PEOPLE, PERIOD_CHOICES, PERIODS, StatsCommands
from bot.storage import create_store
from bot.storage.errors import StorageError, StoreUnavailable
from bot.storage.stats import StatsEvents

T = TypeVar("T")
CONSOLE_PERSON = Actor(Platform.CONSOLE, CONSOLE_WORKSPACE, CONSOLE_USER, is_admin=True,
                       display_name="you")


def _with_stats(args: argparse.Namespace, work: Callable[[StatsCommands], Awaitable[T]]) -> T:
    from bot.cli import CliError, settings_from

    settings = settings_from(args)

    async def go() -> T:
        store = create_store(settings.database.url, clock=SystemClock())
        try:
            await store.migrate()
            return await work(StatsCommands(store, StatsEvents(store), store.clock))
        finally:
            await store.close()

    try:
        return asyncio.run(go())
    except StoreUnavailable as exc:
        raise CliError([str(exc)], 1) from exc
    except StorageError as exc:
        raise CliError([f"Cannot read the database: {exc}"], 1) from exc


def _print(message: Message) -> None:
    from bot.cli import show

    show(message)


def cmd_stats(args: argparse.Namespace) -> int:
    if args.action == "export":
        return cmd_export(args)
    if args.platform or args.workspace or args.format:
        from bot.cli import CliError

        raise CliError(["--platform, --workspace and --format belong to "
                        "`deskbreak stats export`."], 2)

    async def work(stats: StatsCommands) -> tuple[Message, bytes | None]:
        message = await stats.mystats(CONSOLE_PERSON, args.period)
        return message, next((a.data for a in message.attachments), None)

    message, png = _with_stats(args, work)
    _print(message)
    if args.chart is not None:
        if png is None:
            print("No chart to write: there are no stats yet, or it could not be drawn.",
                  file=sys.stderr)
            return 1
        args.chart.write_bytes(png)
        print(f"Chart written to {args.chart}", file=sys.stderr)
    return 0


async def export_rows(stats: StatsCommands, platform: str, workspace_id: str, period: str,
                      out: TextIO) -> int:
    """Write one CSV row per day of ``period`` in the workspace's zone; returns the count."""
    ws = await stats.store.get_workspace(platform, workspace_id)
    zone_ = zone(ws.timezone)
    days, start, end = stats._window(zone_, PERIODS[period])  # noqa: SLF001 - same facade
    per_day, _ = await stats.events.team(platform, workspace_id, zone_, start, end)
    rows = {d.day: d for d in per_day}
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["date", "nudges_posted", "breaks_taken", "people_taking_part"])
    for day in days:
        row = rows.get(day)
        people = row.people if row else 0
        writer.writerow([day.isoformat(), row.nudged if row else 0, row.done if row else 0,
                         people if people >= MIN_PEOPLE else ""])
    return len(days)


def cmd_export(args: argparse.Namespace) -> int:
    from bot.cli import CliError

    missing = [flag for flag, value in (("--platform", args.platform),
                                        ("--workspace", args.workspace)) if not value]
    if missing:
        raise CliError([f"`deskbreak stats export` needs {' and '.join(missing)}."], 2)
    if (args.format or "csv") != "csv":
        raise CliError([f"--format {args.format}: only csv is supported."], 2)

    async def work(stats: StatsCommands) -> int:
        return await export_rows(stats, args.platform, args.workspace, args.period or "year",
                                 sys.stdout)

    _with_stats(args, work)
    return 0


def cmd_forget(args: argparse.Namespace) -> int:
    from bot.cli import CliError

    if not args.yes:
        if not sys.stdin.isatty():
            raise CliError(["`deskbreak forget` deletes your reminder settings and stats for "
                            "good; run it with --yes to confirm."], 2)
        answer = input("Delete your reminder settings, stats and snoozes for good? "
                       "Type yes: ")
        if answer.strip().lower() != "yes":
            print("Nothing deleted.")
            return 1

    async def work(stats: StatsCommands) -> Message:
        return await stats.forget(CONSOLE_PERSON)

    _print(_with_stats(args, work))
    return 0


def register_cli(sub: Any, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser(
        "stats", parents=[common], help="your break stats (or `stats export` for a workspace)",
        description="Your own break stats as the console's /mystats shows them; --chart "
        "writes the chart as a PNG. `deskbreak stats export --platform discord --workspace ID` "
        "writes a workspace's per-day numbers as CSV (no person ids).")
    p.add_argument("action", nargs="?", choices=("export",), help="export a workspace's days")
    p.add_argument("--period", choices=PERIOD_CHOICES, default=None,
                   help="week, month or year (default: week; export: year)")
    p.add_argument("--chart", type=Path, metavar="FILE.png", help="write the chart here")
    p.add_argument("--platform", choices=[str(x) for x in Platform], help="export: platform")
    p.add_argument("--workspace", metavar="ID", help="export: the workspace (server/team) id")
    p.add_argument("--format", choices=("csv",), help="export: output format (csv)")
    p.set_defaults(func=cmd_stats)
    f = sub.add_parser(
        "forget", parents=[common], help="delete everything kept about the console person",
        description="Delete the console person's reminder settings, stats, pending snoozes "
        "and anything else that names them (the console's /remind forget).")
    f.add_argument("--yes", action="store_true", help="do not ask first")
    f.set_defaults(func=cmd_forget)
