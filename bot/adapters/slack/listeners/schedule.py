"""``/schedule add|list|preview|pause|resume|remove|test``: channel schedules (admins only).

Example: ``/schedule add #wellness break every=60 start=09:00 end=17:00 days=mon-fri
tz=Europe/Berlin`` or ``/schedule add #wellness tip cron="0 9-17 * * 1-5"``. The channel may be
left out to mean the channel the command was typed in. The admin check itself lives in
SchedulingCommands; this module only turns text into arguments.
"""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.respond.async_respond import AsyncRespond

from bot.adapters.slack.listeners.common import actor_for, run
from bot.adapters.slack.listeners.options import schedule_id, take
from bot.adapters.slack.parsing import Args, ParseError, channel_id, split
from bot.adapters.slack.services import Services
from bot.core.messages import Message

COMMAND = "/schedule"
KINDS = ("break", "tip")
ADD_OPTIONS = ("every", "start", "end", "days", "timezone", "cron")
USAGE = (
    "Usage: `/schedule add #channel break|tip every=60 start=09:00 end=17:00 days=mon-fri "
    'tz=Europe/Berlin` or `/schedule add #channel tip cron="0 9-17 * * 1-5"`; '
    "`/schedule list`; `/schedule preview|pause|resume|remove|test <id>`"
)
_BY_ID = ("preview", "pause", "resume", "remove", "test")


def _add_arguments(args: Args, here: str) -> tuple[str, str, dict[str, str]]:
    words = args.words[1:]
    channel = channel_id(words[0]) if words else None
    if channel is not None:
        words = words[1:]
    elif words and words[0].startswith("#"):
        raise ParseError(
            f"I couldn't read the channel `{words[0]}`. Pick it from Slack's #-autocomplete."
        )
    if len(words) != 1 or words[0].lower() not in KINDS:
        raise ParseError(f"Say what to post: `break` or `tip`. {USAGE}")
    return channel or here, words[0].lower(), take(args, ADD_OPTIONS)


def register(app: AsyncApp, services: Services) -> str:
    async def handle(ack: AsyncAck, command: dict[str, Any], respond: AsyncRespond) -> None:
        await ack()

        async def produce() -> Message:
            scheduling = services.scheduling
            args = split(command.get("text") or "")
            sub = (args.word(0) or "").lower()
            actor = await actor_for(command, services)
            if sub == "add":
                channel, kind, opts = _add_arguments(args, command.get("channel_id", ""))
                return await scheduling.schedule_add(actor, channel, kind, **opts)
            if args.options:
                raise ParseError(f"`/schedule {sub}` takes no options. {USAGE}")
            if sub == "list":
                return await scheduling.schedule_list(actor)
            if sub in _BY_ID:
                ident = schedule_id(args.word(1), f"`/schedule {sub} <id>`")
                method = getattr(scheduling, f"schedule_{sub}")
                return await method(actor, ident)
            raise ParseError(USAGE)

        await run(respond, produce, COMMAND)

    app.command(COMMAND)(handle)
    return COMMAND
