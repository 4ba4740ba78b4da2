"""Starting group breaks at their time, from the scheduler's one tick.

Why the tick and not a job per break: the scheduler already wakes every few seconds and the
break is a row with an indexed time, exactly like a schedule; a job per break would live only
in one process's memory and die with it. Each tick asks whether a break is due (a read), and
only then claims: the claim hands each due break to one process under a lease
(``GroupBreakStore.claim_due``), so with several processes it starts once; a process that dies
holding one loses it when the lease runs out and another takes it over.

Starting means: a break due longer ago than the grace period is not started late (its card
says it was missed); any other is announced under its card, mentioning exactly the people who
joined, and its routine is then guided for the group in one shared message
(``bot.core.groupbreak.GroupGuide``), in the background so the tick is not held up for minutes.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta

from bot.core import groupbreak as gb
from bot.core.messages import Message
from bot.core.ports import Platform
from bot.scheduling.commands.groupbreaks import local_at
from bot.scheduling.specs import zone
from bot.storage.groupbreaks import GroupBreakRow, GroupBreakStore, GroupStatus
from bot.storage.store import Store

log = logging.getLogger(__name__)


class GroupBreakStarter:
    """The tick's group-break work: claim what is due, start it or call it missed."""

    def __init__(self, groups: GroupBreakStore, store: Store,
                 channels: Mapping[Platform, gb.GroupChannel], *, owner: str,
                 lease: timedelta, grace: timedelta, guide: gb.GroupGuide | None = None) -> None:
        self.groups = groups
        self.store = store
        self.channels = dict(channels)
        self.owner = owner
        self.lease = lease
        self.grace = grace
        self.guide = guide
        self._runs: set[asyncio.Task[None]] = set()

    @property
    def platforms(self) -> Iterable[str]:
        return [str(p) for p in self.channels]

    async def tick(self, now: datetime) -> list[GroupBreakRow]:
        """Start (or call missed) every break due at ``now``; what was claimed."""
        if not self.channels or not await self.groups.has_due(now, self.platforms):
            return []
        claimed = await self.groups.claim_due(now, self.owner, self.lease, self.platforms)
        for row in claimed:
            try:
                await self._start(row, now)
            except Exception:  # one broken break must not keep the others from starting
                log.exception("group break %s could not be started; it is retried when its "
                              "claim runs out", row.id)
        return claimed

    async def _start(self, row: GroupBreakRow, now: datetime) -> None:
        channel = self.channels[Platform(row.platform)]
        ws = await self.store.get_workspace(row.platform, row.workspace_id)
        at = local_at(row.starts_at, zone(ws.timezone))
        card = gb.Posted(row.channel_id, row.card_id or "")
        names = [p.display_name for p in row.people]
        if now > row.starts_at + self.grace:
            if await self.groups.finish(row.id, self.owner, GroupStatus.MISSED):
                log.info("group break %s missed: due %s, now %s", row.id, row.starts_at, now)
                await self._edit(channel, card, gb.missed_card(at, row.title), row.id)
            return
        where = await channel.start(card, gb.start_message(row.id, row.title, len(row.people)),
                                    row.user_ids, gb.thread_name(at, row.title),
                                    nonce=f"gb{row.id}")
        if not await self.groups.finish(row.id, self.owner, GroupStatus.STARTED,
                                        start_channel_id=where.channel_id,
                                        start_message_id=where.message_id):
            return  # our lease ran out meanwhile: the new owner finishes it
        log.info("group break %s started with %d people", row.id, len(row.people))
        await self._edit(channel, card, gb.started_card(at, row.title, names), row.id)
        if self.guide is not None:
            task = asyncio.ensure_future(self._guide(row, channel, where))
            self._runs.add(task)
            task.add_done_callback(self._runs.discard)

    async def _guide(self, row: GroupBreakRow, channel: gb.GroupChannel,
                     where: gb.Posted) -> None:
        assert self.guide is not None
        try:
            await self.guide.run(gb.GroupRun(row.id, row.routine, row.title, row.created_by),
                                 channel, where)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("the guided routine of group break %s failed", row.id)

    async def _edit(self, channel: gb.GroupChannel, card: gb.Posted, message: Message,
                    group_id: int) -> None:
        if not card.message_id:
            return
        try:
            await channel.edit(card, message)
        except Exception:  # the card is a courtesy; the break itself has happened
            log.warning("could not update the card of group break %s", group_id,
                        exc_info=True)

    async def running(self) -> None:
        """Wait for the guided routines under way (tests)."""
        if self._runs:
            await asyncio.gather(*set(self._runs), return_exceptions=True)

    async def stop(self) -> None:
        """Stop the guided routines under way (the process is stopping)."""
        for task in list(self._runs):
            task.cancel()
        if self._runs:
            await asyncio.gather(*set(self._runs), return_exceptions=True)
