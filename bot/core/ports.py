"""The interfaces (ports) between the core and the outside world.

The core and the scheduler talk to platforms only through these types. Each adapter
(console, Discord, Slack) implements :class:`Notifier` and calls the services with an
:class:`Actor`; nothing here knows which platform is on the other side.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol, runtime_checkable

from bot.core.messages import Message


class Platform(StrEnum):
    CONSOLE = "console"
    DISCORD = "discord"
    SLACK = "slack"


@dataclass(frozen=True, slots=True)
class Actor:
    """Who is asking.

    ``is_admin`` is computed by the adapter from what the platform itself reports for this
    request (Discord: the interaction's resolved Manage Server permission; Slack: users.info
    admin/owner or the configured admin list), never from anything the user typed. The core
    re-checks it for every admin operation.
    """

    platform: Platform
    workspace_id: str  # Discord guild id, Slack team id, "console" for the console
    user_id: str
    is_admin: bool = False
    display_name: str = ""


class TargetKind(StrEnum):
    CHANNEL = "channel"
    DM = "dm"


@dataclass(frozen=True, slots=True)
class Target:
    """Where a delivery goes: a channel in a workspace, or one person's DMs."""

    platform: Platform
    workspace_id: str
    kind: TargetKind
    id: str  # channel id for CHANNEL, user id for DM

    @property
    def key(self) -> str:
        """A stable string key, used for rotation state and the delivery ledger."""
        return f"{self.platform}:{self.workspace_id}:{self.kind}:{self.id}"


class DeliveryStatus(StrEnum):
    SENT = "sent"
    # The platform refused for good (403 on a channel, closed DMs, unknown channel): do not
    # retry this target; the scheduler pauses what feeds it and tells an admin once.
    FORBIDDEN = "forbidden"
    DM_CLOSED = "dm_closed"
    NOT_FOUND = "not_found"
    # The platform refused this message itself (malformed, too long): resending it cannot
    # help, but the target is fine, so only this delivery fails; nothing is paused.
    REJECTED = "rejected"
    # Try again later (429 beyond our pacing, 5xx, network error); the slot stays pending.
    RETRY = "retry"


@dataclass(frozen=True, slots=True)
class Delivery:
    """One message owed to one target for one slot.

    ``nonce`` is derived from the ledger row, so a resend after a crash carries the same nonce
    and a platform that supports it (Discord's ``enforce_nonce``) drops the duplicate.
    """

    ledger_id: int
    target: Target
    nonce: str
    source: str  # e.g. "schedule:12" or "reminder:34"


@dataclass(frozen=True, slots=True)
class DeliveryResult:
    status: DeliveryStatus
    detail: str = ""
    retry_after: float | None = None


class KeyValue(Protocol):
    """A small persistent, namespaced string map (the Store's ``kv`` table); adapters keep
    things like DM channel ids in it without depending on the whole storage layer."""

    async def kv_get(self, namespace: str, key: str) -> str | None: ...

    async def kv_get_many(self, namespace: str, keys: Sequence[str]) -> dict[str, str]:
        """The stored values of those of ``keys`` that have one (one query, not one each)."""
        ...

    async def kv_set(self, namespace: str, key: str, value: str) -> None: ...


class Notifier(Protocol):
    """Implemented once per platform adapter; the scheduler's only way out."""

    platform: Platform
    # Whether the platform drops a resend carrying the same ``Delivery.nonce`` (Discord's
    # ``enforce_nonce``). Only then may the scheduler batch its "sent" marks: a crash before
    # a batched mark means a resend, which such a platform drops and any other would repeat.
    dedupes_resends: bool

    async def deliver(self, delivery: Delivery, message: Message) -> DeliveryResult:
        """Send ``message`` to ``delivery.target``; never raise for platform refusals."""
        ...

    async def notify_admin(
        self, workspace_id: str, channel_id: str | None, message: Message
    ) -> None:
        """Tell a workspace's admins something once (e.g. a schedule paused after a 403)."""
        ...

    async def check_channel(self, workspace_id: str, channel_id: str) -> str | None:
        """Return None when the bot can post in the channel, else a reason a person can act on."""
        ...


@runtime_checkable
class PreparesTargets(Protocol):
    """A notifier that can get ready for a batch of sends at once (the DM channel ids of a
    fan-out read in one query); the dispatcher calls it, when a notifier has it, before a
    claimed batch's sends start. Never raises: a send still finds its own way."""

    async def prepare(self, targets: Sequence[Target]) -> None: ...
