"""Content slash commands and buttons, signed and sent to the real Bolt app in HTTP mode."""

from __future__ import annotations

from bot.adapters.slack import render
from bot.core.commands import ContentCommands
from bot.core.messages import Message
from tests.adapters.slack.conftest import Slash
from tests.fakes.slack import FakeSlack


def _expected(message: Message) -> dict[str, object]:
    return {**render.to_payload(message), "response_type": render.response_type(message)}


def _strip(response: dict[str, object]) -> dict[str, object]:
    return {k: v for k, v in response.items() if k != "_url"}


async def test_stretch_answers_with_the_card(slash: Slash, content: ContentCommands) -> None:
    """/stretch pigeon posts the Block Kit card in the channel."""
    response = await slash("/stretch", "pigeon")
    assert _strip(response) == _expected(content.stretch("pigeon"))
    assert response["response_type"] == "in_channel"
    blocks = response["blocks"]
    assert blocks[0]["text"]["text"] == "Pigeon pose"
    assert blocks[2]["text"]["text"].startswith("*Check first*\n• Hip replacement")
    assert blocks[3]["text"]["text"].startswith("*Steps*\n1. Begin in a runner")
    assert blocks[-1]["elements"][0]["action_id"] == "show_stretch:thread-the-needle"


async def test_unknown_stretch_answers_with_suggestion_buttons(slash: Slash) -> None:
    """An unknown name answers privately with buttons for the closest stretches."""
    response = await slash("/stretch", "twist")
    assert response["response_type"] == "ephemeral"
    assert response["blocks"][0]["text"]["text"] == "No stretch called “twist”"
    actions = [e["action_id"] for e in response["blocks"][-1]["elements"]]
    assert actions == ["show_stretch:supine-twist", "show_stretch:seated-spinal-twist"]


async def test_stretches_filters_in_either_order(slash: Slash, content: ContentCommands) -> None:
    """/stretches desk neck and /stretches neck desk both list the neck stretches at the desk."""
    first = await slash("/stretches", "desk neck")
    second = await slash("/stretches", "neck desk")
    assert _strip(first) == _strip(second) == _expected(content.stretches("neck", "desk"))
    assert "Chin tuck" in first["blocks"][2]["text"]["text"]


async def test_stretches_unknown_area_is_a_private_error(slash: Slash) -> None:
    """A misspelt area answers with an ephemeral error naming the valid areas."""
    response = await slash("/stretches", "nek")
    assert response["response_type"] == "ephemeral"
    assert "Unknown area 'nek'" in response["text"]


async def test_tip_break_and_redflags_answer(slash: Slash) -> None:
    """/tip, /break and /redflags each answer with their message."""
    tip = await slash("/tip")
    assert tip["blocks"][0]["text"]["text"].startswith("Desk tip")
    pause = await slash("/break")
    actions = [e["action_id"] for e in pause["blocks"][-1]["elements"]]
    assert actions[0].startswith("show_stretch:") and actions[1].startswith("guided:")
    assert actions[2:] == ["done", "snooze:10"]
    flags = await slash("/redflags")
    assert flags["blocks"][0]["text"]["text"] == "When to stop and see a professional"


async def test_show_stretch_button_answers_privately(
    slash: Slash, content: ContentCommands
) -> None:
    """Clicking "Show me" sends the card only to the person who clicked."""
    response = await slash.click("show_stretch:seated-cat-cow")
    expected = render.to_payload(content.stretch("seated-cat-cow"))
    assert response["response_type"] == "ephemeral"
    assert response["blocks"] == expected["blocks"]


async def test_pagination_button_replaces_the_list(slash: Slash, content: ContentCommands) -> None:
    """ "Next" replaces the list it was clicked on with page 2."""
    response = await slash.click("page:*:*:1")
    assert response["replace_original"] is True
    assert response["blocks"] == render.to_blocks(content.stretches(None, None, page=1))
    assert response["blocks"][1]["text"]["text"].startswith("Page 2 of")


async def test_answers_go_through_response_url_once(slash: Slash, fake: FakeSlack) -> None:
    """The HTTP ack is empty; the one answer is a response_url post, not chat.postMessage."""
    await slash("/redflags")
    assert len(fake.responses) == 1
    assert fake.calls_to("chat.postMessage") == []


async def test_area_names_of_two_words_are_understood(
    slash: Slash, content: ContentCommands
) -> None:
    """/stretches desk upper back filters by the upper-back area."""
    response = await slash("/stretches", "desk upper back")
    assert _strip(response) == _expected(content.stretches("upper-back", "desk"))
    assert response["response_type"] == "in_channel"
