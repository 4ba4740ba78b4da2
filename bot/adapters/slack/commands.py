"""Slack's slash commands and buttons, generated from the command table.

One listener per top-level command (``/reminders``, ``/schedule``...): it acks at once, reads
the text with the shared parser, looks up admin rights only for an admin command, and answers
through ``response_url`` with what ``bot.commands`` returns. One listener takes every button
whose action ``bot/core/actions.py`` knows. Nothing here is specific to one command.
"""

from __future__ import annotations

import logging
import re
import secrets
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.respond.async_respond import AsyncRespond

from bot.adapters.slack.respond import actor_for, answer, place_of
from bot.adapters.slack.services import Services
from bot.commands.buttons import button_call, button_for, unknown_button
from bot.commands.call import Call
from bot.commands.help import command_help
from bot.commands.parse import parse
from bot.commands.run import UsageError, apology, run, safely
from bot.commands.spec import Access, Command, Table
from bot.commands.table import TABLE
from bot.core import actions
from bot.core.guided.session import LiveMessage
from bot.core.messages import Message, MessageKind, error
from bot.core.ports import Platform

log = logging.getLogger(__name__)

ACTIONS = re.compile(f"^(?:{actions.pattern()})$")


def register(app: AsyncApp, services: Services, table: Table = TABLE) -> tuple[str, ...]:
    """Add a listener for every command Slack has, and the buttons; the commands' names."""
    names = []
    for command in table.on(Platform.SLACK):
        name = f"/{command.name_on(Platform.SLACK)}"
        app.command(name)(_listener(command, services, table))
        names.append(name)
    app.action(ACTIONS)(_button_listener(services))
    return tuple(names)


def _listener(command: Command, services: Services, table: Table) -> Any:
    name = f"/{command.name_on(Platform.SLACK)}"

    async def handle(ack: AsyncAck, body: dict[str, Any], respond: AsyncRespond) -> None:
        await ack()
        message = await safely(_answer_command(command, body, services, table), f"Slack {name}")
        await _answer(services, body, respond, message)

    return handle


async def _answer_command(
    command: Command, body: dict[str, Any], services: Services, table: Table
) -> Message:
    name = command.name_on(Platform.SLACK)
    try:
        parsed = parse(table, Platform.SLACK, name, str(body.get("text") or ""))
    except UsageError as exc:
        return error(str(exc))
    if parsed.help:
        return command_help(command, Platform.SLACK)
    actor = await actor_for(body, services, admin=parsed.path.access is Access.ADMIN)
    return await run(Call(parsed.path, actor, place_of(body), services.facades, parsed.args))


def _button_listener(services: Services) -> Any:
    async def click(ack: AsyncAck, body: dict[str, Any], respond: AsyncRespond) -> None:
        await ack()
        action = str(((body.get("actions") or [{}])[0]).get("action_id", ""))
        found = button_for(action)
        if found is None:
            await answer(respond, unknown_button())
            return
        spec, parsed = found
        actor = await actor_for(body, services, admin=False)
        call = button_call(spec, parsed, action, actor, place_of(body), services.facades)
        message = await safely(run(call), f"Slack button {spec.kind.name}")
        # An error goes privately to the person; it never replaces the message they clicked.
        replace = spec.replaces and message.kind is not MessageKind.ERROR
        await _answer(services, body, respond, message, replace_original=replace)

    return click


async def _answer(services: Services, body: dict[str, Any], respond: AsyncRespond,
                  message: Message, *, replace_original: bool = False) -> None:
    """Answer through ``response_url``; a guided run starts in the person's DM instead."""
    if isinstance(message, LiveMessage) and message.session and services.live is not None:
        try:
            await services.live.start(message, body, respond)
            return
        except Exception as exc:  # Slack refused the DM: say so, privately, with an id
            error_id = secrets.token_hex(4)
            log.error("Slack guided start failed (error id %s)", error_id, exc_info=exc)
            message = apology(error_id)
    await answer(respond, message, replace_original=replace_original)
