"""Read the ``/stretches`` filters (body area, place) however people type them.

Stretch names are looked up forgivingly, so the filters beside them must be too: ``hip`` and
``hips``, ``lower back``, ``Lower back`` and ``lower-back``, ``at your desk`` and ``desk`` all
mean the same, and area and place may come in either order or typed into one box
(``standing hips``). Everyday words name areas too (``back``, ``legs``, ``groin``: see
bot/core/areas.py). Every adapter passes what it has; this module decides what it means.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.core.areas import compact_key, group_of
from bot.core.content.models import Where
from bot.core.lookup import fold
from bot.core.render import WHERE_LABELS, truncate

# Common names for a place.
_WHERE_SYNONYMS = {
    "seated": Where.DESK, "sitting": Where.DESK, "chair": Where.DESK,
    "stand": Where.STANDING, "ground": Where.FLOOR, "mat": Where.FLOOR,
}  # fmt: skip
# Filters are a word or two each; past this many words the input is not a pair of filters,
# and trying every split of it would cost time for nothing.
MAX_WORDS = 8
# How much of an unrecognised filter is quoted back: enough to spot the typo, never a wall.
ECHO_LIMIT = 40

_WHERES: dict[str, str] = (
    {compact_key(w.value): w.value for w in Where}
    | {compact_key(label): value for value, label in WHERE_LABELS.items()}
    | {compact_key(text): where.value for text, where in _WHERE_SYNONYMS.items()}
)


@dataclass(frozen=True, slots=True)
class Filters:
    """What to list: an area group key (an ``Area`` value, or ``back``, ``legs`` ...: see
    bot/core/areas.py) and a ``Where`` value; None means any."""

    area: str | None = None
    where: str | None = None


@dataclass(frozen=True, slots=True)
class Unknown:
    """A filter that names no area or place; ``text`` is already cut for quoting back."""

    what: str  # "area" or "place"
    text: str


def is_any(text: str | None) -> bool:
    """No filter: nothing typed, ``*``, ``all`` or ``any``."""
    return text is None or text.strip() in ("", "*") or fold(text) in ("all", "any")


def area_of(text: str) -> str | None:
    """The area group key ``text`` names (``hip``, ``Lower back``, ``legs``), or None."""
    found = group_of(text)
    return found.key if found else None


def where_of(text: str) -> str | None:
    """The ``Where`` value ``text`` names (``at your desk``, ``floor``), or None."""
    return _WHERES.get(compact_key(text))


def read(area: str | None, where: str | None = None) -> Filters | Unknown:
    """Both filters from what was typed into the area and place slots, in either order.

    Either slot may hold both (``/stretches standing hips`` arrives as one text), and each
    may hold the other's kind (``area=desk``); only a part that names nothing is unknown.
    """
    if is_any(where):
        return Filters() if is_any(area) else _split(area or "") or _unknown("area", area)
    if is_any(area):
        return _split(where or "") or _unknown("place", where)
    a, w = area_of(area or ""), where_of(where or "")
    if a is not None and w is not None:
        return Filters(a, w)
    swapped_area, swapped_where = area_of(where or ""), where_of(area or "")
    if swapped_area is not None and swapped_where is not None:
        return Filters(swapped_area, swapped_where)
    return _unknown("area", area) if a is None else _unknown("place", where)


def _split(text: str) -> Filters | None:
    """An area and/or a place in one text, either first; None if it is not that."""
    words = text.split()
    if len(words) > MAX_WORDS:
        return None
    for cut in range(len(words) + 1):
        left, right = " ".join(words[:cut]), " ".join(words[cut:])
        for area_text, where_text in ((left, right), (right, left)):
            area = None if is_any(area_text) else area_of(area_text)
            where = None if is_any(where_text) else where_of(where_text)
            area_ok = area is not None or is_any(area_text)
            where_ok = where is not None or is_any(where_text)
            if area_ok and where_ok:
                return Filters(area, where)
    return None


def _unknown(what: str, text: str | None) -> Unknown:
    return Unknown(what, truncate(" ".join((text or "").split()), ECHO_LIMIT))
