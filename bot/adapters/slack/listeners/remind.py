"""``/reminders on|off|status|timezone|snooze|pause``: personal break reminders by DM.

Discord calls this ``/remind``; on Slack that name belongs to Slack's built-in reminders,
which takes precedence over an app's command, so the Slack command is ``/reminders``.
"""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.respond.async_respond import AsyncRespond

from bot.adapters.slack.listeners.common import person_for, run
from bot.adapters.slack.listeners.options import take
from bot.adapters.slack.parsing import ParseError, split
from bot.adapters.slack.services import Services
from bot.core.messages import Message

COMMAND = "/reminders"
USAGE = (
    "Usage: `/reminders on [every=60] [start=09:00] [end=17:00] [days=mon-fri]`, `/reminders off`, "
    "`/reminders status`, `/reminders timezone Europe/Berlin`, `/reminders snooze 30`, "
    "`/reminders pause 2026-12-01`"
)


def register(app: AsyncApp, services: Services) -> str:
    async def handle(ack: AsyncAck, command: dict[str, Any], respond: AsyncRespond) -> None:
        await ack()

        async def produce() -> Message:
            scheduling = services.scheduling
            args = split(command.get("text") or "")
            sub = (args.word(0) or "status").lower()
            actor = person_for(command)
            if sub == "on":
                opts = take(args, ("every", "start", "end", "days"))
                return await scheduling.remind_on(actor, **opts)
            if args.options:
                raise ParseError(f"`/reminders {sub}` takes no options. {USAGE}")
            if sub == "off":
                return await scheduling.remind_off(actor)
            if sub == "status":
                return await scheduling.remind_status(actor)
            value = args.rest(1)
            if sub in ("timezone", "tz") and value:
                return await scheduling.remind_timezone(actor, value)
            if sub == "snooze" and value:
                return await scheduling.remind_snooze(actor, value)
            if sub == "pause" and value:
                return await scheduling.remind_pause(actor, value)
            raise ParseError(USAGE)

        await run(respond, produce, COMMAND)

    app.command(COMMAND)(handle)
    return COMMAND
