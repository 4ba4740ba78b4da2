"""Turn a slash command's free text into words and ``key=value`` options.

Slack sends everything after the command as one string. With "escape channels, users and
links" on (the manifest sets it), a channel arrives as ``<#C123|name>`` and a user as
``<@U123|name>``. Phones turn straight quotes into curly ones, which would break
``cron="0 9-17 * * 1-5"``, so they are straightened first.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass, field

_CHANNEL = re.compile(r"^<#([CGD][A-Z0-9]+)(?:\|[^>]*)?>$")
_BARE_CHANNEL = re.compile(r"^[CG][A-Z0-9]{6,}$")
_QUOTES = str.maketrans({"“": '"', "”": '"', "„": '"', "‘": "'", "’": "'"})


class ParseError(ValueError):
    """Input that cannot even be split into words; the message is shown to the user."""


@dataclass(slots=True)
class Args:
    words: list[str] = field(default_factory=list)
    options: dict[str, str] = field(default_factory=dict)

    def word(self, index: int) -> str | None:
        return self.words[index] if index < len(self.words) else None

    def rest(self, start: int) -> str | None:
        """The words from ``start`` on, joined back; None when there are none."""
        joined = " ".join(self.words[start:]).strip()
        return joined or None


def split(text: str) -> Args:
    """Split into positional words and ``key=value`` options (keys lower-cased)."""
    try:
        tokens = shlex.split(text.translate(_QUOTES))
    except ValueError as exc:
        raise ParseError(f"I couldn't read that: {exc} (check your quotes).") from exc
    args = Args()
    for token in tokens:
        key, sep, value = token.partition("=")
        if sep and key and re.fullmatch(r"[A-Za-z_]+", key):
            args.options[key.lower()] = value
        else:
            args.words.append(token)
    return args


def channel_id(token: str) -> str | None:
    """The channel id in ``<#C123|name>`` or a bare ``C123``; None if it is not a channel."""
    match = _CHANNEL.match(token)
    if match:
        return match.group(1)
    if _BARE_CHANNEL.match(token):
        return token
    return None
