"""kill -9 in the middle of a fan-out, then a restart: every recipient gets its slot once."""

from __future__ import annotations

import signal

from bot.storage import LedgerStatus, Store
from tests.fakes.discord import FakeDiscord
from tests.reliability.conftest import RECIPIENTS, Fanout, StartBot, posted, stored, when

KILL_AT = 80  # messages stored by the fake when the bot is killed
# A restarted process has a new instance id, so it takes over its dead predecessor's
# in-flight sends once their lease runs out (bot/scheduling/instance.py); a short lease and
# tick keep that wait to seconds here.
FAST = {"DESKBREAK_LEASE_SECONDS": "3", "DESKBREAK_TICK_SECONDS": "0.5"}


async def test_sigkill_mid_fanout_then_restart_delivers_each_slot_exactly_once(
    fake: FakeDiscord, fanout: Fanout, store: Store, start_bot: StartBot
) -> None:
    """SIGKILL after 80 of 250 sends; the restart resends the rest and nobody gets two."""
    first = await start_bot(**FAST)
    await first.until(when(fake, stored(KILL_AT), then=lambda: first.kill(signal.SIGKILL)))
    assert await first.exit_status() == -signal.SIGKILL
    held_at_kill = fake.message_count
    assert held_at_kill < RECIPIENTS  # it really died mid-fan-out
    unfinished = await store.list_deliveries(status=LedgerStatus.PENDING)
    # Sent but never heard back (the kill landed inside a request): still pending.
    assert len(unfinished) > RECIPIENTS - held_at_kill

    posts_at_restart = fake.message_posts
    second = await start_bot(**FAST)
    await second.until(when(fake, posted(posts_at_restart + len(unfinished))))
    assert await second.stop() == 0

    assert set(fanout.inboxes(fake).values()) == {1}  # nobody missed, nobody doubled
    rows = await store.list_deliveries()
    assert len(rows) == RECIPIENTS
    assert {r.status for r in rows} == {LedgerStatus.SENT}
    assert {r.slot for r in rows} == {fanout.slot}
    assert fake.message_posts - posts_at_restart == len(unfinished)  # one resend each
    assert "Traceback" not in second.log


async def test_a_restart_takes_back_the_dead_runs_sends_at_once_not_after_the_lease(
    fake: FakeDiscord, fanout: Fanout, store: Store, start_bot: StartBot
) -> None:
    """With a ten-minute lease, the restarted process (same host, same lineage) still resends
    the unfinished rows right away: Discord remembers a nonce for only a few minutes, so
    waiting out the lease would let a resend of a post that did arrive become a double."""
    slow_lease = {"DESKBREAK_LEASE_SECONDS": "600", "DESKBREAK_TICK_SECONDS": "0.5"}
    first = await start_bot(**slow_lease)
    await first.until(when(fake, stored(KILL_AT), then=lambda: first.kill(signal.SIGKILL)))
    assert await first.exit_status() == -signal.SIGKILL
    unfinished = await store.list_deliveries(status=LedgerStatus.PENDING)
    assert unfinished
    posts_at_restart = fake.message_posts

    second = await start_bot(**slow_lease)
    # bot.until fails after its own bound (well under the 600 s lease).
    await second.until(when(fake, posted(posts_at_restart + len(unfinished))))
    assert await second.stop() == 0
    assert set(fanout.inboxes(fake).values()) == {1}
    assert {r.status for r in await store.list_deliveries()} == {LedgerStatus.SENT}
    assert "recovered" in second.log
