"""The Slack side of the Notifier port: scheduled posts to channels and to people's DMs.

A DM needs a conversation id from conversations.open first; that id never changes for a
person, so it is kept in a :class:`bot.core.dmcache.DmChannelCache`: in bounded memory and,
when a Store is wired in, in its ``kv`` table (``dm:{team_id}:{user_id}`` in "slack") so a
restart does not cost one extra call per person; two deliveries to one person at once share
one conversations.open. Posts are paced per channel and per workspace (``pacer.py``), and a
revoked token stops all sending at once with one clear log line instead of a failure per
delivery.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.adapters.slack import errors
from bot.adapters.slack.client import MAX_INLINE_WAIT_SECONDS
from bot.adapters.slack.files import Placement, SlackFiles
from bot.adapters.slack.pacer import ChannelPacer
from bot.adapters.slack.render import to_payload
from bot.core.dmcache import DmChannelCache
from bot.core.messages import Message
from bot.core.ports import (
    Delivery,
    DeliveryResult,
    DeliveryStatus,
    KeyValue,
    Platform,
    Target,
    TargetKind,
)

log = logging.getLogger(__name__)

KV_NAMESPACE = "slack"


class SlackNotifier:
    platform = Platform.SLACK
    dedupes_resends = False  # chat.postMessage has no nonce

    def __init__(
        self,
        client: AsyncWebClient,
        pacer: ChannelPacer,
        kv: KeyValue | None = None,
        public_url: str | None = None,
    ) -> None:
        self._client = client
        self._pacer = pacer
        # People are "team_id:user_id" (_person), so the kv rows stay as they were.
        self._dm_channels = DmChannelCache(kv, KV_NAMESPACE, self._open_dm)
        self._auth_failed: str | None = None
        # Pictures: image blocks from ``public_url`` (the dashboard), or uploads into DMs.
        self.files = SlackFiles(client, public_url, self._dm_channel, pacer.turn)

    @property
    def client(self) -> AsyncWebClient:
        """The paced WebClient, shared with the dashboard's Slack directory."""
        return self._client

    async def deliver(self, delivery: Delivery, message: Message) -> DeliveryResult:
        if self._auth_failed:
            return self._token_problem()
        target = delivery.target
        try:
            in_dm = target.kind is TargetKind.DM
            if in_dm:
                channel = await self._dm_channel(target.workspace_id, target.id)
            else:
                channel = target.id
            placement = self.files.place(message, in_dm=in_dm, person=in_dm)
            await self._post(channel, message, target.workspace_id, placement)
        except SlackApiError as exc:
            return self._failed(exc, target.id)
        except errors.NETWORK_ERRORS as exc:
            log.warning(
                "Slack unreachable while delivering %s: %s", delivery.source, type(exc).__name__
            )
            return DeliveryResult(DeliveryStatus.RETRY, detail="network")
        # The message is out (and counted sent); a picture that cannot follow is one log line.
        await self.files.upload(channel, message.title, placement.uploads)
        return DeliveryResult(DeliveryStatus.SENT)

    async def notify_admin(
        self, workspace_id: str, channel_id: str | None, message: Message
    ) -> None:
        if not channel_id or self._auth_failed:
            log.warning("No Slack channel to tell admins of %s: %s", workspace_id, message.title)
            return
        try:
            await self._post(channel_id, message, workspace_id,
                             self.files.place(message, in_dm=False, person=False))
        except SlackApiError as exc:
            self._note_auth(exc)
            log.warning(
                "Could not notify Slack admins in %s: %s", channel_id, errors.api_error(exc)
            )
        except errors.NETWORK_ERRORS as exc:
            log.warning("Slack unreachable while notifying admins: %s", type(exc).__name__)

    async def check_channel(self, workspace_id: str, channel_id: str) -> str | None:
        try:
            response = await self._client.conversations_info(channel=channel_id)
        except SlackApiError as exc:
            self._note_auth(exc)
            return errors.channel_reason(errors.api_error(exc))
        except errors.NETWORK_ERRORS:
            return "I couldn't reach Slack to check that channel; try again in a minute."
        channel = response.get("channel") or {}
        if channel.get("is_archived"):
            return errors.channel_reason("is_archived")
        if channel.get("is_im"):
            return "Pick a channel, not a direct message."
        if not channel.get("is_member"):
            return errors.channel_reason("not_in_channel")
        return None

    async def _post(self, channel: str, message: Message, workspace: str,
                    placement: Placement) -> None:
        """Post through the pacer; a 429 pushes the channel's and workspace's turns back and
        is retried once through the pacer too (the SDK's own retry would go around it and
        could draw the next 429 for a post the pacer had already let through). When Slack
        cannot fetch a picture (DESKBREAK_PUBLIC_URL not reachable from Slack), the words
        still go out, once, without it."""
        images = placement.images
        for attempt in (1, 2):
            try:
                async with self._pacer.turn(channel, workspace):
                    await self._client.chat_postMessage(channel=channel,
                                                        **to_payload(message, images))
                return
            except SlackApiError as exc:
                if images and errors.api_error(exc) == "invalid_blocks":
                    log.warning("Slack could not show a picture from %s; posting without it",
                                self.files.public_url)
                    async with self._pacer.turn(channel, workspace):
                        await self._client.chat_postMessage(channel=channel,
                                                            **to_payload(message))
                    return
                if exc.response is None or exc.response.status_code != 429:
                    raise
                wait = errors.to_result(exc).retry_after
                self._pacer.push_back(channel, wait if wait is not None else 1.0, workspace)
                if attempt == 2 or (wait is not None and wait > MAX_INLINE_WAIT_SECONDS):
                    raise

    async def prepare(self, targets: Sequence[Target]) -> None:
        """The batch's stored DM channel ids in one read (see ``DmChannelCache.warm``)."""
        await self._dm_channels.warm(_person(t.workspace_id, t.id) for t in targets
                                     if t.kind is TargetKind.DM)

    async def _dm_channel(self, team_id: str, user_id: str) -> str:
        return await self._dm_channels.get(_person(team_id, user_id))

    async def dm_channel(self, team_id: str, user_id: str) -> str:
        """The person's DM channel with the bot (cached): where guided runs are shown."""
        return await self._dm_channel(team_id, user_id)

    async def _open_dm(self, person: str) -> str:
        """The bot token belongs to one workspace, so only the user id goes to Slack."""
        user_id = person.rpartition(":")[2]
        response = await self._client.conversations_open(users=user_id)
        return str((response.get("channel") or {})["id"])

    def _failed(self, exc: SlackApiError, target_id: str) -> DeliveryResult:
        self._note_auth(exc)
        if self._auth_failed:
            return self._token_problem()
        result = errors.to_result(exc)
        log.info(
            "Slack refused a delivery to %s: %s -> %s", target_id, result.detail, result.status
        )
        return result

    def _token_problem(self) -> DeliveryResult:
        """RETRY, not FORBIDDEN: a revoked token is not the channel's or the person's fault,
        so no schedule is paused and no reminder switched off; the ledger gives each slot up
        after the grace period, and a restart with a new token carries on as before."""
        return DeliveryResult(DeliveryStatus.RETRY, detail=self._auth_failed or "auth")

    def _note_auth(self, exc: SlackApiError) -> None:
        if errors.is_auth_error(exc) and errors.api_error(exc) not in (
            "missing_scope",
            "no_permission",
        ):
            if self._auth_failed is None:
                log.error(
                    "Slack rejected the bot token (%s): scheduled Slack posts are stopped until "
                    "SLACK_BOT_TOKEN is replaced and deskbreak restarted.",
                    errors.api_error(exc),
                )
            self._auth_failed = errors.api_error(exc)


def _person(team_id: str, user_id: str) -> str:
    """The DM cache's person: its kv rows stay ``dm:{team_id}:{user_id}`` as before."""
    return f"{team_id}:{user_id}"
