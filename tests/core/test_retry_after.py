"""parse_retry_after: a platform's Retry-After is input, and only a usable number counts."""

from __future__ import annotations

import pytest

from bot.core.retry_after import MAX_RETRY_AFTER_SECONDS, parse_retry_after


@pytest.mark.parametrize(
    ("value", "seconds"),
    [("7", 7.0), ("7.5", 7.5), (" 3 ", 3.0), ("0", 0.0), (2, 2.0), (1.25, 1.25)],
)
def test_numbers_of_seconds_are_kept(value: object, seconds: float) -> None:
    """Header strings and already-parsed numbers (discord.py's retry_after) alike."""
    assert parse_retry_after(value) == seconds


@pytest.mark.parametrize(
    "value",
    [None, "", "soon", "Wed, 21 Oct 2026 07:28:00 GMT", "1,5", "nan", "NaN", "inf",
     "-inf", "-5", float("nan"), float("inf"), -1, True, b"7", ["7"]],
)
def test_anything_else_is_no_hint(value: object) -> None:
    """Dates, garbage, negatives and the non-finite floats float() accepts: None, no raise."""
    assert parse_retry_after(value) is None


def test_huge_waits_are_capped_so_now_plus_wait_stays_a_time() -> None:
    """1e300 s would overflow a datetime; it is capped (past every grace window)."""
    assert parse_retry_after("1e300") == MAX_RETRY_AFTER_SECONDS
