"""classify() reads a raw 429's Retry-After header and never raises on a malformed one."""

from __future__ import annotations

from types import SimpleNamespace

import discord
import pytest

from bot.adapters.discord.notifier import classify
from bot.core.ports import DeliveryStatus


def http_429(headers: dict[str, str]) -> discord.HTTPException:
    response = SimpleNamespace(status=429, reason="Too Many Requests", headers=headers)
    return discord.HTTPException(response, "You are being rate limited.")


def test_numeric_retry_after_is_kept() -> None:
    """A number of seconds in Retry-After becomes the result's retry_after."""
    result = classify(http_429({"Retry-After": "7.5"}))
    assert result.status is DeliveryStatus.RETRY
    assert result.retry_after == 7.5


@pytest.mark.parametrize(
    "header", ["soon", "Wed, 21 Oct 2026 07:28:00 GMT", "1,5", "nan", "inf", "-3"]
)
def test_malformed_retry_after_is_retry_without_a_hint(header: str) -> None:
    """A Retry-After that is not a number is ignored: still RETRY, with no retry_after."""
    result = classify(http_429({"Retry-After": header}))
    assert result.status is DeliveryStatus.RETRY
    assert result.detail == "HTTP 429"
    assert result.retry_after is None
