"""The Slack adapter's /healthz check."""

from __future__ import annotations

from tests.adapters.slack.conftest import Slash


async def test_slack_health_follows_the_http_server(slash: Slash) -> None:
    """The adapter's health check passes while its HTTP server is up and fails once stopped."""
    assert await slash.adapter.health() is None
    await slash.adapter.stop()
    assert await slash.adapter.health() == "the Slack adapter is not running"
