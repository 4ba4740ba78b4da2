"""Who this scheduler is among several sharing one database, and what it may claim.

An instance id is ``lineage/pid:random``. The *lineage* is the host (or
``DESKBREAK_INSTANCE_NAME``) plus the Discord shards the process runs: it is what survives a
restart of the same deployment slot. The pid and random tail make every *start* unique, so
two live processes never share leases.

At start-up a process takes back at once the in-flight sends its own lineage left behind
(a restart after a crash) instead of waiting for their lease to run out. That matters because
Discord drops a repeated nonce only "within the past few minutes": resending the dead run's
in-flight posts seconds after it died is de-duplicated by Discord, resending them after a
two-minute lease may not be. Other lineages' leftovers (another host, other shards) are still
taken over only when their lease runs out, as any neighbour would.
"""

from __future__ import annotations

import os
import re
import secrets
import socket
from collections.abc import Iterable
from datetime import timedelta

from bot.settings import ShardSettings
from bot.storage.scope import ClaimScope

LEASE_OWNER_MAX = 64  # the lease_owner column's width
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def lineage(shard_ids: Iterable[int] | None = None, name: str | None = None) -> str:
    """``host[:s0.1]``: what a restart of the same deployment slot has in common with its
    previous life (``name`` replaces the host, e.g. for Kubernetes pods with random names)."""
    ids = sorted(shard_ids or ())
    shards = "" if not ids else ":s" + ".".join(str(i) for i in ids)
    if len(shards) > 20:  # many shards in one process: first-last is enough to read
        shards = f":s{ids[0]}-{ids[-1]}"
    base = _UNSAFE.sub("-", name or socket.gethostname()) or "deskbreak"
    room = LEASE_OWNER_MAX - len(shards) - 18  # "/" + pid (<= 7) + ":" + 8 hex, with a spare
    return base[:room] + shards


def new_instance_id(shard_ids: Iterable[int] | None = None, name: str | None = None) -> str:
    """``lineage/pid:random``: unique per process start, readable in the database."""
    return f"{lineage(shard_ids, name)}/{os.getpid()}:{secrets.token_hex(4)}"


def claim_scope(platforms: Iterable[str], shards: ShardSettings, lease: timedelta) -> ClaimScope:
    """This process's share: its notifiers' platforms and, for Discord, its shards.

    Another shard's schedule is taken over once it is overdue by one lease: by then a live
    owner would long have claimed it (it ticks every few seconds), so only a dead or stuck
    owner's rows qualify, and the takeover bound is about lease + tick.
    """
    count = shards.count
    ids: Iterable[int] | None = shards.ids
    if count is not None and ids is None:
        ids = range(count)
    return ClaimScope.build(platforms, count, ids, takeover_after=lease)
