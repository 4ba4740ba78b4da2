"""The real content/ directory: it validates, the seed stretches resolve by common names, and
what a careful clinician asked of it holds (safety notes, levels, lookups, pairings)."""

from __future__ import annotations

import random
import re
from datetime import UTC, datetime

import pytest

from bot.core import areas, render
from bot.core.clock import FakeClock
from bot.core.commands import ContentCommands
from bot.core.content.library import Library
from bot.core.content.loader import load_library
from bot.core.content.models import Kind, RedFlagLevel
from bot.core.messages import MessageKind
from bot.core.rotation import MemoryRotationStore
from tests.core.contentkit import REAL_CONTENT


@pytest.fixture(scope="module")
def real() -> Library:
    return load_library([REAL_CONTENT])


@pytest.fixture
def content(real: Library) -> ContentCommands:
    return ContentCommands(real, MemoryRotationStore(), FakeClock(datetime(2026, 3, 2, tzinfo=UTC)),
                           random.Random(5))


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


# -------------------------------------------------------------------- lookups from the issues

# (query, kind of answer, the first stretch offered): every lookup the review listed.
LOOKUPS = [
    ("back", MessageKind.STRETCH_LIST, None),
    ("back stretch", MessageKind.STRETCH_LIST, None),
    ("lower back", MessageKind.STRETCH_LIST, "seated-knee-to-chest"),
    ("low back stretch", MessageKind.STRETCH_LIST, "seated-knee-to-chest"),
    ("sciatica", MessageKind.STRETCH_LIST, None),
    ("piriformis", MessageKind.STRETCH_LIST, "seated-figure-four"),
    ("groin stretch", MessageKind.STRETCH_LIST, "butterfly-stretch"),
    ("adductor stretch", MessageKind.STRETCH_LIST, "butterfly-stretch"),
    ("glute stretch", MessageKind.STRETCH_LIST, "seated-figure-four"),
    ("shoulders", MessageKind.STRETCH_LIST, "cross-body-shoulder-stretch"),
    ("pose", MessageKind.SUGGESTIONS, None),
    ("pigeon extra words", MessageKind.SUGGESTIONS, "pigeon"),
]


@pytest.mark.parametrize(("query", "kind", "first"), LOOKUPS)
def test_issue_lookup(content: ContentCommands, query: str, kind: MessageKind,
                      first: str | None) -> None:
    """Each everyday wording the review found answering nothing (or the wrong thing) now gets
    a useful answer: an area's stretches best first, or suggestions."""
    message = content.stretch(query)
    assert message.kind is kind, message.title
    assert message.buttons, "an answer offers stretches to open"
    ids = [b.action.removeprefix("show_stretch:") for b in message.buttons]
    if first is not None:
        assert ids[0] == first, ids


def test_back_no_longer_opens_the_shoulder_blade_squeeze(content: ContentCommands) -> None:
    """/stretch back lists back stretches (upper and lower), not one upper-back squeeze."""
    for query in ("back", "back stretch"):
        message = content.stretch(query)
        assert message.title == "Stretches for your back"
        listed = [real_id for real_id in re.findall(r"/stretch ([a-z0-9-]+)\)",
                                                     message.plain_text())]
        stretches = [content.library.stretch(i) for i in listed]
        assert {"upper-back", "lower-back"} <= {a.value for s in stretches for a in s.areas}


def test_shoulders_puts_shoulder_stretches_before_neck_stretches(
    content: ContentCommands,
) -> None:
    """/stretch shoulders opens with stretches aimed at the shoulders, not a neck stretch."""
    message = content.stretch("shoulders")
    ids = re.findall(r"/stretch ([a-z0-9-]+)\)", message.plain_text())
    primary = [content.library.stretch(sid).areas[0].value for sid in ids]
    assert primary[:3] == ["shoulders"] * 3
    assert primary.index("neck") > primary.index("shoulders")


def test_glute_stretch_does_not_open_a_strengthening_move(content: ContentCommands) -> None:
    """"glute stretch" lists stretches first; the glute bridge is not what it opens."""
    message = content.stretch("glute stretch")
    assert message.kind is MessageKind.STRETCH_LIST
    first = content.library.stretch(message.buttons[0].action.removeprefix("show_stretch:"))
    assert first.kind is Kind.STRETCH


def test_sciatica_answers_with_a_safety_note(content: ContentCommands) -> None:
    """"sciatica" lists buttock and lower-back stretches with a note on when to get checked,
    and no hamstring stretch (those can pull on an irritated nerve)."""
    message = content.stretch("sciatica")
    assert "/redflags" in message.body and "not something a bot can diagnose" in message.body
    ids = re.findall(r"/stretch ([a-z0-9-]+)\)", message.plain_text())
    assert not any("hamstring" in sid for sid in ids)


def test_pose_suggests_the_poses(content: ContentCommands) -> None:
    """/stretch pose suggests the stretches named "... pose", not nothing."""
    ids = [b.action.removeprefix("show_stretch:") for b in content.stretch("pose").buttons]
    assert ids[:3] == ["camel", "pigeon", "childs-pose"]


@pytest.mark.parametrize(("typed", "area"), [
    ("back", "back"), ("legs", "legs"), ("lower back", "lower-back"), ("groin", "inner-thighs")])
def test_stretches_maps_everyday_words_to_areas(
    content: ContentCommands, typed: str, area: str
) -> None:
    """/stretches back and /stretches legs list stretches, not "Unknown area"."""
    message = content.stretches(typed)
    assert message.kind is MessageKind.STRETCH_LIST, message.body
    wanted = areas.areas_in(area)
    assert wanted
    ids = re.findall(r"/stretch ([a-z0-9-]+)\)", message.plain_text())
    assert ids and all(wanted & {a.value for a in content.library.stretch(i).areas} for i in ids)
    assert message == content.stretches(area)


def test_no_name_or_alias_hides_an_area_list(real: Library) -> None:
    """No stretch is named or aliased like a body area ("calf stretch"), which would open one
    stretch where the area's whole list is the answer."""
    clashes = [(s.id, text) for s in real.stretches for text in (s.id, s.name, *s.aliases)
               if areas.topic_of(text) is not None]
    assert not clashes


# -------------------------------------------------------------------- break prompts

_STANDING = re.compile(r"\b(stand|standing|walk|walking|stairs|on your feet|up you get)\b",
                       re.IGNORECASE)
_SEATED = re.compile(r"\b(sit|sitting|seat|chair|wheel|wheeling|wheelchair)\b", re.IGNORECASE)


def test_prompts_work_for_wheelchair_users(real: Library) -> None:
    """A prompt that mentions standing or walking also offers a seated way to do it."""
    assuming = [p.id for p in real.prompts if _STANDING.search(p.text)
                and not _SEATED.search(p.text)]
    assert not assuming


# Words that put a body part in a prompt; such a prompt must say what it pairs with.
_BODY_WORDS = re.compile(
    r"\b(neck|head|shoulders?|arms?|hands?|wrists?|fingers?|(?<!sit )(?<!sitting )back|hips?|"
    r"legs?|calf|calves|ankles?|feet|eyes?|jaw)\b", re.IGNORECASE)


def test_prompts_about_a_body_part_say_what_they_pair_with(real: Library) -> None:
    """A prompt that talks about part of the body carries areas or a stretch, so it never
    sits beside a stretch for somewhere else."""
    loose = [p.id for p in real.prompts if _BODY_WORDS.search(p.text)
             and not (p.areas or p.stretch)]
    assert not loose


def test_every_break_stretch_has_prompts_that_fit(real: Library) -> None:
    """Each stretch a break can suggest has several prompts that suit it."""
    for stretch in real.break_stretches():
        assert sum(p.fits(stretch) for p in real.prompts) >= 10, stretch.id


async def test_real_breaks_pair_prompts_with_their_stretch(content: ContentCommands) -> None:
    """Over a working week of breaks, every prompt shown suits the stretch beside it."""
    for _ in range(200):
        message = await content.break_message("week")
        prompt = content.library.prompt(message.meta["prompt_id"])
        stretch = content.library.stretch(message.meta["stretch_id"])
        assert prompt is not None and stretch is not None
        assert prompt.fits(stretch), (prompt.id, stretch.id)


def test_prompts_and_tips_have_no_near_duplicates(real: Library) -> None:
    """No two prompts (or two tips) say nearly the same thing."""
    from rapidfuzz import fuzz

    for texts in ([p.text for p in real.prompts], [t.text for t in real.tips]):
        for i, a in enumerate(texts):
            for b in texts[i + 1:]:
                assert fuzz.token_set_ratio(a, b) < 75, (a, b)


@pytest.mark.parametrize("words", [["document holder"], ["tilt"], ["edge of the desk"]])
def test_osha_tips_are_there(real: Library, words: list[str]) -> None:
    """The workstation tips the review found missing: document holder, monitor tilt, and a
    desk edge pressing into the forearms."""
    assert any(all(w in t.text for w in words) for t in real.tips)
