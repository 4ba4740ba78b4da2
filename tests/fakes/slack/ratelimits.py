"""chat.postMessage's rate limits, enforced the way Slack describes them.

Slack documents two limits on posting (https://api.slack.com/apis/rate-limits, "Posting
messages" and the Special tier): about one message per second per channel, with short bursts
over that allowed, and a workspace-wide limit on top, counted per app per workspace. Slack
publishes no exact workspace figure ("several hundred messages per minute" on the method's
page), so the fake takes one as a parameter; :data:`WORKSPACE_PER_MINUTE` is the figure the
benchmark and the bot's pacer both assume.

Both limits are a generic cell rate (a leaky bucket): a key may send when its theoretical
arrival time minus the burst tolerance has passed. That is the strictest reading of "N per
period with short bursts": it refuses a fan-out that bunches up, which a per-minute window
would let through, so a bot that passes here passes under either reading. A refusal is HTTP
429 with a whole-second ``Retry-After``, and counts nothing against either bucket.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

WORKSPACE_PER_MINUTE = 300
CHANNEL_INTERVAL = 1.0
BURST = 3


@dataclass
class _Bucket:
    interval: float
    burst: int
    due: dict[str, float] = field(default_factory=dict)

    def wait(self, key: str, now: float) -> float:
        """Seconds until ``key`` may send again (0 when it may now)."""
        tat = self.due.get(key, now)
        return max(0.0, tat - (self.burst - 1) * self.interval - now)

    def take(self, key: str, now: float) -> None:
        self.due[key] = max(self.due.get(key, now), now) + self.interval


@dataclass
class PostLimits:
    """Per-channel and per-workspace limits on chat.postMessage; ``check`` admits or refuses."""

    workspace_per_minute: int = WORKSPACE_PER_MINUTE
    channel_interval: float = CHANNEL_INTERVAL
    burst: int = BURST
    refusals: int = 0
    admitted: int = 0

    def __post_init__(self) -> None:
        self._channels = _Bucket(self.channel_interval, self.burst)
        self._workspaces = _Bucket(60.0 / self.workspace_per_minute, self.burst)

    def check(self, team: str, channel: str, now: float) -> int | None:
        """None when the post is allowed (and counted); else the Retry-After to answer."""
        wait = max(self._channels.wait(channel, now), self._workspaces.wait(team, now))
        if wait > 0:
            self.refusals += 1
            return max(1, math.ceil(wait))
        self._channels.take(channel, now)
        self._workspaces.take(team, now)
        self.admitted += 1
        return None

    def floor(self, per_workspace: dict[str, int], per_channel: dict[str, int]) -> float:
        """The earliest the last of these posts can be admitted, all asked for at once.

        Per workspace, the first ``burst`` go at once and the rest one interval apart; the
        same per channel. With posts spread over many channels (DMs are one channel each)
        the two bounds do not compete, so the larger of them is the floor.
        """
        bounds = [max(0, n - self.burst) * self._workspaces.interval
                  for n in per_workspace.values()]
        bounds += [max(0, n - self.burst) * self._channels.interval
                   for n in per_channel.values()]
        return max(bounds, default=0.0)
