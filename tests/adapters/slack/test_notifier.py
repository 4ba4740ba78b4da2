"""SlackNotifier: scheduled posts to channels and DMs through the fake Web API."""

from __future__ import annotations

import asyncio
import logging

import pytest

from bot.adapters.slack.client import build_web_client
from bot.adapters.slack.notifier import KV_NAMESPACE, SlackNotifier
from bot.adapters.slack.pacer import ChannelPacer
from bot.core.clock import FakeClock
from bot.core.messages import Button, Message, MessageKind
from bot.core.ports import Delivery, DeliveryStatus, Platform, Target, TargetKind
from bot.storage import Store
from tests.adapters.slack.conftest import Sleeps
from tests.fakes.slack import BOT_TOKEN, FakeSlack
from tests.fakes.slack.server import TEAM_ID, Fault

NUDGE = Message(
    kind=MessageKind.NUDGE,
    title="Time for a break",
    body="Stand up and roll your shoulders.",
    buttons=(Button("done", "Done"), Button("snooze:10", "Snooze 10 min")),
)


def _delivery(kind: TargetKind, target_id: str, ledger_id: int = 1) -> Delivery:
    target = Target(Platform.SLACK, TEAM_ID, kind, target_id)
    return Delivery(ledger_id, target, nonce=f"n{ledger_id}", source="schedule:1")


def _notifier(
    fake: FakeSlack, clock: FakeClock, sleeps: Sleeps, kv: Store | None = None
) -> SlackNotifier:
    client = build_web_client(BOT_TOKEN, base_url=fake.base_url, sleep=sleeps)
    return SlackNotifier(client, ChannelPacer(clock, sleeps), kv=kv)


async def test_channel_post_carries_blocks_and_fallback(
    fake: FakeSlack, clock: FakeClock, sleeps: Sleeps
) -> None:
    """A scheduled channel post is one chat.postMessage with blocks and a text fallback."""
    fake.add_channel("C0WELL")
    result = await _notifier(fake, clock, sleeps).deliver(
        _delivery(TargetKind.CHANNEL, "C0WELL"), NUDGE
    )
    assert result.status is DeliveryStatus.SENT
    [call] = fake.calls_to("chat.postMessage")
    assert call.params["channel"] == "C0WELL"
    assert call.params["text"].startswith("Time for a break")
    assert call.params["blocks"][0]["text"]["text"] == "Time for a break"
    assert [e["action_id"] for e in call.params["blocks"][-1]["elements"]] == ["done", "snooze:10"]


async def test_dm_channel_opened_once_then_cached_in_store(
    fake: FakeSlack, clock: FakeClock, sleeps: Sleeps, store: Store
) -> None:
    """A DM opens the conversation once; later DMs, even after a restart, reuse the stored id."""
    fake.users["U0ANA"] = {"name": "ana"}
    first = _notifier(fake, clock, sleeps, kv=store)
    for ledger in (1, 2):
        result = await first.deliver(_delivery(TargetKind.DM, "U0ANA", ledger), NUDGE)
        assert result.status is DeliveryStatus.SENT
    restarted = _notifier(fake, clock, sleeps, kv=store)
    assert (
        await restarted.deliver(_delivery(TargetKind.DM, "U0ANA", 3), NUDGE)
    ).status is DeliveryStatus.SENT
    assert len(fake.calls_to("conversations.open")) == 1
    assert [c.params["channel"] for c in fake.calls_to("chat.postMessage")] == ["D0ANA"] * 3
    assert await store.kv_get(KV_NAMESPACE, f"dm:{TEAM_ID}:U0ANA") == "D0ANA"


@pytest.mark.parametrize("stored", [False, True], ids=["memory", "store"])
async def test_two_dms_to_one_person_at_once_open_the_conversation_once(
    fake: FakeSlack, clock: FakeClock, sleeps: Sleeps, store: Store, stored: bool
) -> None:
    """Two deliveries racing to one person share one conversations.open, and both post."""
    fake.users["U0ANA"] = {"name": "ana"}
    notifier = _notifier(fake, clock, sleeps, kv=store if stored else None)
    gate = fake.hold("conversations.open")
    racing = [
        asyncio.ensure_future(notifier.deliver(_delivery(TargetKind.DM, "U0ANA", ledger), NUDGE))
        for ledger in (1, 2)
    ]
    # The open is held at the fake until both deliveries have asked for the channel: without
    # a shared open the second one finds no stored id yet and opens the conversation again.
    await fake.wait_for(lambda: len(fake.calls_to("conversations.open")) >= 1)
    gate.set()
    results = await asyncio.gather(*racing)
    assert [r.status for r in results] == [DeliveryStatus.SENT] * 2
    assert len(fake.calls_to("conversations.open")) == 1
    assert [c.params["channel"] for c in fake.calls_to("chat.postMessage")] == ["D0ANA"] * 2
    if stored:
        assert await store.kv_get(KV_NAMESPACE, f"dm:{TEAM_ID}:U0ANA") == "D0ANA"


async def test_posts_to_one_channel_are_paced_a_second_apart(
    fake: FakeSlack, clock: FakeClock, sleeps: Sleeps
) -> None:
    """Three posts to one channel wait a second (and the pacer's 0.5 ms margin) after the
    answer to the one before; a post to another channel of the same workspace does not wait,
    as the workspace's bucket (a burst of three, one per 0.2 s) has room."""
    fake.add_channel("C0WELL")
    fake.add_channel("C0OTHER")
    notifier = _notifier(fake, clock, sleeps)
    for i in range(3):
        await notifier.deliver(_delivery(TargetKind.CHANNEL, "C0WELL", i), NUDGE)
    await notifier.deliver(_delivery(TargetKind.CHANNEL, "C0OTHER", 9), NUDGE)
    assert sleeps.waits == [1.0005, 1.0005]


async def test_429_retry_after_is_honoured_without_a_storm(
    fake: FakeSlack, clock: FakeClock, sleeps: Sleeps
) -> None:
    """A 429 with Retry-After: 7 waits 7 s and retries exactly once."""
    fake.add_channel("C0WELL")
    fake.fail("chat.postMessage", Fault(status=429, retry_after=7))
    result = await _notifier(fake, clock, sleeps).deliver(
        _delivery(TargetKind.CHANNEL, "C0WELL"), NUDGE
    )
    assert result.status is DeliveryStatus.SENT
    assert len(fake.calls_to("chat.postMessage")) == 2
    assert sleeps.waits == [7.0]


async def test_persistent_429_becomes_retry_with_the_delay(
    fake: FakeSlack, clock: FakeClock, sleeps: Sleeps
) -> None:
    """Still limited after one wait: RETRY with Retry-After, two calls, the channel held back."""
    fake.add_channel("C0WELL")
    fake.fail("chat.postMessage", Fault(status=429, retry_after=5, times=None))
    notifier = _notifier(fake, clock, sleeps)
    result = await notifier.deliver(_delivery(TargetKind.CHANNEL, "C0WELL"), NUDGE)
    assert (result.status, result.retry_after) == (DeliveryStatus.RETRY, 5.0)
    assert len(fake.calls_to("chat.postMessage")) == 2
    sleeps.waits.clear()
    await notifier.deliver(_delivery(TargetKind.CHANNEL, "C0WELL", 2), NUDGE)
    assert sleeps.waits and sleeps.waits[0] == pytest.approx(5.0)


@pytest.mark.parametrize("header", ["nan", "inf", "-5", "soon"])
async def test_malformed_retry_after_is_a_plain_retry_not_a_crash(
    fake: FakeSlack, clock: FakeClock, sleeps: Sleeps, header: str
) -> None:
    """Retry-After: nan (or inf, -5, a word) is no hint: one default wait, one retry, then
    RETRY without a delay for the scheduler's own backoff; the channel is held back 1 s (and
    the refused post's turn the 0.5 ms margin past that)."""
    fake.add_channel("C0WELL")
    fake.fail("chat.postMessage", Fault(status=429, retry_after=header, times=None))
    notifier = _notifier(fake, clock, sleeps)
    result = await notifier.deliver(_delivery(TargetKind.CHANNEL, "C0WELL"), NUDGE)
    assert (result.status, result.retry_after) == (DeliveryStatus.RETRY, None)
    assert len(fake.calls_to("chat.postMessage")) == 2
    assert sleeps.waits == pytest.approx([1.0, 0.0005])
    sleeps.waits.clear()
    await notifier.deliver(_delivery(TargetKind.CHANNEL, "C0WELL", 2), NUDGE)
    assert sleeps.waits and sleeps.waits[0] == pytest.approx(1.0)


@pytest.mark.parametrize("code", ["invalid_blocks", "msg_too_long", "no_text"])
async def test_a_refused_message_is_rejected_not_blamed_on_the_channel(
    fake: FakeSlack, clock: FakeClock, sleeps: Sleeps, code: str
) -> None:
    """chat.postMessage refusing the message itself is REJECTED: the channel is fine, so the
    schedule must not be paused with advice about permissions."""
    fake.add_channel("C0WELL")
    fake.fail("chat.postMessage", Fault(error=code))
    result = await _notifier(fake, clock, sleeps).deliver(
        _delivery(TargetKind.CHANNEL, "C0WELL"), NUDGE
    )
    assert (result.status, result.detail) == (DeliveryStatus.REJECTED, code)


async def test_long_retry_after_is_not_waited_inline(
    fake: FakeSlack, clock: FakeClock, sleeps: Sleeps
) -> None:
    """Retry-After beyond the inline cap goes back to the scheduler after one call."""
    fake.add_channel("C0WELL")
    fake.fail("chat.postMessage", Fault(status=429, retry_after=120))
    result = await _notifier(fake, clock, sleeps).deliver(
        _delivery(TargetKind.CHANNEL, "C0WELL"), NUDGE
    )
    assert (result.status, result.retry_after) == (DeliveryStatus.RETRY, 120.0)
    assert len(fake.calls_to("chat.postMessage")) == 1
    assert sleeps.waits == []


async def test_server_error_is_retry(fake: FakeSlack, clock: FakeClock, sleeps: Sleeps) -> None:
    """A 503 from Slack means try later."""
    fake.add_channel("C0WELL")
    fake.fail("chat.postMessage", Fault(status=503))
    result = await _notifier(fake, clock, sleeps).deliver(
        _delivery(TargetKind.CHANNEL, "C0WELL"), NUDGE
    )
    assert result.status is DeliveryStatus.RETRY


@pytest.mark.parametrize(
    ("setup", "status", "detail"),
    [
        ("not_member", DeliveryStatus.FORBIDDEN, "not_in_channel"),
        ("archived", DeliveryStatus.FORBIDDEN, "is_archived"),
        ("missing", DeliveryStatus.NOT_FOUND, "channel_not_found"),
    ],
)
async def test_channel_refusals_are_final(
    fake: FakeSlack,
    clock: FakeClock,
    sleeps: Sleeps,
    setup: str,
    status: DeliveryStatus,
    detail: str,
) -> None:
    """not_in_channel / is_archived are FORBIDDEN, channel_not_found is NOT_FOUND, one call each."""
    if setup == "not_member":
        fake.add_channel("C0WELL", member=False)
    elif setup == "archived":
        fake.add_channel("C0WELL", archived=True)
    result = await _notifier(fake, clock, sleeps).deliver(
        _delivery(TargetKind.CHANNEL, "C0WELL"), NUDGE
    )
    assert (result.status, result.detail) == (status, detail)
    assert len(fake.calls_to("chat.postMessage")) == 1


async def test_revoked_token_stops_sending_with_one_clear_log(
    fake: FakeSlack, clock: FakeClock, sleeps: Sleeps, caplog: pytest.LogCaptureFixture
) -> None:
    """token_revoked: RETRY (nothing paused or disabled), one error log, no further calls."""
    fake.add_channel("C0WELL")
    fake.revoked = "token_revoked"
    notifier = _notifier(fake, clock, sleeps)
    with caplog.at_level(logging.DEBUG):
        results = [
            await notifier.deliver(_delivery(TargetKind.CHANNEL, "C0WELL", i), NUDGE)
            for i in range(5)
        ]
    assert {(r.status, r.detail) for r in results} == {(DeliveryStatus.RETRY, "token_revoked")}
    assert len(fake.calls) == 1
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1 and "token_revoked" in errors[0].getMessage()
    assert BOT_TOKEN not in caplog.text


async def test_check_channel_reports_membership(
    fake: FakeSlack, clock: FakeClock, sleeps: Sleeps
) -> None:
    """check_channel is None for a member channel and a fixable reason otherwise."""
    fake.add_channel("C0WELL")
    fake.add_channel("C0AWAY", member=False)
    notifier = _notifier(fake, clock, sleeps)
    assert await notifier.check_channel(TEAM_ID, "C0WELL") is None
    assert "/invite" in (await notifier.check_channel(TEAM_ID, "C0AWAY") or "")
    assert "can't see" in (await notifier.check_channel(TEAM_ID, "C0GONE") or "")


async def test_notify_admin_posts_to_the_given_channel(
    fake: FakeSlack, clock: FakeClock, sleeps: Sleeps
) -> None:
    """notify_admin posts the message to the channel it is given."""
    fake.add_channel("C0ADMIN")
    await _notifier(fake, clock, sleeps).notify_admin(TEAM_ID, "C0ADMIN", NUDGE)
    [call] = fake.calls_to("chat.postMessage")
    assert call.params["channel"] == "C0ADMIN"


async def test_dm_to_unknown_user_is_not_found(
    fake: FakeSlack, clock: FakeClock, sleeps: Sleeps
) -> None:
    """conversations.open user_not_found maps to NOT_FOUND and nothing is posted."""
    result = await _notifier(fake, clock, sleeps).deliver(_delivery(TargetKind.DM, "U0GONE"), NUDGE)
    assert (result.status, result.detail) == (DeliveryStatus.NOT_FOUND, "user_not_found")
    assert fake.calls_to("chat.postMessage") == []
