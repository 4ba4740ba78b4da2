"""Decide, for each request, whether the person is a deskbreak admin in their workspace.

The answer comes only from Slack (users.info ``is_admin``/``is_owner``) or from the operator's
SLACK_ADMIN_IDS (user ids, or user-group ids resolved with usergroups.users.list), never from
the command text. Answers are cached briefly so a burst of commands costs one lookup, while a
demoted admin loses access within minutes.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.core.clock import Clock

log = logging.getLogger(__name__)

DEFAULT_TTL = timedelta(minutes=5)


@dataclass(frozen=True, slots=True)
class _Cached:
    value: bool | frozenset[str]
    expires: datetime


def parse_admin_ids(raw: str | Iterable[str] | None) -> tuple[frozenset[str], frozenset[str]]:
    """Split SLACK_ADMIN_IDS into (user ids, user-group ids); user groups start with ``S``."""
    if raw is None:
        return frozenset(), frozenset()
    items = raw.replace(",", " ").split() if isinstance(raw, str) else list(raw)
    ids = {item.strip() for item in items if item.strip()}
    groups = frozenset(i for i in ids if i.startswith("S"))
    return frozenset(ids - groups), groups


class AdminResolver:
    def __init__(
        self,
        client: AsyncWebClient,
        clock: Clock,
        admin_ids: str | Iterable[str] | None = None,
        ttl: timedelta = DEFAULT_TTL,
    ) -> None:
        self._client = client
        self._clock = clock
        self._users, self._groups = parse_admin_ids(admin_ids)
        self._ttl = ttl
        self._cache: dict[str, _Cached] = {}

    async def is_admin(self, team_id: str, user_id: str) -> bool:
        if user_id in self._users:
            return True
        if await self._workspace_admin(team_id, user_id):
            return True
        for group in sorted(self._groups):
            if user_id in await self._group_members(team_id, group):
                return True
        return False

    def _get(self, key: str) -> bool | frozenset[str] | None:
        hit = self._cache.get(key)
        if hit is None or hit.expires <= self._clock.now():
            return None
        return hit.value

    def _put(self, key: str, value: bool | frozenset[str]) -> None:
        if len(self._cache) > 10_000:
            now = self._clock.now()
            self._cache = {k: v for k, v in self._cache.items() if v.expires > now}
        self._cache[key] = _Cached(value, self._clock.now() + self._ttl)

    async def _workspace_admin(self, team_id: str, user_id: str) -> bool:
        key = f"user:{team_id}:{user_id}"
        cached = self._get(key)
        if isinstance(cached, bool):
            return cached
        try:
            response = await self._client.users_info(user=user_id)
        except SlackApiError as exc:
            # Fail closed: an unknown answer never grants admin rights.
            log.warning("users.info failed for %s: %s", user_id, exc.response.get("error"))
            return False
        user = response.get("user") or {}
        value = bool(user.get("is_admin") or user.get("is_owner") or user.get("is_primary_owner"))
        self._put(key, value)
        return value

    async def _group_members(self, team_id: str, group_id: str) -> frozenset[str]:
        key = f"group:{team_id}:{group_id}"
        cached = self._get(key)
        if isinstance(cached, frozenset):
            return cached
        try:
            response = await self._client.usergroups_users_list(usergroup=group_id)
        except SlackApiError as exc:
            log.warning(
                "usergroups.users.list failed for %s: %s", group_id, exc.response.get("error")
            )
            return frozenset()
        members = frozenset(response.get("users") or [])
        self._put(key, members)
        return members
