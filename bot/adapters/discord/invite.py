"""The OAuth2 link a server admin opens to add the bot, with only the permissions it uses.

- View Channel: see the channels it is asked to post in (and check them before a schedule).
- Send Messages: post nudges and tips.
- Embed Links: every card is an embed; without it Discord strips them.
Not requested: Read Message History (the bot never reads messages; slash-command replies and
button clicks need no history), Manage Messages, Mention Everyone, or any admin right.

Deliberately free of discord.py imports: ``deskbreak invite`` should start instantly.
"""

from __future__ import annotations

import argparse
import base64
import binascii
from typing import Any
from urllib.parse import urlencode

SCOPES = ("bot", "applications.commands")
VIEW_CHANNEL = 1 << 10
SEND_MESSAGES = 1 << 11
EMBED_LINKS = 1 << 14
PERMISSIONS = VIEW_CHANNEL | SEND_MESSAGES | EMBED_LINKS
WHY = (
    ("View Channel", "see the channels it posts nudges in"),
    ("Send Messages", "post nudges and tips"),
    ("Embed Links", "show stretch cards as embeds"),
)


def invite_url(client_id: str) -> str:
    query = urlencode({"client_id": client_id, "scope": " ".join(SCOPES),
                       "permissions": str(PERMISSIONS)})
    return f"https://discord.com/oauth2/authorize?{query}"


def client_id_from_token(token: str) -> str:
    """A bot token's first segment is its application's id in base64, so no request is needed."""
    first = token.split(".", 1)[0]
    try:
        decoded = base64.b64decode(first + "=" * (-len(first) % 4), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError) as exc:
        raise ValueError("that does not look like a Discord bot token") from exc
    if not decoded.isdigit():
        raise ValueError("that does not look like a Discord bot token")
    return decoded


def cmd_invite(args: argparse.Namespace) -> int:
    from bot.cli import CliError, settings_from

    client_id = args.client_id
    if client_id is None:
        token = settings_from(args).discord.token
        if token is None:
            raise CliError(["Give --client-id, or set DISCORD_TOKEN / DISCORD_TOKEN_FILE."], 2)
        try:
            client_id = client_id_from_token(token.get_secret_value())
        except ValueError as exc:
            raise CliError([f"DISCORD_TOKEN: {exc}; pass --client-id instead."], 2) from exc
    if not client_id.isdigit():
        raise CliError(["--client-id must be the numeric application id."], 2)
    print(invite_url(client_id))
    print()
    print("Permissions asked for, and why:")
    for name, why in WHY:
        print(f"  {name}: {why}")
    return 0


def register_invite(sub: Any, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser(
        "invite",
        parents=[common],
        help="print the link that adds the bot to a Discord server",
        description="Print the OAuth2 link (scopes bot + applications.commands) with only the"
        " permissions deskbreak needs. The application id comes from --client-id or the token.",
    )
    p.add_argument("--client-id", help="the Discord application id (default: from the token)")
    p.set_defaults(func=cmd_invite)
