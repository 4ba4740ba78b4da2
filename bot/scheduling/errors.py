"""The one error type every schedule parser raises.

Its message is shown to the person who typed the input, so it says what was wrong and how to
fix it; callers can catch ``ScheduleError`` alone and never see a ``TypeError`` or ``KeyError``
leak out of hostile input.
"""

from __future__ import annotations


class ScheduleError(ValueError):
    """Bad schedule input; ``str(error)`` is a user-facing explanation."""
