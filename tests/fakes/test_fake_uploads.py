"""The fakes' file uploads, posted over HTTP as the platforms document them: Discord's
multipart (``payload_json`` + ``files[n]``, 10 files of 10 MiB at most) and Slack's
files_upload_v2 steps (reserve, upload the bytes, complete into a channel)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from tests.fakes.discord import FakeDiscord
from tests.fakes.discord import uploads as du
from tests.fakes.slack import BOT_TOKEN, FakeSlack

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 8 + (400).to_bytes(4, "big") + (300).to_bytes(4, "big")


@pytest.fixture
async def discord_fake() -> AsyncIterator[FakeDiscord]:
    server = FakeDiscord()
    await server.start()
    yield server
    await server.close()


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


def form(payload: dict[str, Any] | None, files: list[bytes]) -> aiohttp.FormData:
    data = aiohttp.FormData()
    if payload is not None:
        data.add_field("payload_json", json.dumps(payload), content_type="application/json")
    for n, content in enumerate(files):
        data.add_field(f"files[{n}]", content, filename=f"f{n}.png",
                       content_type="application/octet-stream")
    return data


async def create(fake: FakeDiscord, http: aiohttp.ClientSession, channel_id: str,
                 data: aiohttp.FormData) -> tuple[int, Any]:
    async with http.post(f"{fake.api_base}/channels/{channel_id}/messages", data=data,
                         headers={"Authorization": f"Bot {fake.token}"}) as resp:
        return resp.status, await resp.json()


async def test_discord_multipart_message_keeps_its_files_and_resolves_the_image(
    discord_fake: FakeDiscord, http: aiohttp.ClientSession
) -> None:
    """A multipart message is stored with its attachments; the embed's attachment:// image
    becomes the attachment's URL, as Discord answers; the upload keeps its bytes."""
    channel = discord_fake.add_channel(discord_fake.add_guild("g"), "general").channel_id
    payload = {"embeds": [{"title": "t", "image": {"url": "attachment://pic.png"}}],
               "attachments": [{"id": 0, "filename": "pic.png", "description": "A drawing."}]}
    status, msg = await create(discord_fake, http, channel, form(payload, [PNG]))
    assert status == 200
    (attachment,) = msg["attachments"]
    assert attachment["filename"] == "pic.png" and attachment["size"] == len(PNG)
    assert attachment["content_type"] == "image/png"
    assert msg["embeds"][0]["image"]["url"] == attachment["url"]
    ((where, upload),) = discord_fake.uploads
    assert where == f"channel:{channel}" and upload.data == PNG
    assert upload.png_size() == (400, 300) and upload.description == "A drawing."
    assert discord_fake.dangling_images == []


async def test_discord_refuses_what_discord_refuses(
    discord_fake: FakeDiscord, http: aiohttp.ClientSession
) -> None:
    """No payload_json: 400; eleven files: 400; a file over 10 MiB: 413. Nothing is stored,
    and an image naming no uploaded file is noted as dangling."""
    channel = discord_fake.add_channel(discord_fake.add_guild("g"), "general").channel_id
    assert (await create(discord_fake, http, channel, form(None, [PNG])))[0] == 400
    eleven = form({"content": "x"}, [PNG] * (du.MAX_FILES + 1))
    assert (await create(discord_fake, http, channel, eleven))[0] == 400
    ten = form({"content": "x"}, [PNG] * du.MAX_FILES)
    assert (await create(discord_fake, http, channel, ten))[0] == 200
    big = form({"content": "x"}, [PNG + b"\x00" * du.MAX_FILE_BYTES])
    status, answer = await create(discord_fake, http, channel, big)
    assert status == 413 and answer["code"] == 40005
    assert len(discord_fake.messages[channel]) == 1 and len(discord_fake.uploads) == du.MAX_FILES
    dangling = {"embeds": [{"title": "t", "image": {"url": "attachment://gone.png"}}]}
    assert (await create(discord_fake, http, channel, form(dangling, [PNG])))[0] == 200
    assert discord_fake.dangling_images == ["attachment://gone.png"]


async def call(fake: FakeSlack, http: aiohttp.ClientSession, method: str,
               **params: str) -> dict[str, Any]:
    async with http.post(f"{fake.base_url}{method}", data=params,
                         headers={"Authorization": f"Bearer {BOT_TOKEN}"}) as resp:
        return dict(await resp.json())


async def test_slack_upload_takes_three_steps_and_checks_each(
    http: aiohttp.ClientSession,
) -> None:
    """Reserve (a URL on 127.0.0.1), POST the bytes there, complete into a channel; a file
    whose bytes never arrived, or arrived at another length, cannot be completed."""
    fake = await FakeSlack().start()
    try:
        fake.add_channel("C1")
        fake.add_channel("C2", member=False)
        bad = await call(fake, http, "files.getUploadURLExternal", filename="x.png")
        assert bad == {"ok": False, "error": "invalid_arguments"}
        got = await call(fake, http, "files.getUploadURLExternal", filename="p.png",
                         length=str(len(PNG)), alt_txt="A drawing.")
        assert got["ok"] and got["upload_url"].startswith(f"http://127.0.0.1:{fake.port}/")
        early = await call(fake, http, "files.completeUploadExternal", channel_id="C1",
                           files=json.dumps([{"id": got["file_id"]}]))
        assert early == {"ok": False, "error": "file_not_found"}
        async with http.post(got["upload_url"], data=PNG) as resp:
            assert resp.status == 200
        refused = await call(fake, http, "files.completeUploadExternal", channel_id="C2",
                             files=json.dumps([{"id": got["file_id"]}]))
        assert refused == {"ok": False, "error": "not_in_channel"}
        done = await call(fake, http, "files.completeUploadExternal", channel_id="C1",
                          files=json.dumps([{"id": got["file_id"], "title": "Pigeon"}]))
        assert done["ok"] and done["files"] == [{"id": got["file_id"], "title": "Pigeon"}]
        (shared,) = fake.shared_files("C1")
        assert shared.data == PNG and shared.is_png and shared.alt_txt == "A drawing."
        short = await call(fake, http, "files.getUploadURLExternal", filename="q.png",
                           length=str(len(PNG) + 1))
        async with http.post(short["upload_url"], data=PNG) as resp:
            assert resp.status == 200
        wrong = await call(fake, http, "files.completeUploadExternal", channel_id="C1",
                           files=json.dumps([{"id": short["file_id"]}]))
        assert wrong == {"ok": False, "error": "file_not_found"}
    finally:
        await fake.stop()
