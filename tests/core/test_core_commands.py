"""ContentCommands: the facade adapters and the scheduler call."""

from __future__ import annotations

import random

import pytest

from bot.core.clock import FakeClock
from bot.core.commands import ContentCommands
from bot.core.content.library import Library
from bot.core.messages import MessageKind
from bot.core.rotation import MemoryRotationStore


@pytest.fixture
def content(library: Library, clock: FakeClock) -> ContentCommands:
    return ContentCommands(library, MemoryRotationStore(), clock, random.Random(7))


def test_stretch_answers_with_the_card(content: ContentCommands) -> None:
    """A known name gives the full card."""
    message = content.stretch("pidgeon")
    assert message.kind is MessageKind.STRETCH and message.meta["stretch_id"] == "pigeon-pose"


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
    assert [b.action for b in message.buttons] == [f"show_stretch:{stretch_id}", "done",
                                                    "snooze:10"]
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


def test_autocomplete_returns_choices(content: ContentCommands) -> None:
    """Autocomplete values are stretch ids."""
    assert content.autocomplete("pige")[0].value == "pigeon-pose"


def test_redflags_and_about(content: ContentCommands) -> None:
    """Red flags list every sign; about carries the disclaimer."""
    flags = content.redflags()
    assert len(flags.sections[0].lines) == 2 and "not medical advice" in flags.footer
    assert "not medical advice" in content.about().plain_text()


def test_areas_and_wheres_are_the_ones_in_use(content: ContentCommands) -> None:
    """Only areas and places some stretch uses are offered."""
    assert "eyes" not in content.areas() and "hips" in content.areas()
    assert content.wheres() == ["desk", "standing", "floor"]
