"""SIGTERM (and SIGINT) in the middle of a fan-out: a clean stop, nothing half-written."""

from __future__ import annotations

import signal

import pytest

from bot.storage import LedgerStatus, Store
from tests.fakes.discord import FakeDiscord
from tests.reliability.conftest import RECIPIENTS, Fanout, StartBot, posted, stored, when

STOP_AT = 80  # messages stored by the fake when the signal is sent


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
async def test_stop_signal_mid_fanout_exits_0_leaving_sent_or_pending_rows(
    fake: FakeDiscord, fanout: Fanout, store: Store, start_bot: StartBot, sig: signal.Signals
) -> None:
    """Exit 0; every ledger row is sent (message held once) or pending (nothing held)."""
    bot = await start_bot()
    await bot.until(when(fake, stored(STOP_AT), then=lambda: bot.kill(sig)))
    assert await bot.exit_status() == 0
    assert fake.message_count < RECIPIENTS  # the stop cut the fan-out short

    rows = await store.list_deliveries()
    assert len(rows) == RECIPIENTS
    held = {row.id: len(fanout.inbox(fake, row.target_id)) for row in rows}
    sent = [r for r in rows if r.status == LedgerStatus.SENT]
    pending = [r for r in rows if r.status == LedgerStatus.PENDING]
    assert len(sent) + len(pending) == RECIPIENTS
    assert all(held[r.id] == 1 for r in sent)
    assert all(held[r.id] == 0 for r in pending)
    assert pending  # the rest of the fan-out was left for the next start, not rushed
    assert "Traceback" not in bot.log, bot.log
    assert f"{sig.name} received" in bot.log


async def test_restart_after_sigterm_completes_the_fanout_exactly_once(
    fake: FakeDiscord, fanout: Fanout, store: Store, start_bot: StartBot
) -> None:
    """The next start sends only what was left pending, once each."""
    first = await start_bot()
    await first.until(when(fake, stored(STOP_AT), then=lambda: first.kill(signal.SIGTERM)))
    assert await first.exit_status() == 0
    left = await store.list_deliveries(status=LedgerStatus.PENDING)
    posts_at_restart = fake.message_posts

    second = await start_bot()
    await second.until(when(fake, posted(posts_at_restart + len(left))))
    assert await second.stop() == 0

    assert set(fanout.inboxes(fake).values()) == {1}
    assert {r.status for r in await store.list_deliveries()} == {LedgerStatus.SENT}
    assert fake.message_posts - posts_at_restart == len(left)
