"""DmChannelCache: memory, then the kv table, then one open per person at a time."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import pytest

from bot.core.dmcache import DmChannelCache


class MemoryKv:
    """The KeyValue port as a dict, recording every read and write."""

    def __init__(self) -> None:
        self.rows: dict[tuple[str, str], str] = {}
        self.reads: list[str] = []
        self.queries = 0

    async def kv_get(self, namespace: str, key: str) -> str | None:
        self.reads.append(key)
        return self.rows.get((namespace, key))

    async def kv_get_many(self, namespace: str, keys: Sequence[str]) -> dict[str, str]:
        self.reads.extend(keys)
        self.queries += 1
        return {k: self.rows[(namespace, k)] for k in keys if (namespace, k) in self.rows}

    async def kv_set(self, namespace: str, key: str, value: str) -> None:
        self.rows[(namespace, key)] = value


class Opener:
    """A platform's open call: records who was asked for; can be held open or made to fail."""

    def __init__(self) -> None:
        self.asked: list[str] = []
        self.gate: asyncio.Event | None = None
        self.failures = 0
        self._asked = asyncio.Condition()

    async def until_asked(self, count: int) -> None:
        """Wait (on events, not time) until ``count`` opens have started."""
        async with self._asked:
            await self._asked.wait_for(lambda: len(self.asked) >= count)

    async def __call__(self, person: str) -> str:
        async with self._asked:
            self.asked.append(person)
            self._asked.notify_all()
        if self.gate is not None:
            await self.gate.wait()
        if self.failures:
            self.failures -= 1
            raise ConnectionError("the platform said no")
        return f"D-{person}"


async def test_open_result_is_stored_under_dm_person_in_the_namespace() -> None:
    """The first lookup opens the channel and writes ``dm:{person}`` in the given namespace."""
    kv, opener = MemoryKv(), Opener()
    cache = DmChannelCache(kv, "slack", opener)
    assert await cache.get("T1:U1") == "D-T1:U1"
    assert kv.rows == {("slack", "dm:T1:U1"): "D-T1:U1"}
    assert opener.asked == ["T1:U1"]


async def test_a_stored_row_avoids_the_open() -> None:
    """An id already in the kv table (a previous run) is used without asking the platform."""
    kv, opener = MemoryKv(), Opener()
    kv.rows[("discord", "dm:42")] = "9001"
    cache = DmChannelCache(kv, "discord", opener)
    assert await cache.get("42") == "9001"
    assert opener.asked == []


async def test_a_remembered_id_reads_no_row() -> None:
    """The second lookup of a person is answered from memory: no kv read, no open."""
    kv, opener = MemoryKv(), Opener()
    cache = DmChannelCache(kv, "slack", opener)
    await cache.get("U1")
    reads = len(kv.reads)
    assert await cache.get("U1") == "D-U1"
    assert len(kv.reads) == reads
    assert opener.asked == ["U1"]


async def test_memory_is_bounded_and_drops_the_least_recently_used() -> None:
    """Past ``size`` ids the least recently used one leaves memory; the kv row still answers."""
    kv, opener = MemoryKv(), Opener()
    cache = DmChannelCache(kv, "slack", opener, size=2)
    await cache.get("A")
    await cache.get("B")
    await cache.get("A")  # A is now more recent than B
    await cache.get("C")
    assert len(cache) == 2
    assert (cache.known("A"), cache.known("B"), cache.known("C")) == ("D-A", None, "D-C")
    assert await cache.get("B") == "D-B"  # read back from the kv table, not reopened
    assert opener.asked == ["A", "B", "C"]


async def test_concurrent_lookups_of_one_person_share_one_open() -> None:
    """Lookups arriving while the open is under way wait for it instead of opening again."""
    kv, opener = MemoryKv(), Opener()
    opener.gate = asyncio.Event()
    cache = DmChannelCache(kv, "slack", opener)
    lookups = [asyncio.ensure_future(cache.get("U1")) for _ in range(3)]
    other = asyncio.ensure_future(cache.get("U2"))
    await opener.until_asked(2)  # both opens have started and are held at the gate
    opener.gate.set()
    assert await asyncio.gather(*lookups, other) == ["D-U1"] * 3 + ["D-U2"]
    assert sorted(opener.asked) == ["U1", "U2"]


async def test_a_cancelled_caller_does_not_cancel_the_shared_open() -> None:
    """One waiter giving up leaves the open running for the others, and its id is kept."""
    opener = Opener()
    opener.gate = asyncio.Event()
    cache = DmChannelCache(None, "slack", opener)
    quitter = asyncio.ensure_future(cache.get("U1"))
    stayer = asyncio.ensure_future(cache.get("U1"))
    await opener.until_asked(1)
    quitter.cancel()
    opener.gate.set()
    assert await stayer == "D-U1"
    assert quitter.cancelled()
    assert cache.known("U1") == "D-U1"
    assert opener.asked == ["U1"]


async def test_a_failed_open_reaches_every_waiter_and_is_retried_next_time() -> None:
    """Every caller of the failed open sees the error; nothing is cached; the next call opens."""
    kv, opener = MemoryKv(), Opener()
    opener.gate, opener.failures = asyncio.Event(), 1
    cache = DmChannelCache(kv, "slack", opener)
    lookups = [asyncio.ensure_future(cache.get("U1")) for _ in range(2)]
    await opener.until_asked(1)
    opener.gate.set()
    outcomes = await asyncio.gather(*lookups, return_exceptions=True)
    assert all(isinstance(o, ConnectionError) for o in outcomes)
    assert cache.known("U1") is None and kv.rows == {}
    assert await cache.get("U1") == "D-U1"
    assert opener.asked == ["U1", "U1"]


async def test_remember_stores_an_id_learned_elsewhere_without_opening() -> None:
    """An id the adapter already has (a command typed in the DM) is kept in memory and kv."""
    kv, opener = MemoryKv(), Opener()
    cache = DmChannelCache(kv, "discord", opener)
    await cache.remember("42", "777")
    assert kv.rows == {("discord", "dm:42"): "777"}
    assert await cache.get("42") == "777"
    assert opener.asked == []


async def test_without_a_store_ids_live_in_memory_only() -> None:
    """With no kv (a Slack adapter built without a Store) the cache still opens only once."""
    opener = Opener()
    cache = DmChannelCache(None, "slack", opener)
    assert [await cache.get("U1") for _ in range(2)] == ["D-U1", "D-U1"]
    assert opener.asked == ["U1"]


def test_size_must_hold_at_least_one_id() -> None:
    """A zero-sized cache would reopen every channel: refused at construction."""
    with pytest.raises(ValueError, match="at least one"):
        DmChannelCache(None, "slack", Opener(), size=0)


async def test_lookups_arriving_together_share_one_kv_read() -> None:
    """A fan-out's first minute after a start: 300 people's stored ids come from one query,
    with no open; a later lookup is a query of its own."""
    kv, opener = MemoryKv(), Opener()
    for i in range(300):
        kv.rows[("slack", f"dm:T1:U{i}")] = f"D{i}"
    cache = DmChannelCache(kv, "slack", opener)
    got = await asyncio.gather(*(cache.get(f"T1:U{i}") for i in range(300)))
    assert got == [f"D{i}" for i in range(300)]
    assert (kv.queries, opener.asked) == (1, [])
    assert await cache.get("T1:U-new") == "D-T1:U-new"
    assert (kv.queries, opener.asked) == (2, ["T1:U-new"])


async def test_a_failed_shared_read_reaches_every_lookup_and_the_next_tries_again() -> None:
    """The kv table unreachable: every lookup of that read fails (nothing opened, nothing
    cached), and the next lookup reads again."""

    class FailingOnce(MemoryKv):
        async def kv_get_many(self, namespace: str, keys: Sequence[str]) -> dict[str, str]:
            if not self.queries:
                self.queries += 1
                raise ConnectionError("database gone")
            return await super().kv_get_many(namespace, keys)

    kv, opener = FailingOnce(), Opener()
    kv.rows[("slack", "dm:T1:U1")] = "D1"
    cache = DmChannelCache(kv, "slack", opener)
    results = await asyncio.gather(cache.get("T1:U1"), cache.get("T1:U2"),
                                   return_exceptions=True)
    assert all(isinstance(r, ConnectionError) for r in results) and opener.asked == []
    assert len(cache) == 0
    assert await cache.get("T1:U1") == "D1"


async def test_warming_reads_a_batch_in_one_query_and_its_sends_read_nothing() -> None:
    """``warm`` (a fan-out's batch, before its sends) reads the stored ids of everyone not in
    memory in one query; the lookups that follow, each in its own turn of the event loop as
    sends start one by one, read no row and open nothing. People with no row are left to
    their own lookup, which opens their channel as before."""
    kv, opener = MemoryKv(), Opener()
    for n in range(300):
        kv.rows[("slack", f"dm:T1:U{n}")] = f"D{n}"
    cache = DmChannelCache(kv, "slack", opener)
    await cache.get("T1:U0")  # already in memory: not read again
    queries = kv.queries
    await cache.warm([f"T1:U{n}" for n in range(300)] + ["T1:UNEW", "T1:U5"])
    assert kv.queries == queries + 1
    assert kv.reads[-300:] == [f"dm:T1:U{n}" for n in range(1, 300)] + ["dm:T1:UNEW"]
    reads = len(kv.reads)
    for n in range(300):
        assert await cache.get(f"T1:U{n}") == f"D{n}"
        await asyncio.sleep(0)
    assert len(kv.reads) == reads
    assert await cache.get("T1:UNEW") == "D-T1:UNEW"
    assert opener.asked == ["T1:UNEW"]


async def test_a_failed_warm_changes_nothing() -> None:
    """The store is down while warming: no error escapes, nothing is remembered, and each
    lookup still finds its own way (here: the read works again by then)."""

    class Flaky(MemoryKv):
        fail = True

        async def kv_get_many(self, namespace: str, keys: Sequence[str]) -> dict[str, str]:
            if self.fail:
                raise ConnectionError("database is down")
            return await super().kv_get_many(namespace, keys)

    kv, opener = Flaky(), Opener()
    kv.rows[("slack", "dm:T1:U1")] = "D1"
    cache = DmChannelCache(kv, "slack", opener)
    await cache.warm(["T1:U1"])
    assert len(cache) == 0
    kv.fail = False
    assert await cache.get("T1:U1") == "D1"
    assert opener.asked == []
