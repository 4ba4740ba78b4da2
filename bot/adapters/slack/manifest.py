"""The slash-command section of ``deploy/slack-manifest.yaml``, generated from the table.

Slack learns an app's commands only from its manifest, so the file must list exactly what
the app registers, as the table declares it. ``tests/adapters/slack/test_manifest.py``
compares the file with :func:`slash_commands`; after changing a command, print the section
with ``python -m bot.adapters.slack.manifest`` and paste it into the file.
"""

from __future__ import annotations

from typing import Any

import yaml

from bot.commands.help import slack_usage_hint
from bot.commands.spec import Access, Table
from bot.commands.table import TABLE
from bot.core.ports import Platform

# deskbreak serves every command, button and event on this one path (HTTP mode).
EXAMPLE_URL = "https://deskbreak.example.com/slack/events"


def slash_commands(table: Table = TABLE, url: str = EXAMPLE_URL) -> list[dict[str, Any]]:
    entries = []
    for command in table.on(Platform.SLACK):
        admin = command.access is Access.ADMIN
        entry: dict[str, Any] = {
            "command": f"/{command.name_on(Platform.SLACK)}",
            "url": url,
            "description": ("(Admins) " if admin else "") + command.description,
        }
        hint = slack_usage_hint(command)
        if hint:
            entry["usage_hint"] = hint
        # Escaping turns "#channel" into <#C123|channel>, the channel id deskbreak needs.
        entry["should_escape"] = True
        entries.append(entry)
    return entries


if __name__ == "__main__":
    print(yaml.safe_dump({"slash_commands": slash_commands()}, sort_keys=False, width=1000))
