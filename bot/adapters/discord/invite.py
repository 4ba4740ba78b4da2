"""The OAuth2 link a server admin opens to add the bot, with only the permissions it uses.

- View Channel: see the channels it is asked to post in (and check them before a schedule).
- Send Messages: post nudges and tips.
- Embed Links: every card is an embed; without it Discord strips them.
- Create Public Threads, Send Messages in Threads: a group break starts in a thread under its
  card (without them it starts in the channel instead).
Not requested: Read Message History (the bot never reads messages; slash-command replies and
button clicks need no history), Manage Messages, Mention Everyone, or any admin right.

Deliberately free of discord.py imports: ``deskbreak invite`` (bot/cli.py) should start
instantly.
"""

from __future__ import annotations

import base64
import binascii
from urllib.parse import urlencode

SCOPES = ("bot", "applications.commands")
VIEW_CHANNEL = 1 << 10
SEND_MESSAGES = 1 << 11
EMBED_LINKS = 1 << 14
CREATE_PUBLIC_THREADS = 1 << 35
SEND_MESSAGES_IN_THREADS = 1 << 38
PERMISSIONS = (VIEW_CHANNEL | SEND_MESSAGES | EMBED_LINKS | CREATE_PUBLIC_THREADS
               | SEND_MESSAGES_IN_THREADS)
WHY = (
    ("View Channel", "see the channels it posts nudges in"),
    ("Send Messages", "post nudges and tips"),
    ("Embed Links", "show stretch cards as embeds"),
    ("Create Public Threads", "start a group break in a thread under its card"),
    ("Send Messages in Threads", "guide the group break's routine in that thread"),
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
