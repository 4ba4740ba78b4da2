"""/redflags on Slack: Block Kit and the text fallback list the levels most urgent first."""

from __future__ import annotations

from bot.core.commands import ContentCommands
from tests.adapters.redflag_order import assert_levels_in_order
from tests.adapters.slack.conftest import Slash


async def test_redflags_blocks_and_fallback_read_emergency_first(
    slash: Slash, content: ContentCommands
) -> None:
    """What Slack shows (blocks) has every level in order; what it notifies with (the text
    fallback, cut at 3,000 characters) still starts with all the emergencies."""
    response = await slash("/redflags")
    blocks = [b["text"]["text"] for b in response["blocks"]
              if b["type"] == "section"]
    assert blocks[1].startswith("*Emergency now")
    assert_levels_in_order("\n".join(blocks), content.library)
    assert_levels_in_order(str(response["text"]), content.library, cut_short=True)
