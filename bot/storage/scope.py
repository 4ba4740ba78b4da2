"""Which due rows one process may claim when several share one database.

Three rules, each chosen so that no coordination beyond the rows themselves is needed:

- **Platform.** A process claims only rows of the platforms it has a notifier for; a
  Discord-only process never leases (and then fails to send) a Slack row.
- **Shards.** A Discord channel schedule belongs to the process running its guild's gateway
  shard, ``(guild_id >> 22) % shard_count`` (Discord's own formula): that process has the
  guild's cache and answers its commands. Slack and console rows are unaffected.
- **Takeover.** Shard ownership is a preference, not a wall: a schedule whose ``next_due`` is
  more than ``takeover_after`` in the past is claimable by *any* process of its platform,
  because its owner is evidently not taking it (dead, or hopelessly behind). Sending needs
  only REST, not the owner's gateway, so a live process can deliver for a dead one. The
  lease on the row and the ledger's unique ``(source, slot, target)`` keep this race-free.

Personal reminders are DMs and need no guild, so they carry no shard rule: every process
of the platform takes a disjoint share through leased claims (``FOR UPDATE SKIP LOCKED``).
Leases rather than a fixed partition (say ``id % instances``) because a partition needs every
process to agree on who is alive; a lease needs nothing but a clock, and an expired one is
taken over by whoever ticks next.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta

DISCORD = "discord"
DEFAULT_TAKEOVER = timedelta(minutes=2)


def shard_of(guild_id: int, shard_count: int) -> int:
    """The gateway shard that receives ``guild_id``'s events (Discord's sharding formula)."""
    return (guild_id >> 22) % shard_count


@dataclass(frozen=True, slots=True)
class ClaimScope:
    """What one process claims. The default (no platforms, no shards) claims everything."""

    platforms: frozenset[str] | None = None
    shard_count: int | None = None
    shard_ids: frozenset[int] | None = None
    takeover_after: timedelta = DEFAULT_TAKEOVER

    @classmethod
    def build(
        cls,
        platforms: Iterable[str] | None,
        shard_count: int | None = None,
        shard_ids: Iterable[int] | None = None,
        takeover_after: timedelta = DEFAULT_TAKEOVER,
    ) -> ClaimScope:
        """Normalise settings: shards only matter with Discord and when not all are ours."""
        plats = None if platforms is None else frozenset(str(p) for p in platforms)
        ids = None if shard_ids is None else frozenset(shard_ids)
        if shard_count is not None and shard_count < 1:
            raise ValueError("shard_count must be at least 1")
        if ids is not None and shard_count is not None and any(
            not 0 <= i < shard_count for i in ids
        ):
            raise ValueError(f"shard ids {sorted(ids)} must be below shard_count {shard_count}")
        sharded = (
            shard_count is not None
            and shard_count > 1
            and ids is not None
            and ids != frozenset(range(shard_count))
            and (plats is None or DISCORD in plats)
        )
        if not sharded:
            return cls(plats, None, None, takeover_after)
        return cls(plats, shard_count, ids, takeover_after)

    @property
    def sharded(self) -> bool:
        return self.shard_count is not None and self.shard_ids is not None


EVERYTHING = ClaimScope()
