"""Shared handling of ``key=value`` options for /schedule and /remind.

Unknown keys are an error rather than ignored, so a typo like ``evry=30`` is reported instead
of silently producing a schedule with the default interval.
"""

from __future__ import annotations

from bot.adapters.slack.parsing import Args, ParseError
from bot.adapters.slack.render import _cut

ALIASES = {"tz": "timezone", "from": "start", "until": "end", "to": "end"}
MAX_ID_DIGITS = 19  # ids are 64-bit database integers


def take(args: Args, allowed: tuple[str, ...]) -> dict[str, str]:
    out: dict[str, str] = {}
    for key, value in args.options.items():
        name = ALIASES.get(key, key)
        if name not in allowed:
            raise ParseError(
                f"I don't know the option `{key}=`. Use: {', '.join(f'{a}=' for a in allowed)}."
            )
        out[name] = value
    return out


def schedule_id(text: str | None, usage: str) -> int:
    if not text:
        raise ParseError(f"Which schedule? {usage} (ids are in `/schedule list`).")
    cleaned = text.lstrip("#")
    if not cleaned.isascii() or not cleaned.isdigit() or len(cleaned) > MAX_ID_DIGITS:
        shown = _cut(text, 20)
        raise ParseError(f"`{shown}` is not a schedule id; ids are numbers from `/schedule list`.")
    return int(cleaned)
