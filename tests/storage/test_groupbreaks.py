"""Group breaks in the database: joins and leaves that never lose or double a person, claims
that hand a due break to exactly one process, and Done counted once per person."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import timedelta

from bot.storage import Store
from bot.storage.groupbreaks import GroupBreakRow, GroupBreakStore, GroupStatus

LEASE = timedelta(seconds=60)


async def _open(groups: GroupBreakStore, store: Store, *, minutes: int = 5,
                platform: str = "discord") -> GroupBreakRow:
    row = await groups.create(platform=platform, workspace_id="g1", channel_id="c1",
                              created_by="u0", display_name="ada", routine="desk-reset",
                              title="3 min desk reset",
                              starts_at=store.clock.now() + timedelta(minutes=minutes))
    await groups.opened(row.id, "m1")
    return row


async def test_a_new_break_holds_its_creator_and_opens_with_its_card(store: Store) -> None:
    """Creating a break puts its creator in; opening it keeps the card's message id."""
    groups = GroupBreakStore(store)
    row = await _open(groups, store)
    loaded = await groups.get(row.id)
    assert loaded is not None
    assert (loaded.status, loaded.card_id, loaded.user_ids) == (GroupStatus.OPEN, "m1", ("u0",))


async def test_join_twice_and_leave_change_the_list_once(store: Store) -> None:
    """A second join changes nothing; a leave takes the person out; names are kept."""
    groups = GroupBreakStore(store)
    row = await _open(groups, store)
    first = await groups.join(row.id, "u1", "sam")
    again = await groups.join(row.id, "u1", "sam")
    assert (first.changed, again.changed) == (True, False)
    assert again.group is not None and [p.display_name for p in again.group.people] == [
        "ada", "sam"]
    left = await groups.leave(row.id, "u1")
    assert left.changed and left.group is not None and left.group.user_ids == ("u0",)
    assert not (await groups.leave(row.id, "u1")).changed


async def test_concurrent_joins_and_leaves_never_lose_or_double_anyone(
    store: Store, reopen: Callable[[], Awaitable[Store]]
) -> None:
    """40 people join at once through two stores (two processes), each twice; then half of
    them leave at once: the list is exactly who is left, each once."""
    other = await reopen()
    try:
        a, b = GroupBreakStore(store), GroupBreakStore(other)
        row = await _open(a, store)
        people = [f"u{i}" for i in range(1, 41)]
        await asyncio.gather(*(g.join(row.id, u, u) for u in people for g in (a, b)))
        loaded = await a.get(row.id)
        assert loaded is not None and sorted(loaded.user_ids) == sorted(["u0", *people])
        leaving = people[::2]
        await asyncio.gather(*(g.leave(row.id, u) for u in leaving for g in (a, b)))
        loaded = await b.get(row.id)
        assert loaded is not None
        assert sorted(loaded.user_ids) == sorted(["u0", *people[1::2]])
    finally:
        await other.close()


async def test_a_due_break_is_claimed_by_exactly_one_of_several_claimers(
    store: Store, reopen: Callable[[], Awaitable[Store]]
) -> None:
    """Three processes claim at the same moment: the break goes to one of them."""
    stores = [store, await reopen(), await reopen()]
    try:
        groups = [GroupBreakStore(s) for s in stores]
        row = await _open(groups[0], store, minutes=1)
        now = store.clock.now() + timedelta(minutes=1)
        claims = await asyncio.gather(*(
            g.claim_due(now, f"p{i}", LEASE, ["discord"]) for i, g in enumerate(groups)))
        assert sorted(len(c) for c in claims) == [0, 0, 1]
        claimed = next(c for c in claims if c)[0]
        assert claimed.id == row.id and claimed.status is GroupStatus.STARTING
    finally:
        for s in stores[1:]:
            await s.close()


async def test_nothing_is_claimed_early_or_for_another_platform(store: Store) -> None:
    """Before its time, or for a process serving other platforms, a break stays open."""
    groups = GroupBreakStore(store)
    await _open(groups, store, minutes=5)
    now = store.clock.now()
    assert await groups.claim_due(now + timedelta(minutes=4), "p", LEASE, ["discord"]) == []
    assert await groups.claim_due(now + timedelta(minutes=5), "p", LEASE, ["slack"]) == []
    assert not await groups.has_due(now + timedelta(minutes=4), ["discord"])
    assert await groups.has_due(now + timedelta(minutes=5), ["discord"])


async def test_an_expired_claim_is_taken_again_and_the_old_owner_cannot_settle_it(
    store: Store,
) -> None:
    """A process that died holding a break loses it when its lease runs out; the new owner
    settles it, the old one no longer can."""
    groups = GroupBreakStore(store)
    row = await _open(groups, store, minutes=1)
    due = store.clock.now() + timedelta(minutes=1)
    assert len(await groups.claim_due(due, "dead", LEASE, ["discord"])) == 1
    assert await groups.claim_due(due + timedelta(seconds=30), "p2", LEASE, ["discord"]) == []
    [again] = await groups.claim_due(due + timedelta(seconds=61), "p2", LEASE, ["discord"])
    assert again.id == row.id
    assert not await groups.finish(row.id, "dead", GroupStatus.STARTED)
    assert await groups.finish(row.id, "p2", GroupStatus.STARTED, start_channel_id="t1",
                               start_message_id="m2")
    loaded = await groups.get(row.id)
    assert loaded is not None and (loaded.status, loaded.start_channel_id) == (
        GroupStatus.STARTED, "t1")


async def test_no_join_or_leave_after_the_claim(store: Store) -> None:
    """Once a break is starting, the list of who is in is fixed."""
    groups = GroupBreakStore(store)
    row = await _open(groups, store, minutes=1)
    await groups.claim_due(store.clock.now() + timedelta(minutes=1), "p", LEASE, ["discord"])
    assert not (await groups.join(row.id, "u9", "zed")).changed
    assert not (await groups.leave(row.id, "u0")).changed
    loaded = await groups.get(row.id)
    assert loaded is not None and loaded.user_ids == ("u0",)


async def test_joins_racing_the_claim_are_either_in_the_claim_or_refused(
    store: Store, reopen: Callable[[], Awaitable[Store]]
) -> None:
    """Joins made while the break is claimed are either seen by the claim (and so
    mentioned) or refused: never stored after the claim read who was in."""
    other = await reopen()
    try:
        a, b = GroupBreakStore(store), GroupBreakStore(other)
        row = await _open(a, store, minutes=1)
        due = store.clock.now() + timedelta(minutes=1)
        joins = [b.join(row.id, f"u{i}", f"u{i}") for i in range(1, 21)]

        async def ticks() -> list[GroupBreakRow]:
            # A claim skips a break whose row a join holds at that instant (SKIP LOCKED, so
            # claimers never queue); the next tick takes it, as the scheduler's ticks do.
            for _ in range(200):
                taken = await a.claim_due(due, "p", LEASE, ["discord"])
                if taken:
                    return taken
                await asyncio.sleep(0)
            return []

        results = await asyncio.gather(ticks(), *joins)
        [claimed] = results[0]
        accepted = {f"u{i}" for i, r in enumerate(results[1:], start=1) if r.changed}
        assert set(claimed.user_ids) == {"u0", *accepted}
        loaded = await a.get(row.id)
        assert loaded is not None and set(loaded.user_ids) == set(claimed.user_ids)
    finally:
        await other.close()


async def test_done_counts_once_per_person_who_joined_a_started_break(
    store: Store, reopen: Callable[[], Awaitable[Store]]
) -> None:
    """Done presses at once from two processes count once; strangers and breaks not yet
    started count nothing."""
    other = await reopen()
    try:
        a, b = GroupBreakStore(store), GroupBreakStore(other)
        row = await _open(a, store, minutes=1)
        await a.join(row.id, "u1", "sam")
        assert not await a.mark_done(row.id, "u1")  # not started yet
        await a.claim_due(store.clock.now() + timedelta(minutes=1), "p", LEASE, ["discord"])
        await a.finish(row.id, "p", GroupStatus.STARTED)
        presses = await asyncio.gather(*(g.mark_done(row.id, "u1") for g in (a, b) * 5))
        assert presses.count(True) == 1
        assert not await a.mark_done(row.id, "stranger")
        loaded = await a.get(row.id)
        assert loaded is not None and [p.done for p in loaded.people] == [False, True]
    finally:
        await other.close()


async def test_a_break_whose_card_failed_is_discarded(store: Store) -> None:
    """A break still posting its card can be dropped; an open one cannot."""
    groups = GroupBreakStore(store)
    row = await groups.create(platform="slack", workspace_id="T1", channel_id="C1",
                              created_by="U1", display_name="sam", routine=None,
                              title="a desk stretch",
                              starts_at=store.clock.now() + timedelta(minutes=5))
    await groups.discard(row.id)
    assert await groups.get(row.id) is None
    opened = await _open(groups, store)
    await groups.discard(opened.id)
    assert await groups.get(opened.id) is not None
