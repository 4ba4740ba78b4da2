"""Pictures on Discord, end to end: the real discord.py client uploads them to the fake Discord
as multipart (``payload_json`` + ``files[n]``) and the embed shows them (``attachment://``)."""

from __future__ import annotations

import itertools
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from bot.adapters.discord.notifier import DiscordNotifier
from bot.adapters.discord.services import DiscordServices
from bot.core.clock import FakeClock
from bot.core.commands import ContentCommands
from bot.core.content.library import Library
from bot.core.content.models import Pose, Stretch
from bot.core.messages import Attachment, Message
from bot.core.ports import Delivery, DeliveryStatus, Platform, Target, TargetKind
from bot.core.rotation import MemoryRotationStore
from bot.pictures.cache import StretchPictures
from bot.storage import Store
from tests.adapters.discord.conftest import StartBot, World
from tests.fakes.discord import FakeDiscord
from tests.fakes.discord import payloads as p
from tests.fakes.discord.uploads import Upload

EPHEMERAL = 64
CHANNEL_MESSAGE = 4
DEFERRED = 5
STRETCH = "pigeon"
_ids = itertools.count(1)


def assert_picture(upload: Upload, name: str) -> None:
    """A whole PNG of a size a chat client shows well (the renderer's 400 px panels)."""
    assert upload.filename == name
    assert upload.is_png
    width, height = upload.png_size()
    assert 200 <= width <= 2000 and 200 <= height <= 2000, (width, height)
    assert 2_000 < len(upload.data) < 1_000_000, len(upload.data)
    assert upload.description and "pigeon" in upload.description.lower()


def image_of(data: dict[str, Any]) -> str:
    (embed,) = data["embeds"]
    return str(embed["image"]["url"])


@pytest.fixture
def pictures(tmp_path: Path) -> StretchPictures:
    found = StretchPictures(tmp_path / "pictures")
    yield found  # type: ignore[misc]
    found.close()


@pytest.fixture
def pictured(library: Library, clock: FakeClock, pictures: StretchPictures) -> ContentCommands:
    return ContentCommands(library, MemoryRotationStore(), clock, pictures=pictures)


@pytest.fixture
def pictured_services(services: DiscordServices, pictured: ContentCommands) -> DiscordServices:
    return replace(services, content=pictured)


async def test_cached_picture_is_uploaded_with_the_card_at_once(
    fake: FakeDiscord, world: World, start_bot: StartBot, pictured_services: DiscordServices,
    pictured: ContentCommands, pictures: StretchPictures,
) -> None:
    """/stretch with the picture in memory answers type 4 at once: a multipart upload of the
    PNG, and the embed's image is that attachment."""
    stretch = pictured.library.stretch(STRETCH)
    assert stretch is not None
    pictures.picture(stretch)  # drawn before: in memory
    await start_bot(pictured_services)
    cb = await fake.interact(
        fake.slash(world.member, world.general, "stretch", [p.option("name", STRETCH)]))
    assert cb.type == CHANNEL_MESSAGE
    assert not int(cb.data.get("flags") or 0) & EPHEMERAL
    (upload,) = cb.uploads
    assert_picture(upload, "pigeon.png")
    assert image_of(cb.data) == "attachment://pigeon.png"
    assert cb.data["attachments"] == [
        {"id": 0, "filename": "pigeon.png", "description": upload.description}]
    assert fake.dangling_images == []


async def test_uncached_picture_defers_then_edits_the_card_in_with_its_upload(
    fake: FakeDiscord, world: World, start_bot: StartBot, pictured_services: DiscordServices,
    pictures: StretchPictures,
) -> None:
    """A picture not drawn yet: Discord gets a public deferral at once (never waiting on the
    render), then the card arrives as an @original edit carrying the PNG."""
    await start_bot(pictured_services)  # default 2 s budget: only Slow defers at once
    payload = fake.slash(world.member, world.general, "stretch", [p.option("name", STRETCH)])
    cb = await fake.interact(payload)
    assert cb.type == DEFERRED
    assert not int(cb.data.get("flags") or 0) & EPHEMERAL
    edit = await fake.next_followup(payload["token"])
    assert edit["kind"] == "edit_original"
    (upload,) = edit["uploads"]
    assert_picture(upload, "pigeon.png")
    assert image_of(edit) == "attachment://pigeon.png"
    assert pictures.renders == 1
    assert fake.dangling_images == []


async def test_private_answer_with_a_picture_is_an_ephemeral_upload(
    fake: FakeDiscord, world: World, start_bot: StartBot, pictured_services: DiscordServices,
    pictures: StretchPictures, pictured: ContentCommands,
) -> None:
    """"Show me how" answers only the clicker, picture attached: deferred privately while
    the picture is drawn, at once (type 4, ephemeral) once it is cached."""
    await start_bot(pictured_services)
    message = p.message(world.general.channel_id, fake.bot_user,
                        {"content": "a break", "components": p.buttons(f"show_stretch:{STRETCH}")})
    payload = fake.click(world.member, world.general, f"show_stretch:{STRETCH}", message)
    cb = await fake.interact(payload)
    assert cb.type == DEFERRED and cb.data["flags"] == EPHEMERAL
    edit = await fake.next_followup(payload["token"])
    assert edit["kind"] == "edit_original"
    (upload,) = edit["uploads"]
    assert_picture(upload, "pigeon.png")
    assert image_of(edit) == "attachment://pigeon.png"
    again = await fake.interact(
        fake.click(world.member, world.general, f"show_stretch:{STRETCH}", message))
    assert again.type == CHANNEL_MESSAGE and again.data["flags"] == EPHEMERAL
    (upload,) = again.uploads
    assert_picture(upload, "pigeon.png")
    assert image_of(again.data) == "attachment://pigeon.png"
    assert pictures.renders == 1


class PrivateBreaks(ContentCommands):
    """/break answered privately: the one way to make a public deferral meet a private
    answer with a picture, which Discord only allows as a new follow-up."""

    async def break_message(self, target_key: str) -> Message:
        return replace(await super().break_message(target_key), ephemeral=True)


async def test_deferred_follow_up_carries_the_picture(
    fake: FakeDiscord, world: World, start_bot: StartBot, services: DiscordServices,
    library: Library, clock: FakeClock, pictures: StretchPictures,
) -> None:
    """Deferred publicly, answered privately: the placeholder is deleted and the picture
    goes with the private follow-up (a webhook execute with files)."""
    content = PrivateBreaks(library, MemoryRotationStore(), clock, pictures=pictures)
    await start_bot(replace(services, content=content), defer_after=0)
    payload = fake.slash(world.member, world.general, "break")
    cb = await fake.interact(payload)
    assert cb.type == DEFERRED
    assert (await fake.next_followup(payload["token"]))["kind"] == "delete_original"
    follow = await fake.next_followup(payload["token"])
    assert follow["kind"] == "followup"
    assert follow["flags"] & EPHEMERAL
    (upload,) = follow["uploads"]
    stretch_id = upload.filename.removesuffix(".png")
    assert library.stretch(stretch_id) is not None
    assert upload.is_png and image_of(follow) == f"attachment://{upload.filename}"


async def test_public_break_card_shows_its_stretchs_picture(
    fake: FakeDiscord, world: World, start_bot: StartBot, pictured_services: DiscordServices,
) -> None:
    """/break's card carries the picture of the stretch it suggests."""
    await start_bot(pictured_services)
    payload = fake.slash(world.member, world.general, "break")
    cb = await fake.interact(payload)
    data, uploads = cb.data, cb.uploads
    if cb.type == DEFERRED:
        edit = await fake.next_followup(payload["token"])
        data, uploads = edit, edit["uploads"]
    (upload,) = uploads
    shown = next(c["custom_id"] for row in data["components"] for c in row["components"]
                 if c["custom_id"].startswith("show_stretch:"))
    assert upload.filename == shown.split(":", 1)[1] + ".png"
    assert upload.is_png and image_of(data) == f"attachment://{upload.filename}"


async def test_broken_renderer_still_answers_with_the_text_card(
    fake: FakeDiscord, world: World, start_bot: StartBot, services: DiscordServices,
    library: Library, clock: FakeClock, caplog: pytest.LogCaptureFixture,
) -> None:
    """A picture that cannot be drawn costs one log line; the card still arrives, no file."""

    def broken(_pose: Pose) -> bytes:
        raise RuntimeError("no fonts on this machine")

    pictures = StretchPictures(None, render=broken)
    content = ContentCommands(library, MemoryRotationStore(), clock, pictures=pictures)
    await start_bot(replace(services, content=content))
    payload = fake.slash(world.member, world.general, "stretch", [p.option("name", STRETCH)])
    cb = await fake.interact(payload)
    data = cb.data if cb.type == CHANNEL_MESSAGE else await fake.next_followup(payload["token"])
    assert data["embeds"][0]["title"].startswith("Pigeon")
    assert "image" not in data["embeds"][0]
    assert fake.uploads == []
    lines = [r for r in caplog.records if "no picture for stretch pigeon" in r.getMessage()]
    assert len(lines) == 1
    pictures.close()


async def test_a_picture_that_failed_once_is_tried_again_on_the_next_stretch(
    fake: FakeDiscord, world: World, start_bot: StartBot, services: DiscordServices,
    library: Library, clock: FakeClock,
) -> None:
    """/stretch remembers its answers (a pure command), but not a card sent without its
    picture: the next /stretch looks for the picture again and uploads it."""

    class Flaky(StretchPictures):
        failures = [OSError("picture cache unreadable")]

        def ready(self, stretch: Stretch) -> Attachment | None:
            if self.failures:
                raise self.failures.pop()
            return super().ready(stretch)

    pictures = Flaky(None)
    stretch = library.stretch(STRETCH)
    assert stretch is not None
    pictures.picture(stretch)  # in memory: both answers are immediate (type 4)
    content = ContentCommands(library, MemoryRotationStore(), clock, pictures=pictures)
    await start_bot(replace(services, content=content))
    datas = []
    for _ in range(2):
        cb = await fake.interact(
            fake.slash(world.member, world.general, "stretch", [p.option("name", STRETCH)]))
        assert cb.type == CHANNEL_MESSAGE
        datas.append(cb.data)
    assert "image" not in datas[0]["embeds"][0]
    assert image_of(datas[1]) == "attachment://pigeon.png"
    (upload,) = [u for _, u in fake.uploads]
    assert_picture(upload, "pigeon.png")
    pictures.close()


async def test_a_repeated_stretch_is_answered_from_memory(
    fake: FakeDiscord, world: World, start_bot: StartBot, pictured_services: DiscordServices,
    pictured: ContentCommands, pictures: StretchPictures, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The same /stretch again, from anyone, is the same card and picture, answered without
    asking the content again (bot/commands/remembered.py); another name is asked for."""
    for name in (STRETCH, "camel"):
        stretch = pictured.library.stretch(name)
        assert stretch is not None
        pictures.picture(stretch)  # drawn before: answered at once, so remembered at once
    await start_bot(pictured_services)
    asked: list[str] = []
    answer = pictured.stretch_answer

    def counting(query: str) -> Any:
        asked.append(query)
        return answer(query)

    monkeypatch.setattr(pictured, "stretch_answer", counting)
    other = fake.add_member(world.guild, "someone-else")
    datas = []
    for who, name in ((world.member, STRETCH), (other, STRETCH), (world.member, "camel")):
        payload = fake.slash(who, world.general, "stretch", [p.option("name", name)])
        cb = await fake.interact(payload)
        datas.append(cb.data if cb.type == CHANNEL_MESSAGE
                     else await fake.next_followup(payload["token"]))
    first, second, third = datas
    assert second["embeds"] == first["embeds"] and image_of(second) == image_of(first)
    assert third["embeds"][0]["title"] != first["embeds"][0]["title"]
    assert asked.count(STRETCH) == 1 and asked.count("camel") == 1


def channel_delivery(world: World, nonce: str) -> Delivery:
    target = Target(Platform.DISCORD, world.guild.guild_id, TargetKind.CHANNEL,
                    world.general.channel_id)
    return Delivery(next(_ids), target, nonce, "schedule:1")


async def test_notifier_uploads_to_a_channel_exactly_once(
    fake: FakeDiscord, world: World, start_bot: StartBot, services: DiscordServices,
    store: Store, pictured: ContentCommands,
) -> None:
    """A scheduled message with a picture is one multipart message create carrying the nonce;
    the same delivery sent again (a crash before it was marked) stores nothing new."""
    bot = await start_bot(services)
    card = await pictured.stretch_pictured(STRETCH)
    notifier = DiscordNotifier(bot, store)
    delivery = channel_delivery(world, "n-picture-00000000000001")
    assert (await notifier.deliver(delivery, card)).status is DeliveryStatus.SENT
    assert (await notifier.deliver(delivery, card)).status is DeliveryStatus.SENT
    (sent,) = fake.messages[world.general.channel_id]
    assert sent["nonce"] == delivery.nonce
    (attachment,) = sent["attachments"]
    assert attachment["filename"] == "pigeon.png" and attachment["content_type"] == "image/png"
    assert sent["embeds"][0]["image"]["url"] == attachment["url"]  # resolved, as Discord does
    ((where, upload),) = fake.uploads
    assert where == f"channel:{world.general.channel_id}"
    assert_picture(upload, "pigeon.png")
    assert fake.message_posts == 2  # both requests reached Discord; the nonce dropped one


async def test_notifier_uploads_into_a_dm_and_to_admins(
    fake: FakeDiscord, world: World, start_bot: StartBot, services: DiscordServices,
    store: Store, pictured: ContentCommands,
) -> None:
    """DM deliveries and admin notices carry their files too."""
    bot = await start_bot(services)
    card = await pictured.stretch_pictured(STRETCH)
    notifier = DiscordNotifier(bot, store)
    target = Target(Platform.DISCORD, "@me", TargetKind.DM, world.loner.user_id)
    result = await notifier.deliver(Delivery(next(_ids), target, "n-dm-0000000000000000001",
                                             "reminder:1"), card)
    assert result.status is DeliveryStatus.SENT
    await notifier.notify_admin(world.guild.guild_id, world.general.channel_id, card)
    dm = fake.dm_channel_of(world.loner.user_id)
    assert dm is not None
    assert [w for w, _ in fake.uploads] == [f"channel:{dm.channel_id}",
                                            f"channel:{world.general.channel_id}"]
    for _, upload in fake.uploads:
        assert_picture(upload, "pigeon.png")


async def test_replacing_a_pictured_message_clears_its_picture(
    fake: FakeDiscord, world: World, start_bot: StartBot, pictured_services: DiscordServices,
) -> None:
    """A list page replacing a message names an empty attachment list, so Discord drops the
    old picture instead of keeping it under the new text."""
    await start_bot(pictured_services)
    message = p.message(world.general.channel_id, fake.bot_user,
                        {"content": "old list", "components": p.buttons("page:hips:*:1")})
    cb = await fake.interact(fake.click(world.member, world.general, "page:hips:*:1",
                                        message))
    assert cb.type == 7
    assert cb.data["attachments"] == []
    assert cb.uploads == []
