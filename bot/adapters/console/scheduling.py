"""Console commands for scheduling: ``/schedule``, ``/config``, ``/remind``, ``/done``.

Arguments are shell-like words plus ``key=value`` options, so a cron line is quoted once:
``/schedule add break cron="0 9-17 * * 1-5" tz=Europe/London``. Parsing only; every decision
is SchedulingCommands'.
"""

from __future__ import annotations

import shlex
from collections.abc import Awaitable

from bot.adapters.console.table import CommandTable, ConsoleContext
from bot.core.messages import Message, error
from bot.scheduling.commands import SchedulingCommands

SCHEDULE_USAGE = (
    '/schedule add <break|tip> [cron="..." | every=N start=HH:MM end=HH:MM days=mon-fri] '
    "[tz=Zone] [channel=id] | list | preview|pause|resume|remove|test <id>"
)
CONFIG_USAGE = (
    "/config timezone <Zone> | quiet <HH:MM> <HH:MM> | quiet off | skip <YYYY-MM-DD> [remove]"
)
REMIND_USAGE = (
    "/remind on [every=N start=HH:MM end=HH:MM days=mon-fri] | off | status | timezone <Zone> "
    "| snooze <minutes> | pause <YYYY-MM-DD|HH:MM>"
)
_ADD_KEYS = {"cron", "every", "start", "end", "days", "tz", "timezone", "channel"}
_REMIND_KEYS = {"every", "start", "end", "days"}


class _Usage(ValueError):
    pass


def _split(args: str, allowed: set[str]) -> tuple[list[str], dict[str, str]]:
    try:
        tokens = shlex.split(args)
    except ValueError as exc:
        raise _Usage(f"I couldn't read that: {exc}") from None
    words: list[str] = []
    options: dict[str, str] = {}
    for token in tokens:
        key, sep, value = token.partition("=")
        if sep:
            if key.lower() not in allowed:
                raise _Usage(f"unknown option `{key}`")
            options[key.lower()] = value
        else:
            words.append(token)
    return words, options


def register(table: CommandTable, scheduling: SchedulingCommands) -> None:
    """Add the scheduling commands to the console's command table."""

    async def schedule(ctx: ConsoleContext, args: str) -> Message:
        try:
            words, opts = _split(args, _ADD_KEYS)
            sub = words[0].lower() if words else ""
            actor = ctx.actor
            if sub == "add" and len(words) == 2:
                tz = opts.pop("tz", None) or opts.pop("timezone", None)
                channel = opts.pop("channel", ctx.target.id)
                return await scheduling.schedule_add(
                    actor, channel, words[1].lower(), timezone=tz, **opts
                )
            if opts:
                raise _Usage(f"/schedule {sub} takes no options")
            if sub == "list" and len(words) == 1:
                return await scheduling.schedule_list(actor)
            if sub in {"preview", "pause", "resume", "remove", "test"} and len(words) == 2:
                call: Awaitable[Message] = getattr(scheduling, f"schedule_{sub}")(actor, words[1])
                return await call
        except _Usage as exc:
            return error(f"{exc}. Usage: {SCHEDULE_USAGE}")
        return error(f"Usage: {SCHEDULE_USAGE}")

    async def config(ctx: ConsoleContext, args: str) -> Message:
        try:
            words, _ = _split(args, set())
        except _Usage as exc:
            return error(f"{exc}. Usage: {CONFIG_USAGE}")
        sub = words[0].lower() if words else ""
        if sub == "timezone" and len(words) == 2:
            return await scheduling.config_timezone(ctx.actor, words[1])
        if sub == "quiet" and len(words) == 2 and words[1].lower() == "off":
            return await scheduling.config_quiet(ctx.actor, "off")
        if sub == "quiet" and len(words) == 3:
            return await scheduling.config_quiet(ctx.actor, words[1], words[2])
        if sub == "skip" and len(words) in (2, 3):
            remove = len(words) == 3 and words[2].lower() == "remove"
            if len(words) == 3 and not remove:
                return error(f"Usage: {CONFIG_USAGE}")
            return await scheduling.config_skip(ctx.actor, words[1], remove=remove)
        return error(f"Usage: {CONFIG_USAGE}")

    async def remind(ctx: ConsoleContext, args: str) -> Message:
        try:
            words, opts = _split(args, _REMIND_KEYS)
        except _Usage as exc:
            return error(f"{exc}. Usage: {REMIND_USAGE}")
        sub = words[0].lower() if words else ""
        actor = ctx.actor
        if sub == "on" and len(words) == 1:
            return await scheduling.remind_on(actor, **opts)
        if opts:
            return error(f"/remind {sub} takes no options. Usage: {REMIND_USAGE}")
        if sub == "off" and len(words) == 1:
            return await scheduling.remind_off(actor)
        if sub == "status" and len(words) == 1:
            return await scheduling.remind_status(actor)
        if sub == "timezone" and len(words) == 2:
            return await scheduling.remind_timezone(actor, words[1])
        if sub == "snooze" and len(words) == 2:
            return await scheduling.remind_snooze(actor, words[1])
        if sub == "pause" and len(words) == 2:
            return await scheduling.remind_pause(actor, words[1])
        return error(f"Usage: {REMIND_USAGE}")

    async def done(ctx: ConsoleContext, args: str) -> Message:
        return await scheduling.button(ctx.actor, "done")

    async def snooze(ctx: ConsoleContext, args: str) -> Message:
        # The console's "Snooze" button, as a nudge shows it: /snooze 10.
        minutes = args.strip() or "10"
        if not minutes.isdecimal() or len(minutes) > 4:
            return error("Usage: /snooze [minutes], for example /snooze 10")
        return await scheduling.button(ctx.actor, f"snooze:{int(minutes)}")

    table.register("schedule", SCHEDULE_USAGE, "post breaks or tips on a schedule", schedule)
    table.register("config", CONFIG_USAGE, "workspace time zone, quiet hours, skip dates", config)
    table.register("remind", REMIND_USAGE, "your own break reminders", remind)
    table.register("done", "/done", "log that you took a break", done)
    table.register("snooze", "/snooze [minutes]", "snooze break nudges (default 10)", snooze)
