"""Request bodies with files, read the way Discord documents them.

A message with files is ``multipart/form-data``: one ``payload_json`` part holding the JSON body
(its ``attachments`` list names each upload by index) and one ``files[n]`` part per file
(https://discord.com/developers/docs/reference#uploading-files). Any other request is plain
JSON. The files the fake receives are kept as :class:`Upload` so tests can look at the bytes
(is it a PNG, how big), and the stored message lists them under ``attachments`` with the embed's
``attachment://name`` image resolved to the attachment's URL, as Discord returns it.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from aiohttp import BodyPartReader, web

from tests.fakes.discord import payloads as p

# "Max file size: 10 MiB" for a bot without boosts, and at most 10 files per message:
# https://discord.com/developers/docs/reference#uploading-files
MAX_FILE_BYTES = 10 * 1024 * 1024
MAX_FILES = 10
MAX_DESCRIPTION = 1024
_FILE_PART = re.compile(r"^files\[(\d+)\]$")
CDN = "https://cdn.discordapp.com/attachments"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@dataclass
class Upload:
    """One file as it reached the fake."""

    index: int
    filename: str
    data: bytes
    content_type: str
    description: str | None = None

    @property
    def is_png(self) -> bool:
        return self.data.startswith(PNG_SIGNATURE)

    def png_size(self) -> tuple[int, int]:
        """(width, height) from the PNG's IHDR chunk, without an image library."""
        if not self.is_png:
            raise ValueError(f"{self.filename} is not a PNG")
        return int.from_bytes(self.data[16:20], "big"), int.from_bytes(self.data[20:24], "big")


class BadUpload(Exception):  # noqa: N818 - Discord's answer, carried to the handler
    def __init__(self, response: web.Response) -> None:
        super().__init__(response.status)
        self.response = response


async def read_body(request: web.Request) -> tuple[dict[str, Any], list[Upload]]:
    """The JSON body and the uploaded files of a message request (JSON or multipart)."""
    if not request.content_type.startswith("multipart/"):
        return await request.json(), []
    reader = await request.multipart()
    body: dict[str, Any] | None = None
    uploads: list[Upload] = []
    async for part in reader:
        if not isinstance(part, BodyPartReader):
            continue  # a nested multipart: not something Discord reads
        name = part.name or ""
        data = await part.read(decode=False)
        if name == "payload_json":
            body = json.loads(bytes(data))
            continue
        match = _FILE_PART.match(name)
        if match is None:
            continue  # Discord ignores form fields it does not know
        if len(data) > MAX_FILE_BYTES:
            raise BadUpload(_error(413, 40005, "Request entity too large"))
        uploads.append(Upload(int(match.group(1)), part.filename or name,
                              bytes(data),
                              part.headers.get("Content-Type", "application/octet-stream")))
    if body is None:
        raise BadUpload(_error(400, 50035, "Invalid Form Body"))
    if len(uploads) > MAX_FILES:
        raise BadUpload(_error(400, 50035, "Invalid Form Body"))
    _describe(body, uploads)
    return body, uploads


def _describe(body: dict[str, Any], uploads: list[Upload]) -> None:
    """Take each file's filename and description from the ``attachments`` entry naming it."""
    message = body.get("data") if isinstance(body.get("data"), dict) else body
    by_id = {str(a.get("id")): a for a in (message or {}).get("attachments") or []}
    for upload in uploads:
        entry = by_id.get(str(upload.index))
        if entry is None:
            continue
        upload.filename = str(entry.get("filename") or upload.filename)
        description = entry.get("description")
        if description is not None and len(str(description)) > MAX_DESCRIPTION:
            raise BadUpload(_error(400, 50035, "Invalid Form Body"))
        upload.description = description


def attach(msg: dict[str, Any], uploads: list[Upload], channel_id: str) -> dict[str, Any]:
    """``msg`` (a stored message) with its uploads as attachment objects, and each embed image
    that points at one (``attachment://name``) replaced by that attachment's URL."""
    attachments = []
    for upload in uploads:
        attachment_id = p.snowflake()
        attachments.append({
            "id": attachment_id,
            "filename": upload.filename,
            "description": upload.description,
            "content_type": "image/png" if upload.is_png else upload.content_type,
            "size": len(upload.data),
            "url": f"{CDN}/{channel_id}/{attachment_id}/{upload.filename}",
            "proxy_url": f"{CDN}/{channel_id}/{attachment_id}/{upload.filename}",
        })
    msg["attachments"] = attachments
    urls = {f"attachment://{a['filename']}": a["url"] for a in attachments}
    embeds = []
    for embed in msg.get("embeds") or []:  # copies: the request body stays as it was sent
        image = embed.get("image") or {}
        if image.get("url") in urls:
            embed = {**embed, "image": {**image, "url": urls[image["url"]]}}
        embeds.append(embed)
    msg["embeds"] = embeds
    return msg


def dangling_images(body: dict[str, Any], uploads: list[Upload]) -> list[str]:
    """``attachment://`` images in ``body`` that name no uploaded file: Discord shows no
    picture for them, so a test that expects one should fail."""
    message = body.get("data") if isinstance(body.get("data"), dict) else body
    names = {u.filename for u in uploads}
    out = []
    for embed in (message or {}).get("embeds") or []:
        url = str((embed.get("image") or {}).get("url") or "")
        if url.startswith("attachment://") and url.removeprefix("attachment://") not in names:
            out.append(url)
    return out


def _error(status: int, code: int, message: str) -> web.Response:
    response = web.Response(status=status, body=json.dumps(
        {"message": message, "code": code}).encode())
    response.headers["Content-Type"] = "application/json"
    return response
