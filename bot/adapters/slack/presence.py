"""Slack's side of the presence port: Do Not Disturb, away, and a busy status.

Three Web API methods say whether a person is free (scopes in deploy/slack-manifest.yaml):

* ``dnd.info`` (one person, Tier 3) and ``dnd.teamInfo`` (up to 50 people, Tier 2), scope
  ``dnd:read``: a DND window in progress or a snooze; its end is known, so a held nudge is
  released right when it ends;
* ``users.getPresence`` (Tier 3), scope ``users:read``: "away";
* ``users.profile.get`` (Tier 4), scope ``users.profile:read``: the status emoji and text,
  matched against :class:`bot.meetings.statuses.StatusRules` (":spiral_calendar_pad: In a
  meeting", out of office, ...); its expiry is the hold's known end.

**Within Slack's rate tiers.** Slack limits each method per workspace per minute (Tier 2: 20,
Tier 3: 50, Tier 4: 100). :class:`RateWindow` keeps the calls of the last 60 seconds per
(workspace, method) and never starts one more than the tier allows; a check that does not
fit is simply not made, and that signal counts as UNKNOWN (deliver). A 429 pauses the method
for its ``Retry-After``. Batches use ``dnd.teamInfo``, so DND for a fan-out of 2,000 people
costs 40 calls. A missing scope (an install from before this feature) is logged once per
method and that method is left alone for an hour; the other signals still work.

The client given here should not wait out 429s itself (the adapter's main client sleeps up to
30 s on one): build it with :func:`presence_client`. :meth:`SlackPresence.open` gives it one
HTTP session for all its calls (the platform opens it on start and closes it on stop).
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Awaitable, Callable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import AsyncConnectionErrorRetryHandler
from slack_sdk.web.async_client import AsyncWebClient

from bot.adapters.slack.client import close_session, open_session
from bot.adapters.slack.errors import NETWORK_ERRORS, api_error
from bot.core.clock import Clock
from bot.core.retry_after import parse_retry_after
from bot.meetings.presence import Presence, PresenceState
from bot.meetings.statuses import StatusRules

log = logging.getLogger(__name__)

# Calls per minute per workspace: https://api.slack.com/docs/rate-limits (each method's page
# names its tier: dnd.info Tier 3, dnd.teamInfo Tier 2, users.getPresence Tier 3,
# users.profile.get Tier 4).
TIERS: dict[str, int] = {
    "dnd.info": 50,
    "dnd.teamInfo": 20,
    "users.getPresence": 50,
    "users.profile.get": 100,
}
TEAM_INFO_BATCH = 50
WINDOW = timedelta(minutes=1)
MISSING_SCOPE_PAUSE = timedelta(hours=1)
_SCOPE_ERRORS = frozenset({"missing_scope", "not_allowed_token_type", "no_permission"})


def presence_client(token: str, *, base_url: str = AsyncWebClient.BASE_URL) -> AsyncWebClient:
    """A Web API client for presence checks: retries a dropped connection, never sleeps on a
    429 (the check is skipped instead, and the nudge goes out)."""
    if not base_url.endswith("/"):
        base_url += "/"
    return AsyncWebClient(token=token, base_url=base_url,
                          retry_handlers=[AsyncConnectionErrorRetryHandler()])


class RateWindow:
    """At most ``TIERS[method]`` calls per (workspace, method) in any 60 seconds."""

    def __init__(self, clock: Clock, tiers: Mapping[str, int] | None = None) -> None:
        self._clock = clock
        self._tiers = dict(TIERS if tiers is None else tiers)
        self._calls: dict[tuple[str, str], deque[datetime]] = {}
        self._paused: dict[tuple[str, str], datetime] = {}

    def take(self, team_id: str, method: str) -> bool:
        """Spend one call if the method's tier allows it now."""
        now = self._clock.now()
        key = (team_id, method)
        until = self._paused.get(key)
        if until is not None:
            if now < until:
                return False
            del self._paused[key]
        calls = self._calls.setdefault(key, deque())
        while calls and now - calls[0] >= WINDOW:
            calls.popleft()
        if len(calls) >= self._tiers.get(method, 20):
            return False
        calls.append(now)
        return True

    def pause(self, team_id: str, method: str, seconds: float) -> None:
        until = self._clock.now() + timedelta(seconds=seconds)
        key = (team_id, method)
        self._paused[key] = max(self._paused.get(key, until), until)


class SlackPresence:
    """Implements :class:`bot.meetings.presence.PresenceSource` for one Slack app."""

    def __init__(
        self,
        client: AsyncWebClient,
        clock: Clock,
        rules: StatusRules | None = None,
        *,
        window: RateWindow | None = None,
        concurrency: int = 8,
    ) -> None:
        self._client = client
        self._clock = clock
        self._rules = rules or StatusRules()
        self.window = window or RateWindow(clock)
        self._slots = asyncio.Semaphore(concurrency)
        self._warned: set[str] = set()

    def open(self) -> None:
        """One HTTP session for every check (``client.open_session``): a fan-out's checks,
        three methods per person, had spent most of their CPU connecting."""
        open_session(self._client)

    async def close(self) -> None:
        await close_session(self._client)

    async def statuses(self, workspace_id: str, user_ids: Sequence[str]
                       ) -> dict[str, Presence]:
        users = list(dict.fromkeys(user_ids))
        dnd = await self._dnd(workspace_id, users)
        away, status = await asyncio.gather(
            self._each(workspace_id, users, self._away),
            self._each(workspace_id, users, self._status),
        )
        return {u: Presence.combine([dnd[u], away[u], status[u]]) for u in users}

    # -- Do Not Disturb ------------------------------------------------------------------

    async def _dnd(self, team_id: str, users: list[str]) -> dict[str, Presence]:
        found = {u: Presence.unknown() for u in users}
        if len(users) == 1:
            data = await self._call(team_id, "dnd.info", user=users[0])
            if data is not None:
                found[users[0]] = self._dnd_state(data)
            return found
        for start in range(0, len(users), TEAM_INFO_BATCH):
            chunk = users[start:start + TEAM_INFO_BATCH]
            data = await self._call(team_id, "dnd.teamInfo", users=",".join(chunk))
            by_user = (data or {}).get("users") or {}
            for user_id in chunk:
                if isinstance(by_user.get(user_id), dict):
                    found[user_id] = self._dnd_state(by_user[user_id])
        return found

    def _dnd_state(self, data: Mapping[str, Any]) -> Presence:
        now = self._clock.now()
        if data.get("snooze_enabled"):
            until = _ts(data.get("snooze_endtime"))
            if until is None or until > now:
                return Presence(PresenceState.DO_NOT_DISTURB, until, "notifications paused")
        if data.get("dnd_enabled"):
            start, end = _ts(data.get("next_dnd_start_ts")), _ts(data.get("next_dnd_end_ts"))
            if start is not None and end is not None and start <= now < end:
                return Presence(PresenceState.DO_NOT_DISTURB, end, "do not disturb hours")
        return Presence.available()

    # -- away and status ------------------------------------------------------------------

    async def _each(self, team_id: str, users: list[str],
                    one: Callable[[str, str], Awaitable[Presence]]) -> dict[str, Presence]:
        answers = await asyncio.gather(*(one(team_id, u) for u in users))
        return dict(zip(users, answers, strict=True))

    async def _away(self, team_id: str, user_id: str) -> Presence:
        data = await self._call(team_id, "users.getPresence", user=user_id)
        if data is None:
            return Presence.unknown()
        if data.get("presence") == "away":
            return Presence(PresenceState.AWAY, detail="away")
        return Presence.available()

    async def _status(self, team_id: str, user_id: str) -> Presence:
        data = await self._call(team_id, "users.profile.get", user=user_id)
        if data is None:
            return Presence.unknown()
        profile = data.get("profile") or {}
        emoji, text = str(profile.get("status_emoji") or ""), str(profile.get("status_text") or "")
        expires = _ts(profile.get("status_expiration"))
        if expires is not None and expires <= self._clock.now():
            return Presence.available()  # an expired status Slack has not cleared yet
        rule = self._rules.match(emoji, text)
        if rule is None:
            return Presence.available()
        return Presence(rule.state, expires, f"{emoji} {text}".strip())

    # -- the Web API ------------------------------------------------------------------------

    async def _call(self, team_id: str, method: str, **params: str) -> dict[str, Any] | None:
        """The method's answer, or None when it could not (or may not, by tier) be asked."""
        if not self.window.take(team_id, method):
            return None
        try:
            async with self._slots:
                response = await self._client.api_call(method, http_verb="GET", params=params)
        except SlackApiError as exc:
            self._refused(team_id, method, exc)
            return None
        except NETWORK_ERRORS as exc:
            log.info("Slack unreachable for %s: %s", method, type(exc).__name__)
            return None
        data = response.data
        return data if isinstance(data, dict) else None

    def _refused(self, team_id: str, method: str, exc: SlackApiError) -> None:
        code = api_error(exc)
        status = exc.response.status_code if exc.response is not None else 0
        if status == 429 or code == "ratelimited":
            headers = exc.response.headers if exc.response is not None else {}
            wait = parse_retry_after(headers.get("Retry-After") or headers.get("retry-after"))
            self.window.pause(team_id, method, 60.0 if wait is None else wait)
            log.info("Slack rate-limited %s in %s; skipping it for now", method, team_id)
        elif code in _SCOPE_ERRORS:
            self.window.pause(team_id, method, MISSING_SCOPE_PAUSE.total_seconds())
            if method not in self._warned:
                self._warned.add(method)
                log.warning(
                    "Slack refused %s (%s): reinstall the app with the scopes in "
                    "deploy/slack-manifest.yaml (dnd:read, users:read, users.profile:read) "
                    "so nudges can wait for meetings; until then that check is skipped",
                    method, code)
        else:
            log.info("Slack refused %s: %s", method, code)


def _ts(value: Any) -> datetime | None:
    """A Slack Unix timestamp (0 or missing: none)."""
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        return None
    if seconds <= 0:
        return None
    return datetime.fromtimestamp(seconds, UTC)
