"""ContentCommands: the facade adapters and the scheduler call."""

from __future__ import annotations

import random
from datetime import UTC, datetime

import pytest

from bot.core.clock import FakeClock
from bot.core.commands import ContentCommands
from bot.core.content.library import Library
from bot.core.content.models import Prompt
from bot.core.messages import MessageKind
from bot.core.rotation import MemoryRotationStore
from tests.core.contentkit import make_stretch


@pytest.fixture
def content(library: Library, clock: FakeClock) -> ContentCommands:
    return ContentCommands(library, MemoryRotationStore(), clock, random.Random(7))


def test_stretch_answers_with_the_card(content: ContentCommands) -> None:
    """A known name gives the full card."""
    message = content.stretch("pidgeon")
    assert message.kind is MessageKind.STRETCH and message.meta["stretch_id"] == "pigeon-pose"


def test_a_card_is_rendered_once_and_is_what_rendering_gives(
    content: ContentCommands,
) -> None:
    """/stretch by name, by alias and by typo all get the one cached card, equal to a fresh
    rendering of the stretch (content cannot change while the process runs)."""
    from bot.core.render import stretch_card

    first = content.stretch("pigeon")
    assert content.stretch("Pigeon pose") is first and content.stretch("pidgeon") is first
    stretch = content.library.index.resolve("pigeon").stretch
    assert stretch is not None
    easier = content.library.stretch(stretch.easier) if stretch.easier else None
    assert first == stretch_card(stretch, easier)


def test_remembered_answers_stay_bounded_and_equal_a_fresh_lookup(
    content: ContentCommands, monkeypatch: pytest.MonkeyPatch
) -> None:
    """/stretch and autocomplete remember answers per text, at most the cache size of them
    (oldest out first), never a very long text, and always what a fresh lookup gives."""
    import bot.core.commands as commands

    monkeypatch.setattr(commands, "AUTOCOMPLETE_CACHE_SIZE", 3)
    for text in ("p", "pi", "pig", "pige", "x" * 500):
        assert list(content.autocomplete(text)) == content.library.index.autocomplete(text)
        content.stretch(text)
    assert [key[0] for key in content._choices] == ["pi", "pig", "pige"]
    assert list(content._answers) == ["pi", "pig", "pige"]
    assert content.stretch("pige") is content.stretch("pige")


def test_unknown_stretch_answers_with_suggestions(content: ContentCommands) -> None:
    """An unknown name gives an ephemeral list of close stretches with show buttons."""
    message = content.stretch("neck side stretchy")
    assert message.kind is MessageKind.SUGGESTIONS and message.ephemeral
    assert message.buttons[0].action == "show_stretch:neck-side-bend"


async def test_break_has_prompt_desk_stretch_and_buttons(content: ContentCommands) -> None:
    """/break: a prompt, a desk-friendly stretch and show / done / snooze buttons."""
    message = await content.break_message("t")
    stretch_id = message.meta["stretch_id"]
    assert "desk" in content.library.stretch(stretch_id).where
    assert [b.action for b in message.buttons] == [
        f"show_stretch:{stretch_id}", f"guided:{stretch_id}", "done", "snooze:10"]
    assert message.body in {p.text for p in content.library.prompts}


async def test_break_prompts_and_stretches_rotate(content: ContentCommands) -> None:
    """Consecutive breaks for one target show every prompt before repeating."""
    prompts = [(await content.break_message("t")).meta["prompt_id"] for _ in range(3)]
    assert sorted(prompts) == sorted(p.id for p in content.library.prompts)


async def test_tips_rotate_per_target(content: ContentCommands) -> None:
    """/tip deals every tip once per target before repeating."""
    tips = [(await content.tip("t")).meta["tip_id"] for _ in range(3)]
    assert sorted(tips) == sorted(t.id for t in content.library.tips)


async def test_nudge_kinds(content: ContentCommands) -> None:
    """Scheduled nudges are break or tip messages of kind NUDGE; other kinds are refused."""
    brk = await content.nudge("break", "t")
    assert brk.kind is MessageKind.NUDGE and "done" in [b.action for b in brk.buttons]
    tip = await content.nudge("tip", "t")
    assert tip.kind is MessageKind.NUDGE and tip.meta["tip_id"]
    with pytest.raises(ValueError, match="unknown nudge kind"):
        await content.nudge("dance", "t")


def test_stretches_filters_and_rejects_unknown_area(content: ContentCommands) -> None:
    """Listing filters by area/where (loosely typed) and explains an unknown area."""
    hips = content.stretches("Hips", "floor")
    assert all("(/stretch" in line for line in hips.sections[0].lines)
    assert len(hips.sections[0].lines) == 2
    bad = content.stretches("elbows")
    assert bad.kind is MessageKind.ERROR and "hips" in bad.body


@pytest.mark.parametrize(
    ("area", "where", "expected"),
    [
        ("hip", None, ("hips", None)),
        ("Hips", None, ("hips", None)),
        ("glute", "floor", ("glutes", "floor")),
        ("hips standing", None, ("hips", "standing")),
        ("standing hips", None, ("hips", "standing")),
        ("desk", "hips", ("hips", "desk")),
        ("at your desk", None, (None, "desk")),
        ("hips at your desk", None, ("hips", "desk")),
        (None, "On the floor", (None, "floor")),
        ("*", "desk", (None, "desk")),
    ],
)
def test_stretches_reads_filters_as_people_type_them(
    content: ContentCommands,
    area: str | None,
    where: str | None,
    expected: tuple[str | None, str | None],
) -> None:
    """Singular or plural, display names, either order, or both in one text all filter."""
    message = content.stretches(area, where)
    assert message.kind is MessageKind.STRETCH_LIST, message.body
    assert message == content.stretches(*expected)


@pytest.mark.parametrize("typed", ["lower back", "Lower back", "lower-back", "Lower-Backs"])
def test_two_word_areas_match_their_display_name(typed: str) -> None:
    """"Lower back", as the cards display it, filters like the id lower-back."""
    lower = make_stretch("cat", "Cat", areas=["lower-back"], where=["floor"])
    library = Library(stretches=[lower, make_stretch("neck", "Neck")])
    content = ContentCommands(library, MemoryRotationStore(), FakeClock(datetime(2026, 1, 5,
                                                                                  tzinfo=UTC)))
    message = content.stretches(typed, None)
    assert message.title == "Stretches (lower back)" and "(/stretch cat)" in message.plain_text()


def test_unknown_area_is_quoted_short(content: ContentCommands) -> None:
    """An unknown area is named, but a huge input is cut, not echoed whole."""
    message = content.stretches("x" * 5000)
    assert message.kind is MessageKind.ERROR
    assert "Unknown area 'xxx" in message.body and "…'" in message.body
    assert len(message.body) < 400
    place = content.stretches("hips", "y" * 5000)
    assert "Unknown place 'yyy" in place.body and len(place.body) < 400


@pytest.mark.parametrize("query", ["", "  ", "鸽子", "!!", "xyzzy"])
def test_stretch_with_nothing_to_match_suggests_nothing(
    content: ContentCommands, query: str
) -> None:
    """No name, or one that matches nothing, points to /stretches and offers no buttons."""
    message = content.stretch(query)
    assert message.kind is MessageKind.SUGGESTIONS and message.ephemeral
    assert not message.sections and not message.buttons
    assert "/stretches" in message.body
    if not query.strip():
        assert message.title == "Which stretch?"


def test_autocomplete_returns_choices(content: ContentCommands) -> None:
    """Autocomplete values are stretch ids."""
    assert content.autocomplete("pige")[0].value == "pigeon-pose"


def test_redflags_and_about(content: ContentCommands) -> None:
    """Red flags list every sign under its level, most urgent first; about carries the
    disclaimer."""
    flags = content.redflags()
    assert [s.lines for s in flags.sections] == [
        ("Numbness in the groin or buttocks.",), ("Pain after a fall or injury.",),
        ("Numbness or tingling in a leg or arm.",)]
    assert flags.sections[0].heading.startswith("Emergency now")
    assert "not medical advice" in flags.footer
    assert "not medical advice" in content.about().plain_text()


def test_areas_and_wheres_are_the_ones_in_use(content: ContentCommands) -> None:
    """Only areas and places some stretch uses are offered."""
    assert "eyes" not in content.areas() and "hips" in content.areas()
    assert content.wheres() == ["desk", "standing", "floor"]


def _ids(message) -> list[str]:
    return [b.action.removeprefix("show_stretch:") for b in message.buttons]


def test_a_body_area_typed_as_a_name_lists_its_stretches_best_first(
    content: ContentCommands,
) -> None:
    """/stretch hips answers publicly with the hip stretches, those done at the desk first,
    instead of "no stretch called hips"."""
    message = content.stretch("hips")
    assert message.kind is MessageKind.STRETCH_LIST and not message.ephemeral
    assert message.title == "Stretches for your hips"
    assert _ids(message) == ["seated-figure-four", "pigeon-pose", "thread-the-needle"]
    assert "/redflags" in (message.footer or "")


def test_an_area_lists_stretches_before_strengthening_moves(content: ContentCommands) -> None:
    """"glute stretch" puts the stretches first and the glute bridge (which strengthens)
    last, though the bridge is the one aimed most squarely at the glutes."""
    assert _ids(content.stretch("glute stretch")) == [
        "pigeon-pose", "thread-the-needle", "glute-bridge"]


def test_an_exact_name_or_alias_still_opens_its_card(content: ContentCommands) -> None:
    """Area words only answer when no stretch has that name: "figure four" is a stretch."""
    assert content.stretch("figure four").meta["stretch_id"] == "seated-figure-four"


def test_an_area_with_no_stretches_says_so_privately(content: ContentCommands) -> None:
    """An area the library has nothing for (the fixture has no eye exercises) is a miss."""
    message = content.stretch("eyes")
    assert message.kind is MessageKind.SUGGESTIONS and message.ephemeral


@pytest.mark.parametrize(("typed", "expected"), [("legs", "standing-quad-stretch"),
                                                 ("Bum", "pigeon-pose"),
                                                 ("neck", "neck-side-bend")])
def test_stretches_takes_everyday_words_for_areas(
    content: ContentCommands, typed: str, expected: str
) -> None:
    """/stretches legs, bum or neck lists the stretches for those areas."""
    message = content.stretches(typed)
    assert message.kind is MessageKind.STRETCH_LIST, message.body
    assert f"(/stretch {expected})" in message.plain_text()


def _pairing_content() -> ContentCommands:
    stretches = [
        make_stretch("wrist-stretch", "Wrist stretch", areas=["wrists"]),
        make_stretch("ankle-circles", "Ankle circles", areas=["ankles", "calves"],
                     kind="mobility"),
        make_stretch("chin-tuck", "Chin tuck", areas=["neck"], kind="mobility"),
        make_stretch("floor-only", "Floor only", areas=["wrists"], where=["floor"]),
    ]
    prompts = [
        Prompt(id="any", text="A short break now."),
        Prompt(id="calf-raises", text="Lift your heels under the desk.",
               areas=["calves", "ankles"]),
        Prompt(id="hands", text="Your hands have earned a break.", areas=["wrists"]),
        Prompt(id="head-back", text="Bring your head back.", stretch="chin-tuck"),
    ]
    library = Library(stretches=stretches, prompts=prompts)
    return ContentCommands(library, MemoryRotationStore(),
                           FakeClock(datetime(2026, 1, 5, tzinfo=UTC)), random.Random(3))


async def test_a_break_prompt_always_suits_its_stretch() -> None:
    """Over many breaks, each prompt sits only beside a stretch it fits: the calf prompt never
    beside the wrist stretch, the chin-tuck prompt only beside the chin tuck."""
    content = _pairing_content()
    seen: set[tuple[str, str]] = set()
    for _ in range(60):
        message = await content.break_message("t")
        seen.add((message.meta["prompt_id"], message.meta["stretch_id"]))
    assert ("calf-raises", "wrist-stretch") not in seen
    for prompt_id, stretch_id in seen:
        prompt = content.library.prompt(prompt_id)
        assert prompt is not None and prompt.fits(content.library.stretch(stretch_id))
    assert {p for p, _ in seen} == {"any", "calf-raises", "hands", "head-back"}
    assert {s for _, s in seen} == {"wrist-stretch", "ankle-circles", "chin-tuck"}


async def test_a_break_with_no_fitting_prompt_uses_the_neutral_line() -> None:
    """A stretch no prompt fits still gets a break message, with the built-in line."""
    library = Library(stretches=[make_stretch("neck", "Neck")],
                      prompts=[Prompt(id="legs", text="Legs!", areas=["calves"])])
    content = ContentCommands(library, MemoryRotationStore(),
                              FakeClock(datetime(2026, 1, 5, tzinfo=UTC)))
    message = await content.break_message("t")
    assert message.meta["stretch_id"] == "neck" and "prompt_id" not in message.meta
    assert "stand" not in message.body.lower()
