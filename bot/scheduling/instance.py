"""Who this scheduler is among several sharing one database, and what it may claim.

The instance id names this process's leases. It is unique per *start* (host, pid and a random
suffix): a restarted process must not pick up a live neighbour's in-flight sends just because
it shares a name, so it only gets its previous life's work once those leases run out, like
any other process would. The host and pid are there for the operator reading lease owners.
"""

from __future__ import annotations

import os
import secrets
import socket
from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from bot.storage.scope import ClaimScope

LEASE_OWNER_MAX = 64  # the lease_owner column's width
DEFAULT_LEASE = timedelta(minutes=2)


def new_instance_id(shard_ids: Iterable[int] | None = None) -> str:
    """``host:pid[:s0.1]:random`` — unique per process start, readable in the database."""
    ids = sorted(shard_ids or ())
    shards = "" if not ids else ":s" + ".".join(str(i) for i in ids)
    if len(shards) > 20:  # many shards in one process: first-last is enough to read
        shards = f":s{ids[0]}-{ids[-1]}"
    suffix = f"{os.getpid()}{shards}:{secrets.token_hex(4)}"
    host = socket.gethostname()[: max(0, LEASE_OWNER_MAX - len(suffix) - 1)]
    return f"{host}:{suffix}"[-LEASE_OWNER_MAX:]  # the random tail is what must survive


def lease_from(settings: Any) -> timedelta:
    """The lease length from settings (``lease_seconds``), else two minutes."""
    seconds = getattr(settings, "lease_seconds", None)
    return DEFAULT_LEASE if seconds is None else timedelta(seconds=float(seconds))


def claim_scope(platforms: Iterable[str], settings: Any, lease: timedelta) -> ClaimScope:
    """This process's share: its notifiers' platforms and, for Discord, its shards.

    Another shard's schedule is taken over once it is overdue by one lease: by then a live
    owner would long have claimed it (it ticks every few seconds), so only a dead or stuck
    owner's rows qualify, and the takeover bound is about lease + tick.
    """
    count = getattr(settings, "shard_count", None)
    ids = getattr(settings, "shard_ids", None)
    if count is not None and ids is None:
        ids = range(count)
    return ClaimScope.build(platforms, count, ids, takeover_after=lease)
