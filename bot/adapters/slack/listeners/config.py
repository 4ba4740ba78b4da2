"""``/config timezone|quiet|skip``: workspace settings (admins only, checked in the core)."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.respond.async_respond import AsyncRespond

from bot.adapters.slack.listeners.common import actor_for, run
from bot.adapters.slack.parsing import Args, ParseError, split
from bot.adapters.slack.services import Services
from bot.core.messages import Message

COMMAND = "/config"
USAGE = (
    "Usage: `/config timezone Europe/Berlin`, `/config quiet 12:00 13:00` (or `quiet off`), "
    "`/config skip 2026-12-24` (add `remove` to undo)"
)


def _quiet(args: Args) -> tuple[str, str | None]:
    words = args.words[1:]
    if len(words) == 1 and words[0].lower() == "off":
        return "off", None
    if len(words) == 1 and "-" in words[0]:
        start, _, end = words[0].partition("-")
        return start, end
    if len(words) == 2:
        return words[0], words[1]
    raise ParseError(USAGE)


def register(app: AsyncApp, services: Services) -> str:
    async def handle(ack: AsyncAck, command: dict[str, Any], respond: AsyncRespond) -> None:
        await ack()

        async def produce() -> Message:
            scheduling = services.scheduling
            args = split(command.get("text") or "")
            sub = (args.word(0) or "").lower()
            if args.options:
                raise ParseError(USAGE)
            actor = await actor_for(command, services)
            if sub in ("timezone", "tz") and args.rest(1):
                return await scheduling.config_timezone(actor, args.rest(1) or "")
            if sub == "quiet":
                start, end = _quiet(args)
                return await scheduling.config_quiet(actor, start, end)
            if sub == "skip":
                words = [w for w in args.words[1:] if w.lower() != "remove"]
                remove = len(words) != len(args.words) - 1
                if words:
                    date_text = " ".join(words)
                    return await scheduling.config_skip(actor, date_text, remove=remove)
            raise ParseError(USAGE)

        await run(respond, produce, COMMAND)

    app.command(COMMAND)(handle)
    return COMMAND
