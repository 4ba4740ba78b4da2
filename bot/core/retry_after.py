"""Reading a platform's ``Retry-After``: one parser for every adapter and the scheduler.

The header comes from the network, so it is input like any other: besides numbers of
seconds it may hold an HTTP date, garbage, a negative number, ``nan`` or ``inf``. Python's
``float()`` accepts the last three, and ``timedelta(seconds=nan)`` raises, so a hostile or
broken proxy could turn a rate limit into a crash of the send path. Anything that is not a
finite, non-negative number is no hint at all (the caller's own backoff applies), and a
huge one is capped so that ``now + wait`` stays a representable time.
"""

from __future__ import annotations

import math

MAX_RETRY_AFTER_SECONDS = 24 * 60 * 60.0  # longer than any grace window: the send fails


def parse_retry_after(value: object) -> float | None:
    """Seconds to wait, or None when ``value`` is not a usable number of seconds."""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        return None
    try:
        seconds = float(value)
    except ValueError:  # an HTTP date, garbage
        return None
    if not math.isfinite(seconds) or seconds < 0:
        return None
    return min(seconds, MAX_RETRY_AFTER_SECONDS)
