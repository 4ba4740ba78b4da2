"""Finding a routine however people type it: id, name, alias, a few words, or a typo.

There are a handful of routines, so a direct scan is enough: exact id/name/alias first, then
every typed word in one routine's name, then one clear fuzzy winner (``dsk reset``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz

from bot.core.content.models import Routine
from bot.core.lookup import Choice, fold, normalize

RESOLVE_SCORE = 65  # one letter wrong in a short word ("eys") scores about 67
RESOLVE_MARGIN = 8


@dataclass(frozen=True, slots=True)
class Found:
    routine: Routine | None
    suggestions: tuple[Routine, ...] = ()


def _names(routine: Routine) -> tuple[str, ...]:
    return (routine.id.replace("-", " "), routine.name, *routine.aliases)


def find(routines: Sequence[Routine], query: str) -> Found:
    key = normalize(query)
    if not key:
        return Found(None, tuple(routines[:5]))
    for routine in routines:
        if any(normalize(n) == key for n in _names(routine)):
            return Found(routine)
    words = set(fold(query).split())
    holding = [r for r in routines if any(words <= set(fold(n).split()) for n in _names(r))]
    if len(holding) == 1:
        return Found(holding[0])
    scored = {i: _score(key, r) for i, r in enumerate(routines)}
    ranked = sorted(scored.items(), key=lambda item: -item[1])
    if ranked and ranked[0][1] >= RESOLVE_SCORE and (
            len(ranked) == 1 or ranked[0][1] - ranked[1][1] >= RESOLVE_MARGIN):
        return Found(routines[ranked[0][0]])
    suggested = holding or [routines[i] for i, score in ranked[:3] if score >= 50]
    return Found(None, tuple(suggested[:5]))


def _score(key: str, routine: Routine) -> float:
    """The best of: the whole text against each name, and each typed word against the
    closest word of the routine's names (short typos score poorly as whole strings)."""
    names = [normalize(n) for n in _names(routine)]
    whole = max(fuzz.WRatio(key, n) for n in names)
    words = {w for n in names for w in n.split()}
    per_word = [max(fuzz.ratio(typed, w) for w in words) for typed in key.split()]
    return max(whole, sum(per_word) / len(per_word)) if per_word else whole


def choices(routines: Sequence[Routine], text: str, limit: int = 25) -> list[Choice]:
    """Autocomplete: routines whose names start with or contain what is typed, then fuzzy."""
    typed = fold(text)
    if not typed:
        return [Choice(r.name, r.id) for r in routines[:limit]]
    starts = [r for r in routines if any(fold(n).startswith(typed) for n in _names(r))]
    inside = [r for r in routines if r not in starts and any(typed in fold(n) for n in _names(r))]
    found = find(routines, text)
    extra = [r for r in ((found.routine,) if found.routine else found.suggestions)
             if r not in starts and r not in inside]
    return [Choice(r.name, r.id) for r in (*starts, *inside, *extra)][:limit]
