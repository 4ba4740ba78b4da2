"""Decide, for each request, whether the person is a deskbreak admin in their workspace.

The answer comes only from Slack (users.info ``is_admin``/``is_owner``) or from the operator's
SLACK_ADMIN_IDS (user ids, or user-group ids resolved with usergroups.users.list), never from
the command text. Answers are cached briefly so a burst of commands costs one lookup, while a
demoted admin loses access within minutes.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.web.async_client import AsyncWebClient

from bot.adapters.slack.errors import NETWORK_ERRORS
from bot.core.clock import Clock

log = logging.getLogger(__name__)

DEFAULT_TTL = timedelta(minutes=5)
ADMIN_CHECK_FAILED = "I couldn't check your admin rights with Slack; try again in a minute."
# Answers that settle the question (fail closed: not an admin). Anything else (an HTML error
# page, a rate limit, a network failure) means Slack could not say.
_DEFINITE = frozenset(
    {"user_not_found", "user_not_visible", "no_such_subteam", "subteam_not_found"})


# No answer at all: the network, the SDK giving up, a body that is not JSON.
_NO_ANSWER: tuple[type[BaseException], ...] = (*NETWORK_ERRORS, SlackClientError, ValueError)


class AdminCheckFailed(Exception):  # noqa: N818 - an outcome the listener answers
    """Slack could not say whether the person is an admin; already logged, in one line."""


def _slack_error(exc: SlackApiError) -> str:
    """Slack's error code, or what came back instead of one (an HTML page has no JSON)."""
    data = getattr(exc.response, "data", None)
    if isinstance(data, dict) and data.get("error"):
        return str(data["error"])
    return f"HTTP {getattr(exc.response, 'status_code', '?')} without a Slack answer"


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
        response = await self._ask("users.info", user_id, self._client.users_info, user=user_id)
        if response is None:
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
        response = await self._ask("usergroups.users.list", group_id,
                                   self._client.usergroups_users_list, usergroup=group_id)
        if response is None:
            return frozenset()
        members = frozenset(response.get("users") or [])
        self._put(key, members)
        return members

    async def _ask(self, method: str, about: str, call: Callable[..., Awaitable[Any]],
                   **args: str) -> Any | None:
        """Slack's answer; None when Slack says no such person or group (fail closed).

        Raises :class:`AdminCheckFailed` (after one warning line, no traceback) when Slack
        gave no usable answer: the person is then told to try again rather than refused as
        a non-admin or shown "something went wrong".
        """
        try:
            return await call(**args)
        except SlackApiError as exc:
            reason = _slack_error(exc)
            if reason in _DEFINITE:
                log.info("%s for %s: %s", method, about, reason)
                return None
        except _NO_ANSWER as exc:
            reason = f"{type(exc).__name__}: {exc}".strip().splitlines()[0][:200]
        log.warning("couldn't check admin rights: %s failed for %s (%s)", method, about, reason)
        raise AdminCheckFailed(reason)
