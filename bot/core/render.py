"""Templates: content -> neutral :class:`Message` objects that every platform can show in full.

What a card, a list page, a tip or a nudge says and which buttons it carries is decided here;
sizes are kept within every platform's limits by ``bot/core/limits.py`` (:func:`fit`), and
button actions are built by ``bot/core/actions.py``.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.core import actions, safety
from bot.core.content.models import Dose, Prompt, RedFlag, Routine, Sides, Stretch, Tip
from bot.core.limits import (
    BUTTON_LABEL_LIMIT,
    fit,
    message_size,
    split_section,
)
from bot.core.messages import Button, ButtonStyle, Message, MessageKind, Section
from bot.core.text import plural, truncate

PAGE_SIZE = 10

# The general safety line, where no stretch's own cautions stand beside it (/about).
UNIVERSAL_CAUTION = (
    "Stop at once if you feel sharp pain, numbness or tingling; a gentle pull is all you want."
)
# The line a break suggestion carries (bot/core/safety.py picks it by the exercise's kind).
BREAK_CAUTION = safety.BREAK_CAUTION
DISCLAIMER = "General wellness information, not medical advice."
FOOTER = f"Warning signs and how soon to get help: /redflags. {DISCLAIMER}"
WHERE_LABELS = {"desk": "at your desk", "standing": "standing", "floor": "on the floor"}


def summary_line(stretch: Stretch) -> str:
    areas = ", ".join(a.value.replace("-", " ") for a in stretch.areas)
    where = " or ".join(WHERE_LABELS.get(w.value, w.value) for w in stretch.where)
    equipment = ", ".join(stretch.equipment) if stretch.equipment else "no equipment"
    return f"{areas.capitalize()} · {where} · {equipment}"


def dose_line(dose: Dose, sides: Sides) -> str:
    """``Hold 30 seconds each side × 2 sets`` and the like, from the structured dose."""
    parts: list[str] = []
    breaths = _breaths(dose)
    if dose.hold_seconds and breaths:
        parts.append(f"hold {plural(dose.hold_seconds, 'second')} (about {breaths})")
    elif dose.hold_seconds:
        parts.append(f"hold {plural(dose.hold_seconds, 'second')}")
    elif breaths:
        parts.append(f"hold for {breaths}")
    if dose.reps:
        parts.append(plural(dose.reps, dose.unit or "rep"))
    text = ", ".join(parts)
    each = [*(["each direction"] if dose.each_direction else []),
            *(["each side"] if sides is Sides.EACH else [])]
    if each:
        text += " " + ", ".join(each)
    if dose.sets and dose.sets > 1:
        text += f" × {dose.sets} sets"
    return text[:1].upper() + text[1:]


def _breaths(dose: Dose) -> str:
    """``6 slow breaths`` or ``6–8 slow breaths``; empty without a breath count."""
    if not dose.hold_breaths:
        return ""
    if dose.hold_breaths_max:
        return f"{dose.hold_breaths}–{dose.hold_breaths_max} slow breaths"
    return plural(dose.hold_breaths, "slow breath")


def stretch_card(stretch: Stretch, easier: Stretch | None = None) -> Message:
    """The full instructions for one stretch; ``easier`` is the stretch its ``easier`` names."""
    sections: list[Section] = [
        *split_section("Check first", safety.check_first(stretch)),
        *split_section("Steps", stretch.steps, numbered=True),
        Section("Dose", (dose_line(stretch.dose, stretch.sides),)),
        *split_section("Cautions", card_cautions(stretch)),
    ]
    easier_lines: list[str] = []
    buttons: list[Button] = []
    if easier is not None:
        easier_lines.append(f"{easier.name} (/stretch {easier.id})")
        buttons.append(
            Button(actions.SHOW_STRETCH.build(easier.id), _label(f"Easier: {easier.name}"))
        )
    if stretch.easier_note:
        easier_lines.append(stretch.easier_note)
    if easier_lines:
        sections += split_section("Easier option", easier_lines)
    # Start: the stretch step by step in this message, with a timer (bot/core/guided).
    buttons.append(Button(actions.GUIDED.build(stretch.id), "Start", ButtonStyle.PRIMARY))
    sections += split_section("Why", (stretch.why,))
    return fit(
        Message(
            kind=MessageKind.STRETCH,
            title=stretch.name,
            body=summary_line(stretch),
            sections=tuple(sections),
            footer=FOOTER,
            buttons=tuple(buttons),
            meta={"stretch_id": stretch.id},
        )
    )


def card_cautions(stretch: Stretch) -> tuple[str, ...]:
    """The stretch's own cautions, then the general line if it says something they do not."""
    general = safety.general_caution(stretch.cautions, stretch.kind)
    return (*stretch.cautions, general) if general else tuple(stretch.cautions)


def card_size(stretch: Stretch, easier: Stretch | None = None) -> int:
    """Characters the card takes in an embed, counted the way :func:`fit` budgets them."""
    return message_size(stretch_card(stretch, easier))


def which_stretch() -> Message:
    """The answer to ``/stretch`` with no name: say how to ask, suggest nothing."""
    return Message(
        kind=MessageKind.SUGGESTIONS,
        title="Which stretch?",
        body="Name one, for example /stretch pigeon, or browse them all with /stretches.",
        ephemeral=True,
    )


def suggestions(query: str, candidates: Sequence[Stretch]) -> Message:
    title = f"No stretch called “{truncate(query.strip(), 60)}”"
    if not candidates:
        return Message(
            kind=MessageKind.SUGGESTIONS,
            title=title,
            body="Try /stretches to browse them all.",
            ephemeral=True,
        )
    return fit(
        Message(
            kind=MessageKind.SUGGESTIONS,
            title=title,
            body="Did you mean one of these?",
            sections=(Section(None, tuple(f"{s.name} (/stretch {s.id})" for s in candidates)),),
            buttons=tuple(
                Button(actions.SHOW_STRETCH.build(s.id), _label(s.name)) for s in candidates[:5]
            ),
            ephemeral=True,
        )
    )


def area_stretches(
    key: str, label: str, stretches: Sequence[Stretch], note: str | None = None
) -> Message:
    """The answer to a body area typed as a stretch name (``/stretch lower back``): that
    area's stretches in the order given (best first), with buttons for the first few.

    A public answer like a card, not a private "no stretch called" miss: the person named
    something real. The footer keeps the red-flags pointer, since people often type an area
    because it hurts.
    """
    if not stretches:
        return suggestions(label, ())
    shown = stretches[:PAGE_SIZE]
    lines = tuple(f"{s.name}: {summary_line(s)} (/stretch {s.id})" for s in shown)
    more = f" All {len(stretches)}: /stretches {key}." if len(stretches) > len(shown) else ""
    body = f"Best first. Open one with /stretch NAME.{more}"
    return fit(
        Message(
            kind=MessageKind.STRETCH_LIST,
            title=f"Stretches for your {label}",
            body=f"{note}\n\n{body}" if note else body,
            sections=tuple(split_section(None, lines)),
            footer=FOOTER,
            buttons=tuple(
                Button(actions.SHOW_STRETCH.build(s.id), _label(s.name)) for s in shown[:5]
            ),
            meta={"area": key},
        )
    )


def stretch_list(
    stretches: Sequence[Stretch], area: str | None, where: str | None, page: int
) -> Message:
    """One page of the catalogue with previous/next buttons (``page:<area|*>:<where|*>:<n>``)."""
    pages = max(1, -(-len(stretches) // PAGE_SIZE))
    page = min(max(page, 0), pages - 1)
    chunk = stretches[page * PAGE_SIZE : (page + 1) * PAGE_SIZE]
    scope = " · ".join(
        p for p in (area.replace("-", " ") if area else "", WHERE_LABELS.get(where or "", "")) if p
    )
    title = f"Stretches{f' ({scope})' if scope else ''}"
    if not stretches:
        return Message(
            kind=MessageKind.STRETCH_LIST,
            title=title,
            body="No stretches match that. Try /stretches without filters.",
            ephemeral=True,
        )
    lines = tuple(f"{s.name}: {summary_line(s)} (/stretch {s.id})" for s in chunk)
    buttons: list[Button] = []
    if page > 0:
        buttons.append(Button(actions.page(area, where, page - 1), "◀ Previous"))
    if page < pages - 1:
        buttons.append(Button(actions.page(area, where, page + 1), "Next ▶"))
    return fit(
        Message(
            kind=MessageKind.STRETCH_LIST,
            title=title,
            body=f"Page {page + 1} of {pages} · {plural(len(stretches), 'stretch')}",
            sections=tuple(split_section(None, lines)),
            footer="Open one with /stretch NAME.",
            buttons=tuple(buttons),
            meta={"page": str(page), "pages": str(pages)},
        )
    )


def tip_message(tip: Tip, *, kind: MessageKind = MessageKind.TIP) -> Message:
    return fit(
        Message(
            kind=kind,
            title=f"Desk tip: {tip.topic}",
            body=tip.text,
            footer=DISCLAIMER,
            meta={"tip_id": tip.id},
        )
    )


def break_message(
    prompt: Prompt | None, stretch: Stretch | None, *, kind: MessageKind = MessageKind.BREAK
) -> Message:
    """A nudge to get up, one suggested stretch, and the done / snooze / show-me buttons."""
    body = prompt.text if prompt else "Time for a short break: move a little and rest your eyes."
    sections: tuple[Section, ...] = ()
    buttons: list[Button] = []
    meta: dict[str, str] = {}
    if prompt:
        meta["prompt_id"] = prompt.id
    if stretch is not None:
        sections = (
            Section(
                f"Try: {stretch.name}",
                (
                    summary_line(stretch),
                    dose_line(stretch.dose, stretch.sides),
                    safety.break_caution(stretch.kind),
                ),
            ),
        )
        buttons += [
            Button(actions.SHOW_STRETCH.build(stretch.id), "Show me how", ButtonStyle.PRIMARY),
            # Start: the stretch guided, with a timer (privately, for whoever clicks).
            Button(actions.GUIDED.build(stretch.id), "Start"),
        ]
        meta["stretch_id"] = stretch.id
    buttons += [
        Button(actions.DONE.build(), "Done", ButtonStyle.SUCCESS),
        Button(actions.SNOOZE.build(10), "Snooze 10 min"),
    ]
    return fit(
        Message(
            kind=kind,
            title="Time for a short break",
            body=body,
            sections=sections,
            footer=DISCLAIMER,
            buttons=tuple(buttons),
            meta=meta,
        )
    )


def redflags_message(intro: str, flags: Sequence[RedFlag], outro: str) -> Message:
    """Every sign under the heading of its urgency, the most urgent first."""
    body = intro or "Stop stretching and get checked by a health professional if you notice:"
    sections = [
        section
        for level, group in safety.by_level(flags)
        for section in split_section(safety.LEVEL_HEADINGS[level], [f.sign for f in group])
    ]
    return fit(
        Message(
            kind=MessageKind.REDFLAGS,
            title="When to stop and see a professional",
            body=body,
            sections=tuple(sections),
            footer=with_disclaimer(outro),
        )
    )


def with_disclaimer(text: str) -> str:
    """``text`` followed by the disclaimer, unless ``text`` already disclaims medical advice.

    The red-flags outro in content usually says "not medical advice" itself; saying it twice
    in one footer reads as boilerplate.
    """
    if "not medical advice" in text.casefold():
        return text
    return " ".join(p for p in (text, DISCLAIMER) if p)


def about_message(stretch_count: int, tip_count: int) -> Message:
    return Message(
        kind=MessageKind.ABOUT,
        title="About deskbreak",
        body=(
            "deskbreak reminds you to get up from your desk, suggests a short stretch and shares"
            " desk-ergonomics tips. Ask for any stretch with /stretch NAME (for example"
            " /stretch pigeon), browse them with /stretches, or get a tip with /tip."
        ),
        sections=(
            Section(
                "Safety",
                (
                    "Move gently and within a comfortable range; a stretch should never hurt.",
                    UNIVERSAL_CAUTION,
                    "If you have an injury, a medical condition or are pregnant, ask a health"
                    " professional which movements suit you.",
                    safety.REDFLAGS_POINTER,
                ),
            ),
            Section(
                "Library", (f"{plural(stretch_count, 'stretch')} and {plural(tip_count, 'tip')}.",)
            ),
        ),
        footer=f"{DISCLAIMER} deskbreak is open source.",
    )


def _label(text: str) -> str:
    return truncate(text, BUTTON_LABEL_LIMIT)


def routine_nudge(routine: Routine) -> Message:
    """A scheduled routine in a channel: what it is, and Start (each person's own run)."""
    where = " or ".join(WHERE_LABELS.get(w.value, w.value) for w in routine.where)
    return fit(
        Message(
            kind=MessageKind.NUDGE,
            title=f"Time for a routine: {routine.name}",
            body=routine.about,
            sections=(Section(None, (f"About {routine.minutes} min, {where}. Start runs it "
                                     "for you with a timer.",)),),
            footer=DISCLAIMER,
            buttons=(
                Button(actions.ROUTINE.build(routine.id), "Start", ButtonStyle.PRIMARY),
                Button(actions.DONE.build(), "Done", ButtonStyle.SUCCESS),
                Button(actions.SNOOZE.build(10), "Snooze 10 min"),
            ),
            meta={"routine_id": routine.id},
        )
    )
