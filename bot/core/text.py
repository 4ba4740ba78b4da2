"""Small text helpers every reply goes through: cutting to a limit and counting words."""

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
