"""What a schedule posts: a break nudge, a desk tip, or a routine (``routine:<id>``).

One module so /schedule add, the deployment YAML and the dashboard's form accept and refuse
exactly the same kinds, with the same words.
"""

from __future__ import annotations

from collections.abc import Collection

from bot.core.text import echo

BASE_KINDS = ("break", "tip")
ROUTINE_PREFIX = "routine:"
# What typed text may hold in a kind slot besides the base kinds (the facade checks the id).
ROUTINE_PATTERN = r"routine:[a-z0-9-]{1,64}"
ASK = "Say what to post: `break`, `tip` or `routine:<id>` (the ids are in /routines)."


def routine_of(kind: str) -> str | None:
    """The routine id of a ``routine:<id>`` kind, else None."""
    return kind[len(ROUTINE_PREFIX):] or None if kind.startswith(ROUTINE_PREFIX) else None


def kind_problem(kind: str, routines: Collection[str]) -> str | None:
    """Why ``kind`` cannot be posted, or None when it can; ``routines`` are the known ids."""
    if kind in BASE_KINDS:
        return None
    routine = routine_of(kind) if isinstance(kind, str) else None  # a form may send none
    if routine is None:
        return f"kind must be `break`, `tip` or `routine:<id>`, not {echo(kind)}"
    if routine not in routines:
        known = ", ".join(f"`{ROUTINE_PREFIX}{r}`" for r in sorted(routines)) or "none here"
        return f"No routine called {echo(routine)}. Routines: {known}."
    return None


def label(kind: str) -> str:
    """How a kind reads in a sentence: "break", "tip", "routine desk-reset"."""
    routine = routine_of(kind)
    return f"routine {routine}" if routine else kind
