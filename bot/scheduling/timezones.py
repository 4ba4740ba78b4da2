"""IANA time-zone lookup for people who type zone names by hand.

Lookup goes through the set of names zoneinfo knows about rather than handing user text to
``ZoneInfo()`` directly: that keeps file-system-looking input away from the tzdata loader,
makes lookups case-insensitive, and lets an unknown name come back with close suggestions.
"""

from __future__ import annotations

import re
import zoneinfo
from functools import cache
from zoneinfo import ZoneInfo

from rapidfuzz import fuzz, process

from bot.scheduling.errors import ScheduleError
from bot.scheduling.inputs import clean_text

MAX_ZONE_NAME_LENGTH = 64
_NOT_ZONES = frozenset({"Factory", "localtime", "posixrules", "leapseconds"})
_ZONE_CHARS = re.compile(r"[A-Za-z0-9_+\-/ ]+", re.ASCII)

# Shown when someone opens the autocomplete without typing anything yet.
POPULAR_ZONES = (
    "UTC",
    "America/New_York",
    "America/Chicago",
    "America/Denver",
    "America/Los_Angeles",
    "America/Sao_Paulo",
    "Europe/London",
    "Europe/Berlin",
    "Europe/Paris",
    "Europe/Madrid",
    "Africa/Lagos",
    "Asia/Kolkata",
    "Asia/Singapore",
    "Asia/Tokyo",
    "Australia/Sydney",
    "Pacific/Auckland",
)


@cache
def timezone_names() -> tuple[str, ...]:
    """Every IANA zone name this machine's tz database knows, sorted."""
    return tuple(sorted(zoneinfo.available_timezones() - _NOT_ZONES))


@cache
def _by_lower() -> dict[str, str]:
    return {name.lower(): name for name in timezone_names()}


@cache
def _load(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def parse_timezone(name: object) -> ZoneInfo:
    """Resolve an IANA zone name case-insensitively (``europe/london`` -> Europe/London)."""
    text = clean_text(name, "time zone", max_length=MAX_ZONE_NAME_LENGTH)
    key = re.sub(r"\s+", "_", text).lower()
    canonical = _by_lower().get(key)
    if canonical is None:
        hint = suggest_timezones(text)
        suffix = f"; did you mean {', '.join(hint)}?" if hint else ""
        raise ScheduleError(
            f"time zone '{text}' is not an IANA zone name like Europe/London{suffix}"
        )
    return _load(canonical)


def suggest_timezones(text: str, limit: int = 3) -> list[str]:
    """Close IANA names for a misspelt one, best first; empty when nothing is close."""
    if not _ZONE_CHARS.fullmatch(text):
        return []
    query = text.replace(" ", "_").lower()
    names = timezone_names()
    choices = [name.lower() for name in names]
    scored = process.extract(query, choices, scorer=fuzz.WRatio, limit=limit, score_cutoff=80)
    return [names[index] for _, _, index in scored]


def search_timezones(text: str, limit: int = 25) -> list[str]:
    """Zone names for autocomplete: prefix matches, then substring matches, then fuzzy ones."""
    if not isinstance(text, str) or limit <= 0:
        return []
    query = re.sub(r"\s+", "_", text.strip())[:MAX_ZONE_NAME_LENGTH].lower()
    if not query:
        return list(POPULAR_ZONES[:limit])
    names = timezone_names()
    results: list[str] = []
    seen: set[str] = set()

    def add(candidates: list[str]) -> None:
        for name in candidates:
            if name not in seen and len(results) < limit:
                seen.add(name)
                results.append(name)

    add([name for name in names if name.lower().startswith(query)])
    add([name for name in names if name.lower().rsplit("/", 1)[-1].startswith(query)])
    add([name for name in names if query in name.lower()])
    if len(results) < limit:
        add(suggest_timezones(query, limit=limit))
    return results
