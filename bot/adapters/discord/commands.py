"""Discord's slash commands, generated from the command table.

Each runnable command becomes an ``app_commands.Command`` whose callback has one keyword
parameter per option, typed from the option's kind (discord.py reads the signature to build
the command's options), with its description, choices, range and autocomplete. Admin commands
sit in a group hidden from members by ``default_member_permissions`` (Manage Server) and usable
only in servers; the command table refuses members server-side all the same, because a server
can change who sees what. Every callback is the same: who, where, what -> ``bot.commands``.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from typing import Any, Optional

import discord
from discord import app_commands

from bot.adapters.discord.memo import ByIdentity
from bot.adapters.discord.respond import actor_of, answer, place_of, reply
from bot.adapters.discord.services import DiscordServices
from bot.commands.call import Call, Facades, with_defaults
from bot.commands.remembered import Remembered
from bot.commands.run import invoke
from bot.commands.spec import Access, Command, Kind, Option, Path, Table
from bot.commands.table import TABLE
from bot.core.lookup import Choice
from bot.core.messages import Message, MessageKind
from bot.core.pending import Slow
from bot.core.ports import Platform

AUTOCOMPLETE_LIMIT = 25
CHOICE_LIMIT = 100  # Discord's limit for a choice's name and value
MAX_CHOICES = 25

Interaction = discord.Interaction[Any]
Callback = Callable[..., Coroutine[Any, Any, None]]


def register(
    tree: app_commands.CommandTree[Any], services: DiscordServices, table: Table = TABLE
) -> None:
    """Add every command Discord has to ``tree``; ``services`` fixes choices known at start."""
    for command in table.on(Platform.DISCORD):
        tree.add_command(build(command, services.facades))


def build(command: Command, facades: Facades) -> app_commands.Command[Any, ..., Any] | (
        app_commands.Group):
    admin = command.access is Access.ADMIN
    if not command.subcommands:
        leaf = _command(Path(command, command), facades)
        if admin:
            leaf.default_permissions = discord.Permissions(manage_guild=True)
            leaf.guild_only = True
        return leaf
    group = app_commands.Group(
        name=command.name_on(Platform.DISCORD),
        description=command.description,
        guild_only=admin,
        allowed_contexts=app_commands.AppCommandContext(guild=True) if admin else None,
        default_permissions=discord.Permissions(manage_guild=True) if admin else None,
    )
    for sub in command.subcommands:
        if Platform.DISCORD in sub.platforms:
            group.add_command(_command(Path(command, sub), facades))
    return group


def _command(path: Path, facades: Facades) -> app_commands.Command[Any, ..., Any]:
    callback = _callback(path)
    options = path.leaf.options
    if options:
        callback = app_commands.describe(**{o.name: o.description for o in options})(callback)
    choices = {o.name: _choices(o, facades) for o in options if o.choices}
    if choices:
        callback = app_commands.choices(**choices)(callback)
    completers = {o.name: _completer(path, o) for o in options if o.autocomplete}
    if completers:
        callback = app_commands.autocomplete(**completers)(callback)
    name = path.leaf.name_on(Platform.DISCORD)
    return app_commands.Command(name=name, description=path.leaf.description, callback=callback)


def _callback(path: Path) -> Callback:
    # A pure command (/stretch) answers a repeat from memory: no actor, place or call to build
    # for the command people use most (bot/commands/remembered.py).
    remembered = Remembered() if path.leaf.pure else None

    async def callback(interaction: Interaction, **values: Any) -> None:
        if remembered is not None:
            hit = remembered.get(values)
            if hit is not None:
                await reply(interaction, hit)
                return
        services: DiscordServices = interaction.client.services  # type: ignore[attr-defined]
        actor = actor_of(interaction, personal=path.personal)
        args = with_defaults(path, {k: _value(v) for k, v in values.items() if v is not None})
        result = invoke(Call(path, actor, place_of(interaction), services.facades, args))
        if remembered is not None:
            remembered.keep(values, result)
        if path.leaf.opens_dm:
            result = _then_prepare_dm(result, interaction, services)
        if isinstance(result, Message):
            await reply(interaction, result)
        else:
            pending = result
            await answer(interaction, lambda: pending, public=path.public,
                         slow=isinstance(pending, Slow))

    parameters = [inspect.Parameter("interaction", inspect.Parameter.POSITIONAL_OR_KEYWORD,
                                    annotation=discord.Interaction)]
    for option in path.leaf.options:
        required = option.required
        annotation = _annotation(option)
        parameters.append(inspect.Parameter(
            option.name, inspect.Parameter.KEYWORD_ONLY,
            annotation=annotation if required else Optional[annotation],  # noqa: UP045
            default=inspect.Parameter.empty if required else None,
        ))
    callback.__signature__ = inspect.Signature(parameters)  # type: ignore[attr-defined]
    callback.__qualname__ = callback.__name__ = "_".join(path.words)
    return callback


def _annotation(option: Option) -> Any:
    if option.kind is Kind.INTEGER:
        if option.min_value is None and option.max_value is None:
            return int
        return app_commands.Range[int, option.min_value, option.max_value]
    if option.kind is Kind.BOOLEAN:
        return bool
    if option.kind is Kind.CHANNEL:
        return discord.TextChannel
    return str


def _value(value: Any) -> str | int | bool:
    if isinstance(value, str | int | bool):
        return value
    return str(value.id)  # a channel


def _choices(option: Option, facades: Facades) -> list[app_commands.Choice[str]]:
    found = option.choices(facades) if callable(option.choices) else option.choices
    if option.more is not None:
        found = (*found, *option.more(facades))
    return [app_commands.Choice(name=c.label[:CHOICE_LIMIT], value=c.value[:CHOICE_LIMIT])
            for c in found][:MAX_CHOICES]


def _completer(path: Path, option: Option) -> Any:
    complete = option.autocomplete
    assert complete is not None

    async def autocomplete(interaction: Interaction, current: str
                           ) -> list[app_commands.Choice[str]]:
        if path.access is Access.ADMIN and not actor_of(interaction).is_admin:
            return []  # members get no help with commands they cannot run
        services: DiscordServices = interaction.client.services  # type: ignore[attr-defined]
        return discord_choices(complete(services.facades, current))

    return autocomplete


# The core remembers the suggestions for what people type (a tuple per prefix, handed out
# again and again); what they become for discord.py is kept beside them, as the render cache
# keeps cards, so a keystroke seen before builds no Choice objects.
_CHOICES: ByIdentity[tuple[Choice, ...], list[app_commands.Choice[str]]] = ByIdentity(512)


def discord_choices(found: Sequence[Choice]) -> list[app_commands.Choice[str]]:
    """``found`` as discord.py's choices (cut to Discord's limits); shared for a remembered
    tuple, as discord.py only reads them."""
    if isinstance(found, tuple) and (hit := _CHOICES.get(found)) is not None:
        return hit
    choices = [app_commands.Choice(name=c.label[:CHOICE_LIMIT], value=c.value[:CHOICE_LIMIT])
               for c in found][:AUTOCOMPLETE_LIMIT]
    if isinstance(found, tuple):
        _CHOICES.put(found, choices)
    return choices


def _then_prepare_dm(
    result: Message | Awaitable[Message], interaction: Interaction, services: DiscordServices
) -> Awaitable[Message]:
    """After a good answer to a command that starts DMs (/remind on), open the person's DM
    channel in the background, so their first reminder costs no extra request."""

    async def prepared() -> Message:
        message = result if isinstance(result, Message) else await result
        if message.kind is not MessageKind.ERROR and services.prepare_dm is not None:
            # context 1 (BOT_DM): typed in the bot's own DM, so this channel is the one.
            in_bot_dm = bool(getattr(interaction.context, "dm_channel", False))
            services.prepare_dm(str(interaction.user.id),
                                interaction.channel_id if in_bot_dm else None)
        return message

    return prepared()
