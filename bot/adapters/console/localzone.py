"""The console's time zone: the computer's own, unless someone chose another.

A chat workspace starts on UTC until an admin sets its zone, because its members are
anywhere. The console has one person, sitting at this computer: "09:00-17:00" must mean
their 09:00, so the console workspace (and so the console person, who follows it unless
they ran /remind timezone) starts on the local zone: the TZ variable, else the system's.

The zone the console put there itself is remembered, so a later start on a computer in
another zone follows it again, while a zone set with /config timezone is left alone.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from bot.core.clock import Clock
from bot.core.ports import Platform
from bot.scheduling.commands import set_workspace_zone
from bot.storage import Store

KV_NAMESPACE = "console"
KV_FOLLOWED = "followed_zone"  # the local zone the console last set by itself
FALLBACK = "UTC"


def local_zone_name(env: Mapping[str, str] | None = None) -> str:
    """This computer's zone: ``TZ`` when it names a zone, else the system zone, else UTC."""
    env = os.environ if env is None else env
    raw = env.get("TZ", "").strip().removeprefix(":")
    if raw:
        key = raw.split("zoneinfo/", 1)[1] if "zoneinfo/" in raw else raw
        if _is_zone(key):
            return key
    try:
        import tzlocal

        name = tzlocal.get_localzone_name()
    except Exception:  # an unreadable system zone is "unknown", never a crash
        name = None
    return name if name and _is_zone(name) else FALLBACK


def _is_zone(key: str) -> bool:
    if key.startswith("/") or ".." in key:
        return False
    try:
        ZoneInfo(key)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return key in available_timezones() or key == FALLBACK


@dataclass(frozen=True, slots=True)
class ConsoleZone:
    zone: str  # the zone the console's times are in
    local: str  # this computer's zone
    followed: bool  # the console follows the computer (nobody chose another zone)

    def describe(self) -> str:
        if self.followed:
            return (f"Times are in {self.zone}, this computer's time zone"
                    " (/config timezone changes it).")
        return (f"Times are in {self.zone}, set with /config timezone"
                f" (this computer is on {self.local}).")


async def adopt_local_zone(
    store: Store, clock: Clock, workspace_id: str, env: Mapping[str, str] | None = None
) -> ConsoleZone:
    """Put the console workspace on the local zone unless someone chose one; say which."""
    local = local_zone_name(env)
    platform = Platform.CONSOLE.value
    key = f"{KV_FOLLOWED}:{workspace_id}"
    current = (await store.get_workspace(platform, workspace_id)).timezone
    followed = await store.kv_get(KV_NAMESPACE, key)
    # Ours to move: the zone the console set last time, or the default nobody changed.
    if current != (followed or FALLBACK):
        return ConsoleZone(current, local, followed=False)
    if current != local:
        await set_workspace_zone(store, platform, workspace_id, ZoneInfo(local), clock.now())
    await store.kv_set(KV_NAMESPACE, key, local)
    return ConsoleZone(local, local, followed=True)
