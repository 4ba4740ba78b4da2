"""Turn content into neutral :class:`Message` objects that every platform can show in full.

Sizes are kept within the strictest platform we serve (Discord embeds: title 256, field value
1024, description 4096, 6,000 in total). Long step lists are split over continuation sections
rather than cut, because a half-shown exercise is worse than a longer message; the loader
rejects a stretch whose card would exceed the total, so truncation here is only a last resort.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from bot.core import safety
from bot.core.content.models import Dose, Prompt, RedFlag, Sides, Stretch, Tip
from bot.core.messages import Button, ButtonStyle, Message, MessageKind, Section

TITLE_LIMIT = 256
BODY_LIMIT = 4096
FIELD_LIMIT = 1024
FIELD_NAME_LIMIT = 256
FOOTER_LIMIT = 2048
MAX_SECTIONS = 25
BUTTON_LABEL_LIMIT = 80
EMBED_TOTAL_LIMIT = 6000
# What the loader allows a stretch card to use, leaving room for adapters' own decoration.
EMBED_TOTAL_BUDGET = 5500
# Characters an adapter adds per rendered line ("12. " and a newline), counted in budgets.
LINE_OVERHEAD = 5
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


def truncate(text: str, limit: int) -> str:
    """Cut ``text`` to at most ``limit`` characters, marking the cut with an ellipsis."""
    if len(text) <= limit:
        return text
    return text[: max(0, limit - 1)].rstrip() + "…"


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


def plural(n: int, word: str, many: str | None = None) -> str:
    """``1 stretch``, ``2 stretches``: every count a person reads goes through here."""
    if n == 1:
        return f"{n} {word}"
    if many is None:
        many = f"{word}es" if word.endswith(("s", "sh", "ch", "x")) else f"{word}s"
    return f"{n} {many}"


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
        buttons.append(Button(f"show_stretch:{easier.id}", _label(f"Easier: {easier.name}")))
    if stretch.easier_note:
        easier_lines.append(stretch.easier_note)
    if easier_lines:
        sections += split_section("Easier option", easier_lines)
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
            buttons=tuple(Button(f"show_stretch:{s.id}", _label(s.name)) for s in candidates[:5]),
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
            buttons=tuple(Button(f"show_stretch:{s.id}", _label(s.name)) for s in shown[:5]),
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
    key = f"{area or '*'}:{where or '*'}"
    if page > 0:
        buttons.append(Button(f"page:{key}:{page - 1}", "◀ Previous"))
    if page < pages - 1:
        buttons.append(Button(f"page:{key}:{page + 1}", "Next ▶"))
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
        buttons.append(Button(f"show_stretch:{stretch.id}", "Show me how", ButtonStyle.PRIMARY))
        meta["stretch_id"] = stretch.id
    buttons += [Button("done", "Done", ButtonStyle.SUCCESS), Button("snooze:10", "Snooze 10 min")]
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


def split_section(
    heading: str | None, lines: Sequence[str], *, numbered: bool = False
) -> list[Section]:
    """One or more sections holding all of ``lines``, each within the field limit."""
    limit_line = FIELD_LIMIT - LINE_OVERHEAD
    chunks: list[list[str]] = [[]]
    used = 0
    for line in lines:
        line = truncate(line, limit_line)
        cost = len(line) + LINE_OVERHEAD
        if chunks[-1] and used + cost > FIELD_LIMIT:
            chunks.append([])
            used = 0
        chunks[-1].append(line)
        used += cost
    sections: list[Section] = []
    start = 1
    for n, chunk in enumerate(chunks):
        name = heading if n == 0 or heading is None else f"{heading} (continued)"
        name = truncate(name, FIELD_NAME_LIMIT) if name else name
        sections.append(Section(name, tuple(chunk), numbered=numbered, start=start))
        start += len(chunk)
    return sections


def message_size(message: Message) -> int:
    size = len(message.title) + len(message.body) + len(message.footer or "")
    for section in message.sections:
        size += len(section.heading or "") + section_size(section)
    return size


def section_size(section: Section) -> int:
    return sum(len(line) + LINE_OVERHEAD for line in section.lines)


def fit(message: Message) -> Message:
    """Enforce the per-field limits (and, as a last resort, the total) without raising."""
    sections: list[Section] = []
    for section in message.sections:
        if section_size(section) > FIELD_LIMIT or any(
            len(line) > FIELD_LIMIT - LINE_OVERHEAD for line in section.lines
        ):
            parts = split_section(section.heading, section.lines, numbered=section.numbered)
            sections += [
                Section(p.heading, p.lines, p.numbered, p.start + section.start - 1) for p in parts
            ]
        else:
            sections.append(section)
    fitted = replace(
        message,
        title=truncate(message.title, TITLE_LIMIT),
        body=truncate(message.body, BODY_LIMIT),
        sections=tuple(sections[:MAX_SECTIONS]),
        footer=truncate(message.footer, FOOTER_LIMIT) if message.footer else message.footer,
    )
    excess = message_size(fitted) - EMBED_TOTAL_LIMIT
    if excess > 0:
        fitted = replace(fitted, body=truncate(fitted.body, max(1, len(fitted.body) - excess)))
    return fitted


def _label(text: str) -> str:
    return truncate(text, BUTTON_LABEL_LIMIT)
