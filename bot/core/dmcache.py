"""DmChannelCache: one person's DM channel id, opened at most once, shared by every adapter.

Both Discord (``POST /users/@me/channels``) and Slack (``conversations.open``) need a request
to learn a person's DM channel before the first DM, and the answer never changes. Asking once
per person matters at fan-out time: a cold DM costs two requests instead of one against the
platform's rate limit. So the id is looked up in three places, cheapest first:

1. a bounded in-memory map (least recently used evicted first), so a fan-out reads no row;
2. the Store's ``kv`` table, so a restart does not re-open every channel; the lookups that
   arrive together (a fan-out's first minute after a start) share one query;
3. the platform's open call, whose answer is written back to both.

Concurrent lookups of one person share a single open (two deliveries, or an opt-in's
preparation and a due reminder, arriving together must not open twice). A failed open is
not cached: its error reaches every caller waiting on it, and the next lookup tries again.

The kv row is ``dm:{person}`` in the adapter's namespace; the adapters pick ``person`` so
that rows written before this module existed are still found (Discord ``dm:{user_id}`` in
"discord", Slack ``dm:{team_id}:{user_id}`` in "slack").
"""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Iterable

from bot.core.ports import KeyValue

log = logging.getLogger(__name__)

DEFAULT_SIZE = 100_000  # ids kept in memory (~10 MB); older ones are read from the kv table

OpenChannel = Callable[[str], Awaitable[str]]
"""Asks the platform for ``person``'s DM channel id; raises when the platform refuses."""


class DmChannelCache:
    def __init__(
        self,
        kv: KeyValue | None,
        namespace: str,
        open_fn: OpenChannel,
        size: int = DEFAULT_SIZE,
    ) -> None:
        """``kv`` None keeps ids in memory only (a Slack adapter built without a Store)."""
        if size < 1:
            raise ValueError("the DM channel cache needs room for at least one id")
        self._kv = kv
        self._namespace = namespace
        self._open_fn = open_fn
        self._size = size
        self._ids: OrderedDict[str, str] = OrderedDict()
        self._opening: dict[str, asyncio.Future[str]] = {}
        self._unread: dict[str, asyncio.Future[str | None]] = {}  # waiting for the next read
        self._reads: set[asyncio.Task[None]] = set()

    def __len__(self) -> int:
        return len(self._ids)

    def known(self, person: str) -> str | None:
        """The id if it is in memory; never reads the store or asks the platform."""
        return self._ids.get(person)

    async def get(self, person: str) -> str:
        """``person``'s DM channel id; opens the channel only if no one has stored it yet."""
        known = self._ids.get(person)
        if known is not None:
            self._ids.move_to_end(person)
            return known
        opening = self._opening.get(person)
        if opening is None:
            opening = asyncio.ensure_future(self._look_up(person))
            self._opening[person] = opening
            opening.add_done_callback(lambda done: self._finished(person, done))
        # Shielded: a caller that gives up (a cancelled delivery) does not cancel the open
        # that other callers are waiting on, and its answer is still remembered.
        return await asyncio.shield(opening)

    async def warm(self, people: Iterable[str]) -> None:
        """Read the stored ids of ``people`` not in memory, in a few queries, before their
        DMs go out. A fan-out's sends start one by one as its send slots and pacer turns come
        round, each in its own turn of the event loop, so past the first few hundred their
        lookups rarely shared a read (1.1 s of the bot's CPU in a 2,000-DM Slack fan-out
        after a start). A failed read changes nothing: each send looks its person up."""
        if self._kv is None:
            return
        cold = [p for p in dict.fromkeys(people) if p not in self._ids]
        if not cold:
            return
        try:
            found = await self._kv.kv_get_many(self._namespace, [self._row(p) for p in cold])
        except Exception:
            log.warning("could not read %d stored DM channels ahead; each is read as its DM "
                        "goes out", len(cold), exc_info=True)
            return
        for person in cold:
            stored = found.get(self._row(person))
            if stored is not None and person not in self._ids:
                self._keep(person, stored)

    async def remember(self, person: str, channel_id: str) -> None:
        """Learn an id from elsewhere (a command typed in the DM itself): no request needed."""
        if self._ids.get(person) == channel_id:
            return
        if self._kv is not None:
            await self._kv.kv_set(self._namespace, self._row(person), channel_id)
        self._keep(person, channel_id)

    async def _look_up(self, person: str) -> str:
        stored = await self._stored(self._kv, person) if self._kv is not None else None
        if stored is None:
            stored = await self._open_fn(person)
            if self._kv is not None:
                await self._kv.kv_set(self._namespace, self._row(person), stored)
        self._keep(person, stored)
        return stored

    async def _stored(self, kv: KeyValue, person: str) -> str | None:
        """The kv row, read together with every other lookup that started in the same turn
        of the event loop (2,000 DMs due at once: a few queries, not 2,000)."""
        waiting = asyncio.get_running_loop().create_future()
        if not self._unread:  # the first of this turn: read once the others have joined
            task = asyncio.ensure_future(self._read_batch(kv))
            self._reads.add(task)  # a reference, so the read is not collected mid-flight
            task.add_done_callback(self._reads.discard)
        self._unread[person] = waiting
        return await waiting

    async def _read_batch(self, kv: KeyValue) -> None:
        await asyncio.sleep(0)  # this turn's other lookups join first
        batch, self._unread = self._unread, {}
        try:
            found = await kv.kv_get_many(self._namespace, [self._row(p) for p in batch])
        except Exception as exc:  # every lookup of the batch sees the failure
            for waiting in batch.values():
                if not waiting.done():
                    waiting.set_exception(exc)
            return
        for person, waiting in batch.items():
            if not waiting.done():
                waiting.set_result(found.get(self._row(person)))

    def _finished(self, person: str, done: asyncio.Future[str]) -> None:
        self._opening.pop(person, None)
        if not done.cancelled():
            # Marks a failure as seen even when every waiter was cancelled meanwhile, so
            # asyncio does not log "exception was never retrieved" for it.
            done.exception()

    def _keep(self, person: str, channel_id: str) -> None:
        self._ids[person] = channel_id
        self._ids.move_to_end(person)
        while len(self._ids) > self._size:
            self._ids.popitem(last=False)

    @staticmethod
    def _row(person: str) -> str:
        return f"dm:{person}"
