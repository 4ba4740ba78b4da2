"""Platform size limits, and fitting a :class:`Message` within them.

Sizes are kept within the strictest platform we serve (Discord embeds: title 256, field value
1024, description 4096, 6,000 in total). Long step lists are split over continuation sections
rather than cut, because a half-shown exercise is worse than a longer message; the loader
rejects a stretch whose card would exceed the total, so truncation here is only a last resort.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from bot.core.messages import Message, Section
from bot.core.text import truncate

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
