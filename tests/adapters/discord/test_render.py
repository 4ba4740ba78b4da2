"""Message -> embed: every Discord embed limit holds, whatever the content says."""

from __future__ import annotations

from dataclasses import replace

import pytest

from bot.adapters.discord.render import edit_kwargs, send_kwargs, to_embed, to_view
from bot.core.messages import Button, Message, MessageKind, Section


def huge_message() -> Message:
    sections = tuple(Section(f"Heading {i} " + "h" * 300, tuple("x" * 200 for _ in range(10)),
                             numbered=True) for i in range(30))
    return Message(kind=MessageKind.STRETCH, title="T" * 400, body="b" * 5000,
                   sections=sections, footer="f" * 3000)


def test_oversized_message_fits_every_embed_limit() -> None:
    """Title 256, description 4096, 25 fields of 256/1024, footer 2048, total 6000."""
    embed = to_embed(huge_message())
    assert len(embed.title or "") <= 256
    assert len(embed.description or "") <= 4096
    assert len(embed.fields) <= 25
    assert all(len(f.name or "") <= 256 and len(f.value or "") <= 1024 for f in embed.fields)
    assert len(embed.footer.text or "") <= 2048
    assert len(embed) <= 6000


def test_numbered_sections_keep_counting_across_a_split() -> None:
    """A continuation section starting at 5 renders "5." and "6."."""
    message = Message(kind=MessageKind.STRETCH, title="t",
                      sections=(Section("Steps (cont.)", ("a", "b"), numbered=True, start=5),))
    assert to_embed(message).fields[0].value == "5. a\n6. b"


def test_buttons_become_persistent_components_with_the_action_as_custom_id() -> None:
    """Each neutral button becomes a component whose custom id is exactly its action."""
    message = Message(kind=MessageKind.NUDGE, title="t", buttons=(
        Button("show_stretch:chin-tuck", "Show me"), Button("done", "Done"),
        Button("snooze:10", "Snooze 10 min"), Button("page:neck:*:2", "Next")))
    view = to_view(message)
    assert view is not None
    assert view.timeout is None
    ids = [c["custom_id"] for row in view.to_components() for c in row["components"]]
    assert ids == ["show_stretch:chin-tuck", "done", "snooze:10", "page:neck:*:2"]


def test_unknown_button_action_is_refused() -> None:
    """An action no persistent handler understands is a programming error, not a dead button."""
    with pytest.raises(ValueError):
        to_view(Message(kind=MessageKind.NUDGE, title="t", buttons=(Button("explode", "?"),)))


async def test_a_message_sent_again_reuses_its_embed_and_public_view() -> None:
    """The same (cached) card renders once: the second send gets the same embed and view.
    A private message gets a view of its own each time, because discord.py gives a view sent
    privately a 15-minute timeout, which must not leak into the public sends."""
    card = Message(kind=MessageKind.STRETCH, title="Pigeon pose",
                   buttons=(Button("show_stretch:figure-four", "Easier: figure four"),))
    first, second = send_kwargs(card), send_kwargs(card)
    assert first["embed"] is second["embed"] and first["view"] is second["view"]
    private = replace(card, ephemeral=True)
    one, two = send_kwargs(private), send_kwargs(private)
    assert one["embed"] is two["embed"] and one["view"] is not two["view"]
    assert send_kwargs(replace(card))["embed"] is not first["embed"]  # an equal copy: its own


def test_attachments_are_fresh_files_and_the_embed_shows_the_inline_one() -> None:
    """Each send gets its own discord.File (discord.py closes one once sent); the embed's
    image is the inline attachment; an edit names the whole list, or none to keep them."""
    from bot.core.messages import Attachment

    chart = Attachment("chart.png", b"\x89PNG\r\n\x1a\nrest", "Breaks per day.")
    message = Message(kind=MessageKind.INFO, title="Week", attachments=(chart,),
                      image="chart.png")
    first, second = send_kwargs(message), send_kwargs(message)
    (one,), (two,) = first["files"], second["files"]
    assert one is not two and one.filename == "chart.png" and one.description == chart.alt
    assert one.fp.read() == chart.data
    assert first["embed"].image.url == "attachment://chart.png"
    assert [f.filename for f in edit_kwargs(message)["attachments"]] == ["chart.png"]
    assert "files" not in edit_kwargs(message)
    assert "attachments" not in edit_kwargs(message, keep_files=True)
    plain = Message(kind=MessageKind.INFO, title="No picture")
    assert "files" not in send_kwargs(plain) and edit_kwargs(plain)["attachments"] == []
    assert to_embed(plain).image.url is None


def test_a_cached_card_sends_what_a_freshly_built_one_would() -> None:
    """The render cache keeps the embed's dict and the buttons' components once built; every
    send of the card still carries exactly what discord.py builds from a fresh embed and
    view, and the second send the same as the first."""
    from discord.webhook.async_ import interaction_message_response_params

    card = Message(kind=MessageKind.STRETCH, title="Pigeon pose", body="Hips.",
                   sections=(Section("Steps", ("Kneel.", "Slide back."), numbered=True),),
                   footer="Stop on sharp pain.",
                   buttons=(Button("show_stretch:figure-four", "Easier: figure four"),))

    def payload(kwargs: dict[str, object]) -> object:
        return interaction_message_response_params(type=4, **kwargs).payload  # type: ignore[arg-type]

    fresh = {"embed": to_embed(card), "view": to_view(card),
             "allowed_mentions": send_kwargs(card)["allowed_mentions"]}
    first, second = payload(send_kwargs(card)), payload(send_kwargs(card))
    assert first == second == payload(fresh)
    private = send_kwargs(replace(card, ephemeral=True))
    assert not private["view"].is_finished()  # its own, live view: discord.py may time it out
    assert private["view"].to_components() == to_view(card).to_components()  # type: ignore[union-attr]
