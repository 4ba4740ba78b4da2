"""Body areas as people name them: ``back``, ``legs``, ``bum``, ``groin``, ``low back``.

The schema has sixteen precise areas (``upper-back``, ``inner-thighs``); people type everyday
words, some of which cover several areas (``back`` is the upper and the lower back). Each word
leads to a *group*: a key (an area's own value, or a word such as ``back`` for several), the
label a reply shows, the areas it covers and, for a few symptom words, a short safety note.

``/stretches back`` lists the group; ``/stretch lower back`` answers with the group's
stretches best first (:func:`best_first`) instead of "no stretch called ...".
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from bot.core.content.models import Area, Kind, Stretch, Where
from bot.core.lookup import fold

# Words that never tell two areas or places apart: "at your desk" is "desk".
FILLER = frozenset({"at", "your", "my", "the", "on", "a", "an", "in", "by", "area"})
# Plurals a trailing "s" does not undo.
_WORD_FORMS = {"calves": "calf", "thighs": "thigh", "feet": "foot"}
# Words that wrap an area in a /stretch query without changing it: "tight hips stretch".
_QUERY_WORDS = frozenset({
    "stretch", "stretches", "stretching", "exercise", "exercises", "pose", "poses", "for",
    "tight", "stiff", "sore", "achy", "aching", "ache", "aches", "pain", "pains",
})  # fmt: skip


def compact_key(text: str) -> str:
    """``Lower-Backs`` -> ``lowerback``: the comparison form of an area or place."""
    out: list[str] = []
    for word in fold(text).split():
        if word in FILLER:
            continue
        word = _WORD_FORMS.get(word, word)
        if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
            word = word[:-1]
        out.append(word)
    return "".join(out)


@dataclass(frozen=True, slots=True)
class Group:
    """What an area word means: ``key`` goes in page buttons, ``label`` in replies."""

    key: str
    label: str
    areas: tuple[str, ...]
    note: str | None = None


_SCIATICA_NOTE = (
    "Sciatica is a name for pain that runs from the lower back or buttock down the leg; it is"
    " not something a bot can diagnose. Gentle movement often eases it, but stop any stretch"
    " that sends pain or tingling further down the leg. Pain past the knee, numbness or"
    " weakness: see /redflags for how soon to get it checked."
)


def _area(area: Area) -> Group:
    return Group(area.value, area.value.replace("-", " "), (area.value,))


_GROUPS: dict[str, Group] = {a.value: _area(a) for a in Area} | {
    "back": Group("back", "back", (Area.UPPER_BACK.value, Area.LOWER_BACK.value)),
    "legs": Group("legs", "legs", tuple(a.value for a in (
        Area.HAMSTRINGS, Area.QUADS, Area.INNER_THIGHS, Area.CALVES, Area.ANKLES))),
    "thighs": Group("thighs", "thighs", tuple(a.value for a in (
        Area.QUADS, Area.HAMSTRINGS, Area.INNER_THIGHS))),
    "arms": Group("arms", "arms", tuple(a.value for a in (
        Area.SHOULDERS, Area.FOREARMS, Area.WRISTS))),
    "hands": Group("hands", "hands and wrists", (Area.WRISTS.value, Area.FOREARMS.value)),
    "sciatica": Group("sciatica", "buttocks and lower back",
                      (Area.GLUTES.value, Area.LOWER_BACK.value), _SCIATICA_NOTE),
}
# Everyday words for each group, beyond the area's own name ("upper back", "upper-back").
_WORDS: dict[str, tuple[str, ...]] = {
    "back": ("back", "spine", "whole back"),
    "legs": ("leg", "legs"),
    "thighs": ("thigh", "thighs"),
    "arms": ("arm", "arms"),
    "hands": ("hand", "hands", "finger", "fingers"),
    "sciatica": ("sciatica", "sciatic", "sciatic nerve"),
    Area.NECK.value: ("neck", "tech neck", "text neck"),
    Area.SHOULDERS.value: ("shoulder", "shoulders"),
    Area.CHEST.value: ("chest",),  # "pec stretch" names the doorway stretch, not the area
    Area.UPPER_BACK.value: ("upper back", "mid back", "middle back", "thoracic"),
    Area.LOWER_BACK.value: ("lower back", "low back", "lumbar", "lumbago"),
    Area.CORE.value: ("core", "abs", "stomach", "tummy", "belly", "trunk"),
    Area.HIPS.value: ("hip", "hips"),
    Area.GLUTES.value: ("glute", "glutes", "gluteal", "bum", "butt", "buttock", "buttocks",
                        "bottom", "piriformis"),
    Area.HAMSTRINGS.value: ("hamstring", "hamstrings", "hammies", "back of the thigh"),
    Area.QUADS.value: ("quad", "quads", "quadricep", "quadriceps", "front of the thigh"),
    Area.INNER_THIGHS.value: ("inner thigh", "inner thighs", "groin", "adductor", "adductors"),
    Area.CALVES.value: ("calf", "calves"),
    Area.ANKLES.value: ("ankle", "ankles", "foot", "feet"),
    Area.WRISTS.value: ("wrist", "wrists"),
    Area.FOREARMS.value: ("forearm", "forearms"),
    Area.EYES.value: ("eye", "eyes"),
}
_BY_WORD: dict[str, Group] = {
    compact_key(text): _GROUPS[key]
    for key, words in _WORDS.items()
    for text in (key, key.replace("-", " "), *words)
}


def group_of(text: str) -> Group | None:
    """The group ``text`` names as a filter (``Lower back``, ``legs``), or None."""
    key = compact_key(text)
    return _BY_WORD.get(key) if key else None


def areas_in(key: str | None) -> frozenset[str] | None:
    """The areas a group key covers; None for no filter (or a key that names nothing)."""
    group = _GROUPS.get(key) if key else None
    return frozenset(group.areas) if group else None


def topic_of(query: str) -> Group | None:
    """The group a /stretch query names once the words around it go: ``low back stretch``,
    ``tight hips``, ``glute stretches``. None when anything else is left."""
    words = [w for w in fold(query).split() if w not in _QUERY_WORDS]
    return group_of(" ".join(words)) if words else None


def group(key: str) -> Group | None:
    return _GROUPS.get(key)


# Someone who types a body area into /stretch wants to stretch it: stretches first, then
# moving it, then strengthening; among equals, one aimed at that area before one that only
# reaches it, and one done at the desk before one needing space or the floor.
_KIND_ORDER = {Kind.STRETCH: 0, Kind.EYES: 0, Kind.MOBILITY: 1, Kind.STRENGTHEN: 2}
_WHERE_ORDER = {Where.DESK: 0, Where.STANDING: 1, Where.FLOOR: 2}


def best_first(stretches: Iterable[Stretch], areas: Sequence[str]) -> list[Stretch]:
    """The stretches working any of ``areas``, best first for someone asking about them."""
    wanted = set(areas)

    def rank(stretch: Stretch) -> tuple[int, int, int, str]:
        position = min(i for i, a in enumerate(stretch.areas) if a in wanted)
        where = min(_WHERE_ORDER[w] for w in stretch.where)
        return (_KIND_ORDER[stretch.kind], position, where, fold(stretch.name))

    return sorted((s for s in stretches if wanted.intersection(s.areas)), key=rank)
