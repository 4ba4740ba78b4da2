"""The real content/ directory: it validates, the seed stretches resolve by common names, and
what a careful clinician asked of it holds (safety notes, red-flag levels, review fixes)."""

from __future__ import annotations

import pytest

from bot.core import render
from bot.core.content.library import Library
from bot.core.content.loader import load_library
from bot.core.content.models import Kind, RedFlagLevel
from tests.core.contentkit import REAL_CONTENT


@pytest.fixture(scope="module")
def real() -> Library:
    return load_library([REAL_CONTENT])


def test_real_content_validates(real: Library) -> None:
    """content/ loads with no problems and has every kind of content."""
    assert real.stretches and real.tips and real.prompts and real.red_flags


@pytest.mark.parametrize(
    ("query", "stretch_id"),
    [
        ("pigeon", "pigeon"),
        ("pidgeon", "pigeon"),
        ("pigeon pose", "pigeon"),
        ("half pigeon", "pigeon"),
        ("thread the needle", "thread-the-needle"),
        ("thread needle", "thread-the-needle"),
        ("camel", "camel"),
        ("glute bridge", "glute-bridge"),
        ("band walks", "mini-band-walks"),
        ("mini band walk", "mini-band-walks"),
        ("side lunge", "side-lunge"),
        ("hip hinge", "hip-hinge"),
        ("hip flexor", "kneeling-hip-flexor-stretch"),
        ("strap", "reclined-strap-stretch"),
    ],
)
def test_seed_stretch_resolves_by_common_name(real: Library, query: str, stretch_id: str) -> None:
    """Each seed stretch answers to the names people actually type."""
    found = real.index.resolve(query)
    assert found.stretch is not None, [s.id for s in found.suggestions]
    assert found.stretch.id == stretch_id


def test_every_real_card_fits_and_has_cautions_that_fit_its_kind(real: Library) -> None:
    """Every real card renders within limits with its own "Check first" section; its cautions
    say "sharp", and the nerve signs appear on every card except the eye exercises, which
    never get the muscle line ("a gentle pull", numbness, tingling)."""
    for stretch in real.stretches:
        easier = real.stretch(stretch.easier) if stretch.easier else None
        card = render.stretch_card(stretch, easier)
        assert render.message_size(card) <= render.EMBED_TOTAL_BUDGET
        assert card.sections[0].heading == "Check first" and card.sections[0].lines
        cautions = [s for s in card.sections if s.heading == "Cautions"]
        text = " ".join(cautions[0].lines).lower()
        assert "sharp" in text
        nerve = "numb" in text and ("tingl" in text or "pins and needles" in text)
        assert nerve is (stretch.kind is not Kind.EYES), stretch.id
        if stretch.kind is not Kind.STRETCH:
            assert "gentle pull is all you want" not in text, stretch.id


# -------------------------------------------------------------------- red flags


def test_red_flag_levels_cover_the_issue_list(real: Library) -> None:
    """Each sign the review named sits at the level it asked for."""
    levels = {f.id: f.level for f in real.red_flags}
    expected = {
        RedFlagLevel.EMERGENCY: ["saddle-numbness", "bladder-or-bowel-changes", "both-legs",
                                 "worsening-weakness", "chest-pain",
                                 "neck-dizziness-vision-speech", "sudden-severe-headache"],
        RedFlagLevel.WITHIN_DAYS: ["fever-or-unwell", "history-of-cancer",
                                   "unexplained-weight-loss", "night-or-rest-pain",
                                   "after-injury", "steroids-or-osteoporosis",
                                   "drugs-or-weak-immunity", "age-of-new-back-pain",
                                   "hot-swollen-joint", "swollen-calf"],
        RedFlagLevel.ROUTINE: ["pain-below-knee", "numbness-tingling", "not-improving"],
    }
    for level, ids in expected.items():
        for flag_id in ids:
            assert levels[flag_id] is level, flag_id


def test_the_cauda_equina_signs_agree(real: Library) -> None:
    """Both cauda-equina signs are emergencies and say so the same way; neither says "urgent"."""
    signs = [f for f in real.red_flags if "cauda equina" in f.sign]
    assert {f.id for f in signs} == {"saddle-numbness", "bladder-or-bowel-changes"}
    for flag in signs:
        assert flag.level is RedFlagLevel.EMERGENCY
        assert "emergency care even when the pain is mild" in flag.sign
        assert "urgent" not in flag.sign.lower()


def test_chest_pain_is_an_emergency_at_any_time(real: Library) -> None:
    """Chest pain counts whenever it comes, not only while moving, and arm or jaw pain too."""
    (chest,) = [f for f in real.red_flags if f.id == "chest-pain"]
    assert chest.level is RedFlagLevel.EMERGENCY
    assert "at any time" in chest.sign and "arm" in chest.sign and "jaw" in chest.sign


# -------------------------------------------------------------------- who should check first

# (stretch id, words its "Check first" must hold): what the review asked for, per stretch.
CHECK_FIRST = [
    ("pigeon", ["hip replacement", "surgeon"]),
    ("pigeon", ["knee surgery", "meniscus"]),
    ("thread-the-needle", ["hip replacement", "surgeon"]),
    ("knee-to-chest", ["hip replacement", "surgeon"]),
    ("supine-twist", ["hip replacement", "surgeon"]),
    ("camel", ["worse when you lean backwards"]),
    ("camel", ["neck injury"]),
    ("camel", ["blood pressure", "dizzy"]),
    ("camel", ["pregnant"]),
    ("knee-to-chest", ["osteoporosis", "forceful"]),
    ("childs-pose", ["osteoporosis", "forward fold"]),
    ("seated-spinal-twist", ["osteoporosis"]),
    ("supine-twist", ["osteoporosis"]),
    ("thread-the-needle", ["20 weeks of pregnancy"]),
    ("glute-bridge", ["20 weeks of pregnancy"]),
    ("reclined-strap-stretch", ["20 weeks of pregnancy"]),
    ("knee-to-chest", ["20 weeks of pregnancy"]),
    ("supine-twist", ["20 weeks of pregnancy"]),
    ("doorway-chest-opener", ["dislocation", "elbows below shoulder height"]),
    ("neck-side-bend", ["dizziness", "/redflags"]),
    ("upper-trapezius-stretch", ["dizziness", "/redflags"]),
    ("chin-tuck", ["dizziness"]),
    ("neck-rotation", ["dizziness"]),
    ("eye-20-20-20", ["flashes of light", "same day"]),
    ("glute-bridge", ["started in the last few days", "walk"]),
    ("hip-hinge", ["started in the last few days", "walk"]),
    ("side-lunge", ["started in the last few days", "walk"]),
]


@pytest.mark.parametrize(("stretch_id", "words"), CHECK_FIRST)
def test_check_first_names_who_should_skip_or_ask(
    real: Library, stretch_id: str, words: list[str]
) -> None:
    """The card's "Check first" section holds the note the review asked for."""
    stretch = real.stretch(stretch_id)
    assert stretch is not None
    card = render.stretch_card(stretch)
    lines = [line.lower() for line in card.sections[0].lines]
    assert any(all(w.lower() in line for w in words) for line in lines), lines


# -------------------------------------------------------------------- fixes from the review


def test_camel_keeps_the_thighs_forward_and_offers_a_standing_option(real: Library) -> None:
    """Coming out of camel, the thighs keep pressing forward (as step 5 says); its easier
    option is the standing back extension, not another kneeling stretch."""
    camel = real.stretch("camel")
    assert camel is not None
    assert "sink back" not in camel.steps[-1] and "pressing forward" in camel.steps[-1]
    assert camel.easier == "standing-back-extension"
    assert "kneel" not in (camel.easier_note or "").split(".")[0].replace("no kneeling", "")


def test_upper_trapezius_stretch_is_not_the_levator_stretch(real: Library) -> None:
    """The upper-trapezius stretch keeps the nose forward; turning it to the armpit would make
    it a levator scapulae stretch."""
    steps = " ".join(real.stretch("upper-trapezius-stretch").steps).lower()
    assert "armpit" not in steps and "nose pointing straight ahead" in steps


@pytest.mark.parametrize(
    ("stretch_id", "dose"),
    [
        ("mini-band-walks", "10 steps each direction"),
        ("reclined-strap-stretch", "Hold for 6–8 slow breaths each side"),
        ("side-lunge", "8 reps each side × 2 sets"),
        ("ankle-circles", "10 circles each direction, each side"),
        ("hip-circles", "8 circles each direction, each side"),
        ("shoulder-rolls", "10 rolls each direction"),
        ("childs-pose", "Hold 45 seconds"),
    ],
)
def test_doses_say_per_side_or_direction(real: Library, stretch_id: str, dose: str) -> None:
    """Doses the review found ambiguous say steps, breaths, sides and directions plainly."""
    stretch = real.stretch(stretch_id)
    assert render.dose_line(stretch.dose, stretch.sides) == dose
    if stretch_id == "childs-pose":
        assert "45 seconds" in stretch.steps[-1]


def test_links_the_review_corrected(real: Library) -> None:
    """Band walks step down to the clamshell; skater and cossack lunges are not side lunges;
    the low lunge is not filed as a hamstring stretch."""
    assert real.stretch("mini-band-walks").easier == "clamshell"
    aliases = {a.lower() for a in real.stretch("side-lunge").aliases}
    assert not aliases & {"skater lunge", "cossack lunge"}
    assert "hamstrings" not in real.stretch("low-lunge").areas
    assert "back squeeze" not in real.stretch("shoulder-blade-squeeze").aliases


NEW_DESK_STRETCHES = [
    "cross-body-shoulder-stretch", "overhead-triceps-stretch", "shoulder-shrugs", "arm-circles",
    "upper-back-rounding", "seated-back-extension", "desk-push-back", "seated-knee-to-chest",
    "pelvic-tilts", "prayer-stretch", "reverse-prayer-stretch", "tendon-glides", "thumb-stretch",
    "eye-palming", "monitor-border-trace", "near-far-focus", "seated-hip-flexor-stretch",
]


@pytest.mark.parametrize("stretch_id", NEW_DESK_STRETCHES)
def test_new_desk_stretch_is_complete(real: Library, stretch_id: str) -> None:
    """Each stretch added for desk workers has steps, a dose, cautions, who should check
    first and an easier option, and can be done at or beside the desk."""
    stretch = real.stretch(stretch_id)
    assert stretch is not None
    assert len(stretch.steps) >= 3 and stretch.cautions and stretch.check_first
    assert stretch.easier or stretch.easier_note
    assert {"desk", "standing"} & {w.value for w in stretch.where}


def test_breaks_can_offer_a_seated_hip_flexor_stretch(real: Library) -> None:
    """Break nudges draw from desk stretches, and one of them stretches the hip flexors (the
    seed's main point: sitting tightens them)."""
    hip_flexors = [s.id for s in real.break_stretches() if "hip-flexor" in s.id]
    assert hip_flexors == ["seated-hip-flexor-stretch"]


def test_break_stretches_can_all_be_done_seated(real: Library) -> None:
    """Every break suggestion is done at the desk (seated), so it suits wheelchair users."""
    for stretch in real.break_stretches():
        assert [w.value for w in stretch.where][0] == "desk", stretch.id
