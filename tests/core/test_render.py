"""Rendering: the stretch card's parts, safety lines, and platform size limits."""

from __future__ import annotations

import pytest

from bot.core import limits, render, safety, text
from bot.core.content.library import Library
from bot.core.content.models import Dose, Kind, RedFlag, RedFlagLevel, Sides
from bot.core.messages import MessageKind, Section
from tests.core.contentkit import make_stretch


def headings(message) -> list[str | None]:
    return [s.heading for s in message.sections]


def test_card_has_every_part(library: Library) -> None:
    """Title, summary, who should check first, numbered steps, dose, cautions, easier, why
    and the footer; "Check first" comes before the steps, where it is read in time."""
    stretch = library.stretch("pigeon-pose")
    card = render.stretch_card(stretch, library.stretch("thread-the-needle"))
    assert card.kind is MessageKind.STRETCH and card.title == "Pigeon pose"
    assert card.body == "Hips, glutes · on the floor · mat (optional)"
    assert headings(card) == ["Check first", "Steps", "Dose", "Cautions", "Easier option", "Why"]
    assert card.sections[0].lines == tuple(stretch.check_first)
    assert card.sections[1].numbered and card.sections[1].lines == tuple(stretch.steps)
    assert card.sections[2].lines == ("Hold 30 seconds each side",)
    assert card.sections[4].lines[0] == "Thread the needle (/stretch thread-the-needle)"
    assert "/redflags" in card.footer and "not medical advice" in card.footer
    assert card.buttons[0].action == "show_stretch:thread-the-needle"
    assert card.buttons[-1].action == "guided:pigeon-pose" and card.buttons[-1].label == "Start"


def card_cautions(card) -> tuple[str, ...]:
    (cautions,) = [s for s in card.sections if s.heading == "Cautions"]
    return cautions.lines


def test_card_says_stop_on_sharp_pain_once(library: Library) -> None:
    """A card's cautions say "sharp" only as often as the stretch's own cautions do."""
    for stretch in library.stretches:
        lines = card_cautions(render.stretch_card(stretch))
        assert lines[: len(stretch.cautions)] == tuple(stretch.cautions)
        sharp = [line for line in lines if "sharp" in line.lower()]
        assert len(sharp) == sum("sharp" in c.lower() for c in stretch.cautions), lines


def test_card_adds_nerve_signs_only_when_its_cautions_lack_them(library: Library) -> None:
    """The general line names numbness and tingling after the own cautions, unless they do."""
    plain = card_cautions(render.stretch_card(library.stretch("seated-figure-four")))
    assert plain[-1] == "Stop too if you feel numbness or tingling; a gentle pull is all you want."
    covered = library.stretch("neck-side-bend")  # "Stop on sharp pain, numbness or tingling."
    assert card_cautions(render.stretch_card(covered)) == tuple(covered.cautions)
    half = make_stretch("s", "S", cautions=["Stop on sharp pain or tingling in the hand."])
    assert card_cautions(render.stretch_card(half))[-1].startswith("Stop too if you feel numbness;")


@pytest.mark.parametrize(
    ("kind", "ending"),
    [
        (Kind.STRETCH, "a gentle pull is all you want."),
        (Kind.MOBILITY, "keep the movement easy and smooth."),
        (Kind.STRENGTHEN, "working muscles may tire, but joints should not hurt."),
    ],
)
def test_general_caution_fits_the_kind_of_exercise(kind: Kind, ending: str) -> None:
    """The line a card adds names the nerve signs and what the right effort feels like for
    that kind: no "gentle pull" on a strengthening move."""
    areas = ["eyes"] if kind is Kind.EYES else ["neck"]
    card = render.stretch_card(make_stretch("s", "S", kind=kind.value, areas=areas))
    assert card_cautions(card)[-1] == f"Stop too if you feel numbness or tingling; {ending}"


def test_eye_exercises_get_no_muscle_caution() -> None:
    """An eye exercise keeps its own cautions only: no numbness, tingling or pull."""
    eyes = make_stretch("look-away", "Look away", kind="eyes", areas=["eyes"],
                        cautions=["Stop on sharp eye pain."])
    lines = card_cautions(render.stretch_card(eyes))
    assert lines == ("Stop on sharp eye pain.",)
    assert not any(w in " ".join(lines).lower() for w in ("numb", "tingl", "pull"))


def check_first(card) -> tuple[str, ...]:
    (section,) = [s for s in card.sections if s.heading == "Check first"]
    return section.lines


def test_strengthening_for_the_trunk_and_legs_says_new_back_pain_comes_first() -> None:
    """A strengthening move for the back, hips or legs adds the line that new back pain calls
    for walking and gentle movement first; stretches and upper-body moves do not."""
    bridge = make_stretch("bridge", "Bridge", kind="strengthen", areas=["glutes", "core"])
    lines = check_first(render.stretch_card(bridge))
    assert lines[0] == "A neck injury: ask a physio first." and len(lines) == 2
    assert lines[1].startswith("Back pain that started in the last few days: walk")
    squeeze = make_stretch("squeeze", "Squeeze", kind="strengthen", areas=["upper-back"])
    stretch = make_stretch("hips", "Hips", kind="stretch", areas=["hips"])
    for other in (squeeze, stretch):
        assert check_first(render.stretch_card(other)) == tuple(other.check_first)


def test_eye_exercises_say_a_sudden_change_in_sight_is_urgent() -> None:
    """Every eye exercise's "Check first" ends with flashes, floaters or a sudden change in
    vision: a same-day check, pointing at /redflags."""
    eyes = make_stretch("palming", "Palming", kind="eyes", areas=["eyes"])
    last = check_first(render.stretch_card(eyes))[-1]
    assert "flashes of light" in last and "same day" in last and "/redflags" in last


def test_break_suggestion_carries_a_caution(library: Library) -> None:
    """/break and nudges name a stretch and one short caution, as "Show me how" may not work."""
    message = render.break_message(library.prompts[0], library.stretch("shoulder-rolls"))
    (suggestion,) = message.sections
    assert suggestion.heading == "Try: Shoulder rolls"
    assert suggestion.lines[-1] == render.BREAK_CAUTION
    assert "sharp" in render.BREAK_CAUTION and len(render.BREAK_CAUTION) <= 60
    eyes = make_stretch("palming", "Palming", kind="eyes", areas=["eyes"])
    (eye_break,) = render.break_message(None, eyes).sections
    assert eye_break.lines[-1] == "Stop if your eyes hurt or your sight changes."


def test_counts_read_as_english() -> None:
    """Counts are "1 stretch", "2 stretches", never "1 stretches"."""
    assert text.plural(1, "stretch") == "1 stretch"
    assert text.plural(2, "stretch") == "2 stretches"
    assert text.plural(0, "tip") == "0 tips"
    assert text.plural(3, "red flag") == "3 red flags"
    one = render.stretch_list([make_stretch("s", "S")], None, None, 0)
    assert one.body.endswith("· 1 stretch")
    about = render.about_message(1, 1).plain_text()
    assert "1 stretch and 1 tip." in about


def _flag(flag_id: str, level: str) -> RedFlag:
    return RedFlag(id=flag_id, level=RedFlagLevel(level), sign=f"Sign {flag_id}.")


def test_redflags_are_grouped_most_urgent_first() -> None:
    """/redflags puts each sign under its level's heading, emergency first, then within a
    day or two, then routine, whatever order the signs come in; empty levels are left out."""
    flags = [_flag("a", "routine"), _flag("b", "emergency"), _flag("c", "within-days"),
             _flag("d", "emergency")]
    message = render.redflags_message("Intro.", flags, "Outro.")
    assert headings(message) == [safety.LEVEL_HEADINGS[level] for level in safety.LEVEL_ORDER]
    assert [s.lines for s in message.sections] == [
        ("Sign b.", "Sign d."), ("Sign c.",), ("Sign a.",)]
    assert headings(message)[0].startswith("Emergency now")
    routine_only = render.redflags_message("", [_flag("a", "routine")], "")
    assert headings(routine_only) == [safety.LEVEL_HEADINGS[RedFlagLevel.ROUTINE]]


def test_about_points_to_the_levels_in_order() -> None:
    """/about names the red-flag levels in the order /redflags shows them."""
    text = render.about_message(1, 1).plain_text()
    emergency, days, routine = (text.index(w) for w in ("emergenc", "a day or two", "routine"))
    assert emergency < days < routine


def test_redflags_footer_disclaims_once() -> None:
    """An outro that already says "not medical advice" gets no second disclaimer."""
    flags = render.redflags_message("", [], "Ideas only, not medical advice. Call for help.")
    assert flags.footer == "Ideas only, not medical advice. Call for help."
    bare = render.redflags_message("", [], "Call for help.")
    assert bare.footer == f"Call for help. {render.DISCLAIMER}"


def test_dose_lines() -> None:
    """Dose reads naturally for holds, breaths, reps, sets and sides."""
    assert render.dose_line(Dose(reps=10, sets=2), Sides.NONE) == "10 reps × 2 sets"
    assert render.dose_line(Dose(hold_breaths=5), Sides.EACH) == "Hold for 5 slow breaths each side"
    assert render.dose_line(Dose(hold_seconds=1, hold_breaths=1), Sides.NONE) == (
        "Hold 1 second (about 1 slow breath)"
    )


def test_dose_lines_say_what_a_rep_is_and_which_way() -> None:
    """Ranges of breaths, named reps ("steps"), and each direction read as people count them."""
    assert render.dose_line(Dose(hold_breaths=6, hold_breaths_max=8), Sides.EACH) == (
        "Hold for 6–8 slow breaths each side"
    )
    assert render.dose_line(Dose(reps=10, unit="step", each_direction=True), Sides.NONE) == (
        "10 steps each direction"
    )
    assert render.dose_line(Dose(reps=8, unit="circle", each_direction=True), Sides.EACH) == (
        "8 circles each direction, each side"
    )
    assert render.dose_line(Dose(reps=8, sets=2), Sides.EACH) == "8 reps each side × 2 sets"
    assert render.dose_line(Dose(reps=1, unit="lap"), Sides.NONE) == "1 lap"


def test_long_steps_split_without_losing_any() -> None:
    """Steps over the field limit continue in another section, numbering carrying on."""
    steps = [f"{'x' * 590} {i}" for i in range(12)]
    card = render.stretch_card(make_stretch("long", "L" * 100, steps=steps))
    step_sections = [s for s in card.sections if s.heading and s.heading.startswith("Steps")]
    assert len(step_sections) > 1
    assert [line for s in step_sections for line in s.lines] == steps
    assert [s.start for s in step_sections][1] == 1 + len(step_sections[0].lines)
    assert len(card.title) <= limits.TITLE_LIMIT
    for section in card.sections:
        assert limits.section_size(section) <= limits.FIELD_LIMIT
    assert "Stop on sharp pain." in card.plain_text()


def test_fit_truncates_oversized_fields() -> None:
    """Titles, bodies and single huge lines are cut to the limits, marked with an ellipsis."""
    message = limits.fit(
        render.Message(kind=MessageKind.INFO, title="t" * 999, body="b" * 9000,
                       sections=(Section("h" * 999, ("l" * 5000,)),))
    )
    assert len(message.title) == limits.TITLE_LIMIT and message.title.endswith("…")
    assert len(message.body) <= limits.BODY_LIMIT
    assert all(limits.section_size(s) <= limits.FIELD_LIMIT for s in message.sections)
    assert all(len(s.heading or "") <= limits.FIELD_NAME_LIMIT for s in message.sections)
    assert limits.message_size(message) <= limits.EMBED_TOTAL_LIMIT


def test_plain_text_numbers_continuations() -> None:
    """A continued numbered section keeps counting, with no gap, in plain text."""
    message = render.Message(kind=MessageKind.INFO, title="t",
                             sections=(Section("S", ("a",), True), Section(None, ("b",), True, 2)))
    assert "  1. a\n  2. b" in message.plain_text()


def test_stretch_list_pages_and_buttons() -> None:
    """Lists page by ten with page:<area|*>:<where|*>:<n> buttons."""
    stretches = [make_stretch(f"s-{i:02}", f"S {i:02}") for i in range(23)]
    first = render.stretch_list(stretches, "neck", None, 0)
    assert len(first.sections[0].lines) == 10
    assert [b.action for b in first.buttons] == ["page:neck:*:1"]
    middle = render.stretch_list(stretches, None, "desk", 1)
    assert [b.action for b in middle.buttons] == ["page:*:desk:0", "page:*:desk:2"]
    last = render.stretch_list(stretches, None, None, 99)
    assert last.meta["page"] == "2" and [b.action for b in last.buttons] == ["page:*:*:1"]


def test_message_image_must_be_one_of_its_attachments() -> None:
    """An inline image that names no attachment is a programming error caught at once."""
    import pytest

    from bot.core.messages import Attachment, Message, MessageKind

    png = Attachment(filename="chart.png", data=b"\x89PNG", alt="a chart")
    assert Message(MessageKind.INFO, "t", attachments=(png,), image="chart.png").image
    with pytest.raises(ValueError, match="not one of the message's attachments"):
        Message(MessageKind.INFO, "t", attachments=(png,), image="other.png")
