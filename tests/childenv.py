"""The environment a test gives a child `deskbreak` process.

The caller's own deskbreak and platform settings are dropped so a developer's shell can't steer
a test, and the dashboard is off unless a test asks for it: `deskbreak run` serves it on
127.0.0.1:8080 by default, and whatever else holds that port on the machine (another checkout's
bot, a second test run) must not change what a test sees.
"""

from __future__ import annotations

import os

PLATFORM_PREFIXES = ("DESKBREAK_", "DISCORD_", "SLACK_")


def child_env(*, drop: tuple[str, ...] = (), **overrides: str) -> dict[str, str]:
    """os.environ without deskbreak/platform settings (and ``drop`` prefixes), dashboard off,
    then ``overrides``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(PLATFORM_PREFIXES + drop)}
    env["DESKBREAK_WEB_PORT"] = "0"
    env.update(overrides)
    return env
