"""Every wait the Slack adapter takes for rate limits is counted in the app's metrics."""

from __future__ import annotations

from pydantic import SecretStr

from bot.adapters.slack import SlackAdapter, SlackConfig
from bot.core.clock import FakeClock
from bot.core.commands import ContentCommands
from bot.core.messages import info
from bot.core.ports import Delivery, DeliveryStatus, Platform, Target, TargetKind
from bot.observability import Metrics
from tests.adapters.slack.conftest import Sleeps
from tests.fakes.slack import BOT_TOKEN, SIGNING_SECRET, FakeSlack
from tests.fakes.slack.server import TEAM_ID, Fault


def adapter(fake: FakeSlack, content: ContentCommands, clock: FakeClock, sleeps: Sleeps,
            metrics: Metrics) -> SlackAdapter:
    """Built as bot/adapters/slack/runner.py builds it: its one sleep is the counted one."""
    config = SlackConfig(bot_token=SecretStr(BOT_TOKEN), signing_secret=SecretStr(SIGNING_SECRET),
                         http_port=0, base_url=fake.base_url)
    return SlackAdapter(config, content, clock=clock,
                        sleep=metrics.paced_sleep(Platform.SLACK, sleeps))


def to_channel(ledger_id: int) -> Delivery:
    target = Target(Platform.SLACK, TEAM_ID, TargetKind.CHANNEL, "C0WELL")
    return Delivery(ledger_id, target, nonce=f"n{ledger_id}", source="schedule:1")


def waits(metrics: Metrics) -> tuple[float | None, float | None]:
    labels = {"platform": "slack"}
    return (metrics.registry.get_sample_value("deskbreak_rate_limit_waits_total", labels),
            metrics.registry.get_sample_value("deskbreak_rate_limit_wait_seconds_total", labels))


async def test_channel_pacing_wait_is_counted(
    fake: FakeSlack, content: ContentCommands, clock: FakeClock, sleeps: Sleeps
) -> None:
    """Two posts to one channel in the same second: one paced wait, a second after the first
    post's answer (and the pacer's 0.5 ms margin), counted."""
    fake.add_channel("C0WELL")
    metrics = Metrics(clock)
    notifier = adapter(fake, content, clock, sleeps, metrics).notifier
    for ledger_id in (1, 2):
        result = await notifier.deliver(to_channel(ledger_id), info("Break"))
        assert result.status is DeliveryStatus.SENT
    assert sleeps.waits == [1.0005]
    assert waits(metrics) == (1.0, 1.0005)


async def test_retry_after_wait_is_counted(
    fake: FakeSlack, content: ContentCommands, clock: FakeClock, sleeps: Sleeps
) -> None:
    """A 429 with Retry-After 3 is waited out once by the client, and that wait is counted."""
    fake.add_channel("C0WELL")
    fake.fail("chat.postMessage", Fault(error="ratelimited", status=429, retry_after=3))
    metrics = Metrics(clock)
    notifier = adapter(fake, content, clock, sleeps, metrics).notifier
    result = await notifier.deliver(to_channel(1), info("Break"))
    assert result.status is DeliveryStatus.SENT
    assert waits(metrics) == (1.0, 3.0)
