"""Translate between stored rows (``Spec``, zone names, "HH:MM") and live recurrence objects.

Parsing is cached: the scheduler rebuilds the recurrence of every due row on every tick, and
the same few specs repeat across thousands of rows.
"""

from __future__ import annotations

import logging
from datetime import time
from functools import lru_cache
from zoneinfo import ZoneInfo

from bot.scheduling.recurrence import Recurrence, build_recurrence, parse_cron, parse_timezone
from bot.storage.records import Spec

log = logging.getLogger(__name__)
UTC_ZONE = ZoneInfo("UTC")


@lru_cache(maxsize=4096)
def recurrence_for(spec: Spec) -> Recurrence:
    """The recurrence a stored spec describes (specs were validated when they were saved)."""
    if spec.cron:
        return parse_cron(spec.cron)
    days = [int(d) for d in spec.days.split(",")] if spec.days else None
    return build_recurrence(every=spec.every_minutes, start=spec.start, end=spec.end, days=days)


def spec_of(recurrence: Recurrence) -> Spec:
    """The storable form of a recurrence: cron text, or every/start/end plus day numbers."""
    if recurrence.kind == "cron":
        return Spec(cron=recurrence.expression)
    assert recurrence.start is not None and recurrence.end is not None
    assert recurrence.weekdays is not None
    return Spec(
        every_minutes=recurrence.every_minutes,
        start=f"{recurrence.start:%H:%M}",
        end=f"{recurrence.end:%H:%M}",
        days=",".join(str(d) for d in sorted(recurrence.weekdays)),
    )


@lru_cache(maxsize=1024)
def zone(name: str | None) -> ZoneInfo:
    """A stored zone name as a ZoneInfo; an unknown one (tzdata changed) falls back to UTC."""
    if not name:
        return UTC_ZONE
    try:
        return parse_timezone(name)
    except ValueError:
        log.warning("unknown stored time zone %r; using UTC", name)
        return UTC_ZONE


def hhmm(text: str | None) -> time | None:
    return None if text is None else time.fromisoformat(text)
