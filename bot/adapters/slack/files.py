"""How a message's pictures travel on Slack: an image block from a public URL, or an upload.

Slack has two ways to show a picture and neither fits every case:

- an ``image`` block shows it inside the message, but Slack downloads it from a URL, without
  a cookie. Only pictures anyone may see (stretch drawings, which carry a content hash as
  ``Attachment.public_key``) get one, and only where ``DESKBREAK_PUBLIC_URL`` says where the
  dashboard's web server is reached (it serves them at ``/pictures/<key>.png``);
- an upload (``files_upload_v2``: files.getUploadURLExternal, the bytes to the URL it returns,
  files.completeUploadExternal into a channel) needs no URL but shares the file into a
  conversation. Uploads go only into the person's own DM with the bot: a private chart is
  never shared into a channel, and a stretch picture without a public URL is uploaded only
  when the person asked in a DM. In a channel it is left out (the card says everything in
  words).

An upload that fails (a workspace that did not grant ``files:write``) costs one log line: the
text answer has already gone out.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager, nullcontext
from dataclasses import dataclass

from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.web.async_client import AsyncWebClient

from bot.adapters.slack import errors
from bot.core.messages import Attachment, Message

log = logging.getLogger(__name__)

MAX_TITLE = 250  # a file's title shows above it; keep it a line
PICTURES_PATH = "/pictures"
# What an upload may raise: Slack's refusal (an API error, a failed POST to the upload URL)
# or the network.
FAILURES: tuple[type[BaseException], ...] = (SlackClientError, *errors.NETWORK_ERRORS)


@dataclass(frozen=True, slots=True)
class Placement:
    """Where each of a message's attachments goes."""

    images: tuple[tuple[str, str], ...] = ()  # (URL, alt text) for image blocks
    uploads: tuple[Attachment, ...] = ()  # into the person's DM
    left_out: tuple[Attachment, ...] = ()


def public_image_url(public_url: str | None, attachment: Attachment) -> str | None:
    """Where Slack can fetch ``attachment``, or None if it has no public URL."""
    if public_url is None or attachment.public_key is None:
        return None
    return f"{public_url}{PICTURES_PATH}/{attachment.public_key}.png"


def place(message: Message, *, public_url: str | None, in_dm: bool,
          person: bool = True) -> Placement:
    """How ``message``'s attachments travel. ``in_dm``: it is answered in the person's DM;
    ``person`` False (a scheduled channel post) means there is nobody to upload to."""
    images: list[tuple[str, str]] = []
    uploads: list[Attachment] = []
    left_out: list[Attachment] = []
    # The inline picture first, so it is the one the image block shows.
    ordered = sorted(message.attachments, key=lambda a: a.filename != message.image)
    for attachment in ordered:
        url = public_image_url(public_url, attachment)
        if url is not None:
            images.append((url, attachment.alt))
        elif person and (attachment.public_key is None or in_dm):
            uploads.append(attachment)
        else:
            left_out.append(attachment)
    return Placement(tuple(images), tuple(uploads), tuple(left_out))


class SlackFiles:
    """Uploads into people's DMs; ``dm_channel(team, user)`` finds the DM (the notifier's
    cache, so the conversations.open is shared with reminders)."""

    def __init__(self, client: AsyncWebClient, public_url: str | None,
                 dm_channel: Callable[[str, str], Awaitable[str]],
                 turn: Callable[[str], AbstractAsyncContextManager[None]] | None = None) -> None:
        self._client = client
        self.public_url = public_url
        self._dm_channel = dm_channel
        # An upload posts a message in the channel: it holds a turn like any post.
        self._turn = turn

    def place(self, message: Message, *, in_dm: bool, person: bool = True) -> Placement:
        return place(message, public_url=self.public_url, in_dm=in_dm, person=person)

    async def upload_to_person(self, team_id: str, user_id: str, title: str,
                               attachments: tuple[Attachment, ...]) -> bool:
        """Upload into the person's DM; False (one line logged) if it could not be done."""
        if not attachments:
            return True
        try:
            channel = await self._dm_channel(team_id, user_id)
        except FAILURES as exc:
            log.warning("could not open the DM of %s to upload a picture: %s", user_id,
                        _reason(exc))
            return False
        return await self.upload(channel, title, attachments)

    async def upload(self, channel: str, title: str,
                     attachments: tuple[Attachment, ...]) -> bool:
        """``files_upload_v2`` each attachment into ``channel``; False on the first failure."""
        for attachment in attachments:
            try:
                turn: AbstractAsyncContextManager[None] = (
                    self._turn(channel) if self._turn is not None else nullcontext())
                async with turn:
                    await self._client.files_upload_v2(
                        channel=channel, file=attachment.data, filename=attachment.filename,
                        title=(title or attachment.filename)[:MAX_TITLE], alt_txt=attachment.alt,
                    )
            except FAILURES as exc:
                hint = (" (the app needs the files:write scope: reinstall it with the manifest)"
                        if _reason(exc) == "missing_scope" else "")
                log.warning("could not upload %s to Slack: %s%s", attachment.filename,
                            _reason(exc), hint)
                return False
        return True


def _reason(exc: BaseException) -> str:
    if isinstance(exc, SlackApiError):
        return errors.api_error(exc)
    return type(exc).__name__
