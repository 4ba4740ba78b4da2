"""Slack's directory for the admin dashboard (bot/web): the bot token's own workspace, its
channels, and the same admin rule as the slash commands (workspace admins and owners, or
SLACK_ADMIN_IDS) through AdminResolver.

Channel lists are cached for a few minutes: conversations.list is a Tier 2 method, and a page
load must not spend one call per channel.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime, timedelta

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.adapters.slack.admins import AdminCheckFailed, AdminResolver
from bot.adapters.slack.errors import NETWORK_ERRORS, api_error
from bot.adapters.slack.notifier import SlackNotifier
from bot.core.clock import Clock
from bot.core.ports import Notifier, Platform
from bot.settings import Settings
from bot.web.directory import Channel, Directory, Workspace

log = logging.getLogger(__name__)

CHANNELS_TTL = timedelta(minutes=5)
_FAILURES: tuple[type[BaseException], ...] = (SlackApiError, *NETWORK_ERRORS)
MAX_CHANNELS = 1000


class SlackDirectory:
    platform = Platform.SLACK

    def __init__(self, client: AsyncWebClient, clock: Clock,
                 admin_ids: Iterable[str] = ()) -> None:
        self._client = client
        self._clock = clock
        # No cache of its own: the dashboard's Access decides how long an answer holds.
        self._admins = AdminResolver(client, clock, list(admin_ids), ttl=timedelta(0))
        self._team: Workspace | None = None
        self._channels: tuple[datetime, list[Channel]] | None = None

    async def _own_team(self) -> Workspace | None:
        if self._team is None:
            try:
                identity = await self._client.auth_test()
            except _FAILURES as exc:
                log.warning("Slack auth.test failed for the dashboard: %s", _reason(exc))
                return None
            self._team = Workspace(Platform.SLACK, str(identity.get("team_id") or ""),
                                   str(identity.get("team") or "Slack workspace"))
        return self._team

    async def team_id(self) -> str | None:
        team = await self._own_team()
        return team.id if team else None

    async def workspace(self, workspace_id: str) -> Workspace | None:
        team = await self._own_team()
        return team if team is not None and team.id == workspace_id else None

    async def is_admin(self, workspace_id: str, user_id: str) -> bool:
        if await self.workspace(workspace_id) is None:
            return False
        try:
            return await self._admins.is_admin(workspace_id, user_id)
        except AdminCheckFailed:  # already logged; the dashboard fails closed
            return False

    async def channels(self, workspace_id: str) -> list[Channel]:
        if await self.workspace(workspace_id) is None:
            return []
        now = self._clock.now()
        if self._channels is not None and self._channels[0] > now:
            return self._channels[1]
        found: list[Channel] = []
        cursor: str | None = None
        try:
            while len(found) < MAX_CHANNELS:
                page = await self._client.conversations_list(
                    types="public_channel,private_channel", exclude_archived=True,
                    limit=200, cursor=cursor)
                found += [Channel(str(c["id"]), str(c.get("name") or c["id"]))
                          for c in page.get("channels") or [] if c.get("is_member")]
                cursor = (page.get("response_metadata") or {}).get("next_cursor") or None
                if not cursor:
                    break
        except _FAILURES as exc:
            log.warning("Slack conversations.list failed for the dashboard: %s", _reason(exc))
            return self._channels[1] if self._channels else []
        found.sort(key=lambda c: c.name)
        self._channels = (now + CHANNELS_TTL, found)
        return found

    async def channel_names(self, workspace_id: str, ids: set[str]) -> dict[str, str]:
        known = {c.id: c.name for c in await self.channels(workspace_id)}
        return {i: known[i] for i in ids if i in known}


def _reason(exc: BaseException) -> str:
    return api_error(exc) if isinstance(exc, SlackApiError) else type(exc).__name__


def directory(notifier: Notifier, clock: Clock, settings: Settings) -> Directory:
    """The dashboard's view of Slack, through the paced WebClient the notifier sends with;
    admins as for the slash commands (SLACK_ADMIN_IDS too)."""
    assert isinstance(notifier, SlackNotifier)
    return SlackDirectory(notifier.client, clock, settings.slack.admin_ids)
