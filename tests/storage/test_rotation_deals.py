"""The SQL rotation store deals a whole batch of decks in one transaction of two statements
(a scheduler tick: one per claimed batch), atomically across processes sharing the database,
and keeps dealing when the database is out."""

from __future__ import annotations

import asyncio
import random
from collections import Counter
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from bot.core.clock import FakeClock
from bot.core.commands import ContentCommands
from bot.core.rotation import Rotator
from bot.scheduling.service import SchedulerService
from bot.storage import Spec, Store
from bot.storage.errors import StorageError
from bot.storage.rotation import SqlRotationStore
from tests.scheduling.scheduling_harness import PLATFORM, RecordingNotifier, library

KEYS = [f"tip:discord:g1:dm:{i}" for i in range(40)]
PEOPLE = 120
CARDS = [f"tip{i}" for i in range(10)]


def _statements(store: Store, table: str) -> list[str]:
    seen: list[str] = []

    def listen(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if table in statement:
            seen.append(statement.split()[0])

    sa.event.listen(store.engine.sync_engine, "before_cursor_execute", listen)
    return seen


async def test_a_batch_of_decks_is_dealt_with_two_statements(store: Store) -> None:
    """40 targets' decks, two cards each, in one deal: one (locking) read and one write. On
    PostgreSQL the first deal of new decks creates their rows first, in a transaction of its
    own: two statements more, once."""
    rotator = Rotator(SqlRotationStore(store), random.Random(1))
    seen = _statements(store, "rotation")

    def two_each(hand: Any) -> list[list[str | None]]:
        return [[hand.next(key, CARDS), hand.next(key, CARDS)] for key in KEYS]

    first = await rotator.dealing(KEYS, two_each)
    second = await rotator.dealing(KEYS, two_each)
    if store.dialect == "postgresql":
        assert seen == ["SELECT", "INSERT", "SELECT", "UPDATE"] + ["SELECT", "UPDATE"]
    else:
        assert seen == ["SELECT", "INSERT"] * 2
    for a, b in zip(first, second, strict=True):
        assert len(set(a + b)) == 4  # four different cards per target over the two deals
    stored = await store.get_rotations(KEYS)
    assert all(len(stored[key]["dealt"]) == 4 for key in KEYS)


async def test_a_deck_continues_in_another_process(
    store: Store, reopen: Callable[[], Awaitable[Store]]
) -> None:
    """The deck lives in the table: another Store on the database continues the round."""
    other = await reopen()
    try:
        before = [await Rotator(SqlRotationStore(store)).next("tip:c", CARDS) for _ in range(4)]
        after = [await Rotator(SqlRotationStore(other)).next("tip:c", CARDS) for _ in range(6)]
    finally:
        await other.close()
    assert sorted(before + after) == sorted(CARDS)  # type: ignore[type-var]


async def test_two_processes_dealing_one_deck_at_once_deal_each_card_once_a_round(
    store: Store, reopen: Callable[[], Awaitable[Store]]
) -> None:
    """Two Stores (two processes' worth of connections) deal the same 10-card deck at once,
    alone and in batches of three: 80 cards are eight whole rounds, each card exactly eight
    times; a deal that read a deck another was still changing would repeat a card."""
    other = await reopen()
    rotators = [Rotator(SqlRotationStore(s), random.Random(seed))
                for seed, s in enumerate((store, other))]

    async def single(rotator: Rotator) -> list[str | None]:
        return [await rotator.next("tip:shared", CARDS)]

    async def three(rotator: Rotator) -> list[str | None]:
        return await rotator.dealing(
            ["tip:shared"], lambda hand: [hand.next("tip:shared", CARDS) for _ in range(3)])

    try:
        dealt = await asyncio.gather(*(
            deal(rotator) for _ in range(10) for rotator in rotators for deal in (single, three)
        ))
    finally:
        await other.close()
    cards = [card for hand in dealt for card in hand]
    assert len(cards) == 80
    assert Counter(cards) == {card: 8 for card in CARDS}


async def test_while_the_database_refuses_deals_go_on_from_memory_then_are_saved(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An outage: deals go on from a deck kept in memory (a fresh one, as the table cannot be
    read), and the first deal after it continues that deck and saves it over the table's."""
    rotator = Rotator(SqlRotationStore(store), random.Random(2))
    first = [await rotator.next("tip:x", CARDS) for _ in range(3)]
    working = store.update_rotations

    async def refuse(_keys: Any, _change: Any) -> None:
        raise StorageError("database is locked")

    monkeypatch.setattr(store, "update_rotations", refuse)
    during = [await rotator.next("tip:x", CARDS) for _ in range(4)]
    assert (await store.get_rotations(["tip:x"]))["tip:x"]["dealt"] == first
    monkeypatch.setattr(store, "update_rotations", working)
    after = [await rotator.next("tip:x", CARDS) for _ in range(6)]
    assert sorted(during + after) == sorted(CARDS)  # type: ignore[type-var]
    assert (await store.get_rotations(["tip:x"]))["tip:x"]["dealt"] == during + after


async def test_a_tick_deals_each_claimed_batch_in_one_rotation_update(
    store: Store, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """120 break DMs and 4 tip posts to one channel, due hourly: at the second tick every
    claimed batch (one ``claim_due`` that took rows) deals all its messages with two rotation
    statements, not two per message; the channel's four tips are four different tips."""
    for i in range(PEOPLE):
        await store.upsert_reminder(platform=str(PLATFORM), workspace_id="@me", user_id=f"p{i}",
                                    spec=Spec(every_minutes=60), timezone="UTC",
                                    next_due=clock.now())
    for _ in range(4):  # four schedules on one channel
        await store.add_schedule(platform=str(PLATFORM), workspace_id="g1", channel_id="C1",
                                 kind="tip", spec=Spec(cron="0 * * * *"), timezone="UTC",
                                 next_due=clock.now(), created_by="U1")
    notifier = RecordingNotifier(clock)
    content = ContentCommands(library(), SqlRotationStore(store), clock)
    service = SchedulerService(store, {PLATFORM: notifier}, content, clock, instance_id="one")
    assert (await service.tick()).sent == PEOPLE + 4  # the decks' first deals
    again = await store.get_reminder(str(PLATFORM), "@me", "p0")
    assert again is not None and again.next_due == clock.now() + timedelta(hours=1)
    clock.set(again.next_due)  # the schedules' next hour too
    notifier.sent.clear()
    seen = _statements(store, "rotation")
    claim = store.claim_due
    batches = 0

    async def counted(*args: Any, **kwargs: Any) -> Any:
        nonlocal batches
        claimed = await claim(*args, **kwargs)
        batches += bool(claimed.schedules or claimed.reminders)
        return claimed

    monkeypatch.setattr(store, "claim_due", counted)
    assert (await service.tick()).sent == PEOPLE + 4
    assert batches >= 2  # the fair first claim, then the rest
    # Batches are sent side by side (the next is claimed while one sends), so their
    # statements may interleave: counted, not ordered.
    read, write = ("SELECT", "UPDATE") if store.dialect == "postgresql" else ("SELECT", "INSERT")
    assert Counter(seen) == {read: batches, write: batches}
    tips = [s.message.meta["tip_id"] for s in notifier.sent if s.delivery.target.id == "C1"]
    assert len(tips) == len(set(tips)) == 4
    breaks = [s.message for s in notifier.sent if s.delivery.target.id != "C1"]
    assert len(breaks) == PEOPLE and all("stretch_id" in m.meta for m in breaks)
