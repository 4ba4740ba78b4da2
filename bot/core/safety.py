"""Which safety words go where: the lines a card, a break and /redflags add to the content.

Content says what is particular to one exercise or one warning sign. What holds for a whole
kind of exercise, and how urgent each kind of warning sign is, is decided once here, so a
card cannot tell someone doing an eye exercise that "a gentle pull is all you want", and a
strengthening move cannot forget that new back pain calls for walking first.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from bot.core.content.models import Area, Kind, RedFlag, RedFlagLevel, Stretch

# Most urgent first: /redflags and everything else that lists warning signs keeps this order.
LEVEL_ORDER: tuple[RedFlagLevel, ...] = (
    RedFlagLevel.EMERGENCY,
    RedFlagLevel.WITHIN_DAYS,
    RedFlagLevel.ROUTINE,
)
LEVEL_HEADINGS: dict[RedFlagLevel, str] = {
    RedFlagLevel.EMERGENCY: (
        "Emergency now: call your local emergency number or go to an emergency department"
    ),
    RedFlagLevel.WITHIN_DAYS: "See a doctor within a day or two",
    RedFlagLevel.ROUTINE: "Book a routine visit with a GP or physiotherapist",
}
# The one-line pointer to /redflags, in the same order, for places that cannot list the signs.
REDFLAGS_POINTER = (
    "See /redflags for warning signs: emergencies first, then what needs a doctor within a day"
    " or two, then what a routine GP or physio visit can sort out."
)

# Nerve signs a card adds when the exercise's own cautions leave them out.
_NERVE_SIGNS = (
    ("numbness", ("numb", "pins and needles")),
    ("tingling", ("tingl", "pins and needles")),
)
# What "the right amount" feels like, by kind; eyes have their own cautions and get no line.
_RIGHT_AMOUNT: dict[Kind, str] = {
    Kind.STRETCH: "a gentle pull is all you want",
    Kind.MOBILITY: "keep the movement easy and smooth",
    Kind.STRENGTHEN: "working muscles may tire, but joints should not hurt",
}

# The seed's point: in the first days of new low back pain, strengthening beyond everyday
# activity is not advised; walking and gentle movement come first.
_NEW_BACK_PAIN = (
    "Back pain that started in the last few days: walk and keep gently active first, and save"
    " strengthening like this for when it has begun to settle."
)
_LOADS_THE_BACK = frozenset(
    {Area.LOWER_BACK, Area.CORE, Area.GLUTES, Area.HIPS, Area.HAMSTRINGS, Area.QUADS,
     Area.INNER_THIGHS}
)
_SUDDEN_SIGHT_CHANGE = (
    "New flashes of light, a shower of floaters, a shadow across your sight or any sudden"
    " change in vision: skip this and get your eyes checked urgently, the same day"
    " (see /redflags)."
)

# A break suggestion shows no cautions of its own, and its "Show me how" button cannot be
# pressed everywhere (the console), so it carries one short line of its own.
BREAK_CAUTION = "Go gently; stop if anything hurts sharply."
_EYES_BREAK_CAUTION = "Stop if your eyes hurt or your sight changes."


def general_caution(cautions: Sequence[str], kind: Kind) -> str | None:
    """The general line a card adds after the exercise's own cautions, or None.

    Repeating "stop on sharp pain" under a caution that already says so reads as filler, and
    filler gets skimmed: only numbness and tingling, when not already named, are added, with
    what the right effort feels like for this kind of exercise.
    """
    right_amount = _RIGHT_AMOUNT.get(kind)
    if right_amount is None:
        return None
    text = " ".join(cautions).casefold()
    missing = [sign for sign, words in _NERVE_SIGNS if not any(w in text for w in words)]
    if not missing:
        return None
    return f"Stop too if you feel {' or '.join(missing)}; {right_amount}."


def check_first(stretch: Stretch) -> tuple[str, ...]:
    """Who should skip this or ask first: the entry's own lines, then those of its kind."""
    extra: list[str] = []
    if stretch.kind is Kind.STRENGTHEN and _LOADS_THE_BACK.intersection(stretch.areas):
        extra.append(_NEW_BACK_PAIN)
    if stretch.kind is Kind.EYES:
        extra.append(_SUDDEN_SIGHT_CHANGE)
    return (*stretch.check_first, *extra)


def break_caution(kind: Kind) -> str:
    return _EYES_BREAK_CAUTION if kind is Kind.EYES else BREAK_CAUTION


def by_level(flags: Iterable[RedFlag]) -> list[tuple[RedFlagLevel, list[RedFlag]]]:
    """The signs grouped by urgency, most urgent first, content order kept inside a level;
    levels with no signs are left out."""
    grouped: dict[RedFlagLevel, list[RedFlag]] = {level: [] for level in LEVEL_ORDER}
    for flag in flags:
        grouped[flag.level].append(flag)
    return [(level, grouped[level]) for level in LEVEL_ORDER if grouped[level]]


def in_level_order(flags: Iterable[RedFlag]) -> tuple[RedFlag, ...]:
    return tuple(flag for _, group in by_level(flags) for flag in group)
