"""One module per slash command, plus the button handlers; ``register_all`` wires them.

``register_all`` returns the commands it registered, which the manifest test compares with
``deploy/slack-manifest.yaml`` so the two cannot drift apart.
"""

from __future__ import annotations

from slack_bolt.async_app import AsyncApp

from bot.adapters.slack.listeners import (
    actions,
    config,
    cooldown,
    redflags,
    remind,
    schedule,
    stretch,
    stretches,
    take_break,
    tip,
)
from bot.adapters.slack.services import Services
from bot.scheduling.commands import CommandNames

COMMAND_MODULES = (stretch, stretches, tip, take_break, redflags, remind, schedule, config)
# What core replies tell people to type here: Slack's own /remind shadows ours (/reminders).
COMMAND_NAMES = CommandNames(
    remind=remind.COMMAND, schedule=schedule.COMMAND, config=config.COMMAND
)


def register_all(app: AsyncApp, services: Services) -> tuple[str, ...]:
    cooldown.register(app, services)  # first: a refused request reaches no listener
    commands = tuple(module.register(app, services) for module in COMMAND_MODULES)
    actions.register(app, services)
    return commands
