"""What the dashboard asks a chat platform: which workspaces the bot is in, their channels,
and whether a person may administer one.

Each platform answers from the bot's own view of it (Discord: the bot's guild cache and a
member lookup with the bot token; Slack: the bot token's workspace and users.info), never from
what the person's browser or OAuth grant claims. :class:`Access` caches the admin answer for a
short TTL, so a page load costs no platform call most of the time while someone who loses
Manage Server (or Slack admin) loses the dashboard within that TTL.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from bot.core.clock import Clock
from bot.core.ports import Platform

# How long an "is this person an admin here" answer is trusted; the issue allows at most 5 min.
ACCESS_TTL = timedelta(seconds=60)
MAX_CACHED = 10_000


@dataclass(frozen=True, slots=True)
class Workspace:
    platform: Platform
    id: str
    name: str

    @property
    def path(self) -> str:
        """The URL prefix of this workspace's pages."""
        return f"/w/{self.platform}/{self.id}"


@dataclass(frozen=True, slots=True)
class Channel:
    id: str
    name: str


class Directory(Protocol):
    platform: Platform

    async def workspace(self, workspace_id: str) -> Workspace | None:
        """The workspace if the bot is in it, else None."""
        ...

    async def is_admin(self, workspace_id: str, user_id: str) -> bool:
        """Whether the person may change schedules there, asked of the platform now."""
        ...

    async def channels(self, workspace_id: str) -> list[Channel]:
        """Channels the bot can post in, in the platform's order (for the schedule form)."""
        ...

    async def channel_names(self, workspace_id: str, ids: set[str]) -> dict[str, str]:
        """Names of the given channel ids where known; unknown ids are left out."""
        ...


@dataclass(slots=True)
class _Answer:
    allowed: bool
    expires: datetime


class Access:
    """``allowed(...)`` = the bot is in the workspace and the person is an admin there, cached
    per (platform, workspace, person) for ``ttl``."""

    def __init__(self, clock: Clock, ttl: timedelta = ACCESS_TTL) -> None:
        if ttl > timedelta(minutes=5):
            raise ValueError("an admin check may be trusted for at most 5 minutes")
        self._clock = clock
        self._ttl = ttl
        self._answers: dict[tuple[str, str, str], _Answer] = {}

    async def allowed(self, directory: Directory, workspace_id: str, user_id: str) -> bool:
        key = (str(directory.platform), workspace_id, user_id)
        now = self._clock.now()
        hit = self._answers.get(key)
        if hit is not None and hit.expires > now:
            return hit.allowed
        allowed = (
            await directory.workspace(workspace_id) is not None
            and await directory.is_admin(workspace_id, user_id)
        )
        if len(self._answers) >= MAX_CACHED:
            self._answers = {k: v for k, v in self._answers.items() if v.expires > now}
        self._answers[key] = _Answer(allowed, now + self._ttl)
        return allowed
