"""Small text helpers every reply goes through: cutting to a limit, counting words, and
quoting back what someone typed."""

from __future__ import annotations


def truncate(text: str, limit: int) -> str:
    """Cut ``text`` to at most ``limit`` characters, marking the cut with an ellipsis."""
    if len(text) <= limit:
        return text
    return text[: max(0, limit - 1)].rstrip() + "…"


def plural(n: int, word: str, many: str | None = None) -> str:
    """``1 stretch``, ``2 stretches``: every count a person reads goes through here."""
    if n == 1:
        return f"{n} {word}"
    if many is None:
        many = f"{word}es" if word.endswith(("s", "sh", "ch", "x")) else f"{word}s"
    return f"{n} {many}"


def echo(value: object, limit: int = 20) -> str:
    """What someone typed, quoted back in full when short, else described by its length.

    Cutting it to fit ("`12345678901234567890` is not a schedule id") shows a value they did
    not type, and makes them hunt for a difference that is not there.
    """
    text = str(value).strip()
    if len(text) <= limit:
        return f"`{text}`"
    return f"that {len(text)}-character value"


def echo_start(value: object, limit: int = 20) -> str:
    """:func:`echo` at the start of a sentence."""
    quoted = echo(value, limit)
    return quoted[0].upper() + quoted[1:]
