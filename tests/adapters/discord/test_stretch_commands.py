"""Content slash commands end to end: real discord.py client, fake Discord, real content."""

from __future__ import annotations

from typing import Any

from bot.adapters.discord.client import DeskbreakClient
from bot.core.commands import ContentCommands
from bot.core.messages import MessageKind
from tests.adapters.discord.conftest import World
from tests.fakes.discord import FakeDiscord
from tests.fakes.discord import payloads as p

EPHEMERAL = 64
CHANNEL_MESSAGE = 4
UPDATE_MESSAGE = 7
AUTOCOMPLETE_RESULT = 8


def custom_ids(data: dict[str, Any]) -> list[str]:
    return [c["custom_id"] for row in data.get("components", []) for c in row["components"]]


def embed(data: dict[str, Any]) -> dict[str, Any]:
    (only,) = data["embeds"]
    return dict(only)


def field_text(data: dict[str, Any]) -> str:
    return "\n".join(f["name"] + "\n" + f["value"] for f in embed(data).get("fields", []))


async def test_stretch_found_replies_with_a_public_card(
    fake: FakeDiscord, world: World, bot: DeskbreakClient, content: ContentCommands
) -> None:
    """/stretch with a known name answers type 4, a public embed with numbered steps."""
    stretch = content.library.stretches[0]
    cb = await fake.interact(
        fake.slash(world.member, world.general, "stretch", [p.option("name", stretch.id)])
    )
    assert cb.type == CHANNEL_MESSAGE
    assert cb.with_response
    assert not int(cb.data.get("flags") or 0) & EPHEMERAL
    card = embed(cb.data)
    assert card["title"].startswith(stretch.name)
    text = field_text(cb.data)
    assert f"1. {stretch.steps[0]}" in text
    assert f"2. {stretch.steps[1]}" in text
    assert stretch.cautions[0] in text
    assert "/redflags" in card["footer"]["text"]


async def test_stretch_unknown_suggests_names_privately(
    fake: FakeDiscord, world: World, bot: DeskbreakClient, content: ContentCommands
) -> None:
    """/stretch for an unknown name answers privately with suggestion buttons."""
    expected = content.stretch("neck thing")
    assert expected.kind is MessageKind.SUGGESTIONS
    cb = await fake.interact(
        fake.slash(world.member, world.general, "stretch", [p.option("name", "neck thing")])
    )
    assert cb.type == CHANNEL_MESSAGE
    assert embed(cb.data)["title"] == expected.title
    assert cb.data["flags"] == EPHEMERAL
    assert custom_ids(cb.data) == [b.action for b in expected.buttons]
    assert all(i.startswith("show_stretch:") for i in custom_ids(cb.data))


async def test_stretch_autocomplete_sends_the_exact_choices(
    fake: FakeDiscord, world: World, bot: DeskbreakClient, content: ContentCommands
) -> None:
    """Autocomplete answers type 8 with ContentCommands.autocomplete's labels and ids."""
    expected = [{"name": c.label, "value": c.value} for c in content.autocomplete("hip")]
    assert expected, "the content library should have stretches matching 'hip'"
    cb = await fake.interact(fake.autocomplete(
        world.member, world.general, "stretch", [p.option("name", "hip", focused=True)]
    ))
    assert cb.type == AUTOCOMPLETE_RESULT
    assert cb.body["data"] == {"choices": expected}
    again = await fake.interact(fake.autocomplete(  # the remembered choices, sent again
        world.member, world.general, "stretch", [p.option("name", "hip", focused=True)]
    ))
    assert again.body["data"] == {"choices": expected}


def test_remembered_suggestions_become_discord_choices_once() -> None:
    """A tuple the core remembers for a prefix becomes discord.py's choices once (cut to
    Discord's 100 characters); a fresh list, as other completers give, is converted anew."""
    from bot.adapters.discord.commands import discord_choices
    from bot.core.lookup import Choice

    found = (Choice("Pigeon pose", "pigeon"), Choice("x" * 150, "y" * 150))
    first = discord_choices(found)
    assert discord_choices(found) is first
    assert [(c.name, c.value) for c in first] == [("Pigeon pose", "pigeon"),
                                                  ("x" * 100, "y" * 100)]
    assert discord_choices(list(found)) is not discord_choices(list(found))
    assert discord_choices(list(found)) == first


async def test_stretches_pages_with_persistent_buttons(
    fake: FakeDiscord, world: World, bot: DeskbreakClient, content: ContentCommands
) -> None:
    """/stretches shows page 1 with a Next button; clicking it edits the message (type 7)."""
    first = await fake.interact(fake.slash(world.member, world.general, "stretches"))
    assert first.type == CHANNEL_MESSAGE
    assert custom_ids(first.data) == ["page:*:*:1"]
    assert embed(first.data)["description"] == content.stretches(None, None).body

    message = p.message(world.general.channel_id, fake.bot_user, first.data,
                        guild_id=world.guild.guild_id)
    second = await fake.interact(fake.click(world.member, world.general, "page:*:*:1", message))
    assert second.type == UPDATE_MESSAGE
    page2 = content.stretches(None, None, 1)
    assert embed(second.data)["description"] == page2.body
    assert custom_ids(second.data) == [b.action for b in page2.buttons]
    assert "page:*:*:0" in custom_ids(second.data)


async def test_stretches_filters_by_area_and_where(
    fake: FakeDiscord, world: World, bot: DeskbreakClient, content: ContentCommands
) -> None:
    """/stretches area:neck where:desk passes both choices through to ContentCommands."""
    cb = await fake.interact(fake.slash(world.member, world.general, "stretches", [
        p.option("area", "neck"), p.option("where", "desk")
    ]))
    expected = content.stretches("neck", "desk")
    assert embed(cb.data)["title"] == expected.title
    assert embed(cb.data)["description"] == expected.body


async def test_stretches_offers_the_content_areas_as_choices(
    fake: FakeDiscord, world: World, bot: DeskbreakClient, content: ContentCommands
) -> None:
    """The synced /stretches command lists every area and place as fixed choices."""
    (command,) = [c for c in fake.global_commands if c["name"] == "stretches"]
    options = {o["name"]: o for o in command["options"]}
    assert [c["value"] for c in options["area"]["choices"]] == content.areas()
    assert [c["value"] for c in options["where"]["choices"]] == content.wheres()


async def test_tip_replies_with_a_tip(
    fake: FakeDiscord, world: World, bot: DeskbreakClient, content: ContentCommands
) -> None:
    """/tip answers with one of the library's tips."""
    cb = await fake.interact(fake.slash(world.member, world.general, "tip"))
    assert cb.type == CHANNEL_MESSAGE
    tips = {t.text for t in content.library.tips}
    assert any(t in embed(cb.data).get("description", "") + field_text(cb.data) for t in tips)


async def test_break_carries_show_done_and_snooze_buttons(
    fake: FakeDiscord, world: World, bot: DeskbreakClient
) -> None:
    """/break answers with a stretch and the three persistent nudge buttons."""
    cb = await fake.interact(fake.slash(world.member, world.general, "break"))
    assert cb.type == CHANNEL_MESSAGE
    ids = custom_ids(cb.data)
    assert ids[0].startswith("show_stretch:")
    assert ids[1].startswith("guided:") and ids[2:] == ["done", "snooze:10"]


async def test_redflags_and_about_render_their_messages(
    fake: FakeDiscord, world: World, bot: DeskbreakClient, content: ContentCommands
) -> None:
    """/redflags and /about answer with the titles ContentCommands gives."""
    for name, expected in (("redflags", content.redflags()), ("about", content.about())):
        cb = await fake.interact(fake.slash(world.member, world.general, name))
        assert cb.type == CHANNEL_MESSAGE
        assert embed(cb.data)["title"] == expected.title


async def test_commands_work_in_dms(fake: FakeDiscord, world: World, bot: DeskbreakClient
                                    ) -> None:
    """/about works from a DM (no guild, no member object)."""
    dm = fake.add_channel_dm(world.loner)
    cb = await fake.interact(fake.slash(world.loner, dm, "about"))
    assert cb.type == CHANNEL_MESSAGE
