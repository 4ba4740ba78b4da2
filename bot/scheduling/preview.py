"""``deskbreak schedule preview``: print a schedule's next fire times without running the bot.

Lets an operator check a cron line or friendly spec — especially around DST changes — before
putting it in a config file. Output is one ISO 8601 datetime with its UTC offset per line, in
the schedule's own zone, so it can be read by people and diffed by scripts.
"""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime
from typing import TextIO
from zoneinfo import ZoneInfo

from bot.core.text import echo
from bot.scheduling.errors import ScheduleError
from bot.scheduling.inputs import MAX_YEAR, MIN_YEAR, clean_text
from bot.scheduling.recurrence import NeverFires, build_recurrence, parse_timezone

EXIT_BAD_INPUT = 2
EXIT_NEVER_FIRES = 1
DEFAULT_COUNT = 10
MAX_COUNT = 1000


def register_cli(
    subparsers: argparse._SubParsersAction[argparse.ArgumentParser],
    common: argparse.ArgumentParser | None = None,
) -> None:
    """Add ``schedule preview`` to the ``deskbreak`` command line (a ``cli.REGISTRARS`` entry)."""
    parents = [common] if common is not None else []
    schedule = subparsers.add_parser(
        "schedule", help="inspect schedules", description="Inspect schedules."
    )
    actions = schedule.add_subparsers(dest="schedule_command", metavar="ACTION", required=True)
    preview = actions.add_parser(
        "preview",
        parents=parents,
        help="print the next fire times of a cron or every/start/end/days schedule",
        description="Print upcoming fire times, one ISO 8601 datetime with offset per line,"
        " in the schedule's zone. Bad input prints the error and exits 2; a schedule that"
        " never fires exits 1.",
    )
    add_preview_arguments(preview)
    preview.set_defaults(func=run_preview)


def add_preview_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--cron", help="5-field crontab expression, e.g. '0 9-17 * * 1-5'")
    parser.add_argument("--every", help="minutes between reminders, e.g. 60 or 1h")
    parser.add_argument("--start", help="first reminder of the day, e.g. 09:00")
    parser.add_argument("--end", help="last possible reminder of the day, e.g. 17:00")
    parser.add_argument("--days", help="days of the week, e.g. mon-fri, weekends, daily")
    parser.add_argument("--timezone", default="UTC", help="IANA zone name (default UTC)")
    parser.add_argument(
        "--after", help="ISO 8601 start instant (default now; no offset = schedule's zone)"
    )
    parser.add_argument(
        "--count", default=str(DEFAULT_COUNT), help=f"how many (1-{MAX_COUNT}, default 10)"
    )


def run_preview(
    args: argparse.Namespace, out: TextIO | None = None, err: TextIO | None = None
) -> int:
    """Print the fire times; on bad input print the ``ScheduleError`` and return 2."""
    out = out or sys.stdout
    err = err or sys.stderr
    try:
        lines = preview_lines(
            cron=args.cron,
            every=args.every,
            start=args.start,
            end=args.end,
            days=args.days,
            timezone=args.timezone,
            after=args.after,
            count=args.count,
            now=datetime.now(UTC),
        )
    except NeverFires as exc:  # e.g. "0 9 30 2 *": a mistake to flag, not a usage error
        print(f"error: {exc}", file=err)
        return EXIT_NEVER_FIRES
    except ScheduleError as exc:
        print(f"error: {exc}", file=err)
        return EXIT_BAD_INPUT
    for line in lines:
        print(line, file=out)
    if not lines:  # e.g. "0 9 30 2 *": a schedule that never fires is a mistake to flag
        print("this schedule never fires after the given time", file=err)
        return EXIT_NEVER_FIRES
    return 0


def preview_lines(
    *,
    cron: str | None,
    every: str | None,
    start: str | None,
    end: str | None,
    days: str | None,
    timezone: str,
    after: str | None,
    count: str | int,
    now: datetime,
) -> list[str]:
    """The preview as text lines; ``now`` is passed in so the result is testable."""
    tz = parse_timezone(timezone)
    recurrence = build_recurrence(cron=cron, every=every, start=start, end=end, days=days)
    begin = parse_instant(after, tz) if after is not None else now
    total = _count(count)
    return [moment.astimezone(tz).isoformat() for moment in recurrence.upcoming(begin, tz, total)]


def parse_instant(text: object, tz: ZoneInfo) -> datetime:
    """Parse an ISO 8601 datetime; one without an offset is read as wall time in ``tz``."""
    raw = clean_text(text, "--after", max_length=64)
    try:
        moment = datetime.fromisoformat(raw)
    except ValueError:
        raise ScheduleError(
            f"--after '{raw}' is not an ISO 8601 datetime like 2027-03-14T08:00:00-05:00"
        ) from None
    if not MIN_YEAR <= moment.year <= MAX_YEAR:
        raise ScheduleError(f"--after '{raw}' is outside the years {MIN_YEAR}-{MAX_YEAR}")
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=tz)
    return moment.astimezone(UTC)


def _count(value: str | int) -> int:
    text = str(value).strip()
    if not (text.isascii() and text.isdigit()) or len(text) > 6:
        raise ScheduleError(f"--count {echo(text)} is not a whole number")
    number = int(text)
    if not 1 <= number <= MAX_COUNT:
        raise ScheduleError(f"--count {number} is out of range 1-{MAX_COUNT}")
    return number
