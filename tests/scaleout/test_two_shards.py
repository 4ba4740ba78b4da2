"""Two real bot processes, one PostgreSQL database, a fake Discord with two gateway shards.

Each process runs one shard (``DESKBREAK_SHARD_COUNT=2``, ``DESKBREAK_SHARD_IDS=0`` or ``1``)
and posts through its own REST base on the fake (``/via/a`` or ``/via/b``), so every message
says which process sent it. Phase one: schedules in a guild of each shard and personal
reminders all arrive exactly once, each guild's from the process owning its shard. Phase two:
the shard-1 process is SIGKILLed the moment it has posted a message but before it hears back;
the survivor delivers its whole share — that interrupted send again with the same nonce, which
the fake (like Discord) drops — and nothing reaches anyone twice.
"""

from __future__ import annotations

import asyncio
import signal
import socket
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import sqlalchemy as sa

from bot.storage import LedgerStatus, Spec, Store, create_store
from bot.storage import tables as t
from tests.fakes.discord import FakeDiscord
from tests.fakes.discord import payloads as p
from tests.reliability.botprocess import BotProcess, bot_env

LEASE_SECONDS = 4  # takeover of a dead process's share: about lease + one tick
FAST = {
    "DESKBREAK_LEASE_SECONDS": str(LEASE_SECONDS),
    "DESKBREAK_TICK_SECONDS": "0.5",
    "DESKBREAK_SHARD_COUNT": "2",
}
DEADLINE = 25.0  # upper bound on any wait; a healthy run is far inside it
YEARLY = Spec(cron="0 0 1 1 *")  # one slot a year: only the next_due we set fires here


@dataclass
class World:
    zero: p.FakeGuild
    one: p.FakeGuild
    zero_chan: p.FakeChannel
    one_chan: p.FakeChannel
    one_chan_b: p.FakeChannel
    people: list[p.Invoker]


@pytest.fixture
async def pg(pg_url: str) -> AsyncIterator[Store]:
    """The session's fresh PostgreSQL database, emptied and migrated for this test."""
    store = create_store(pg_url)
    async with store.engine.begin() as conn:
        await conn.execute(sa.text("DROP SCHEMA public CASCADE"))
        await conn.execute(sa.text("CREATE SCHEMA public"))
    await store.migrate()
    yield store
    await store.close()


@pytest.fixture
async def fake() -> AsyncIterator[FakeDiscord]:
    server = FakeDiscord(shard_count=2)
    await server.start()
    yield server
    await server.close()


@pytest.fixture
def world(fake: FakeDiscord) -> World:
    zero = fake.add_guild("Shard Zero", shard=0)
    one = fake.add_guild("Shard One", shard=1)
    return World(
        zero=zero,
        one=one,
        zero_chan=fake.add_channel(zero, "stretch"),
        one_chan=fake.add_channel(one, "stretch"),
        one_chan_b=fake.add_channel(one, "tips"),
        people=[fake.add_user(f"person-{i}") for i in range(6)],
    )


StartBot = Callable[[str, int], Awaitable[tuple[BotProcess, int]]]


@pytest.fixture
async def start_bot(
    fake: FakeDiscord, pg: Store, pg_url: str, tmp_path: Path
) -> AsyncIterator[StartBot]:
    """Start ``python -m bot run --platform discord`` for one shard; all are dead afterwards."""
    runs: list[BotProcess] = []

    async def start(via: str, shard: int) -> tuple[BotProcess, int]:
        port = _free_port()
        env = bot_env(
            fake,
            pg_url,
            **FAST,
            DESKBREAK_SHARD_IDS=str(shard),
            DESKBREAK_DISCORD_API_BASE=fake.api_base_for(via),
            DESKBREAK_METRICS_PORT=str(port),
        )
        bot = await BotProcess.start(tmp_path, env, name=via)
        runs.append(bot)
        return bot, port

    yield start
    for bot in runs:
        await bot.ensure_dead()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def _eventually(check: Callable[[], Awaitable[bool]], what: str,
                      bots: list[BotProcess], store: Store) -> None:
    """Poll ``check`` until it holds; past the deadline fail with the database's work rows
    and the ends of the bots' logs."""
    deadline = time.monotonic() + DEADLINE
    while not await check():
        if time.monotonic() > deadline:
            snapshot = await store.snapshot()
            rows = "\n".join(
                f"{name}: {row}" for name in ("schedules", "reminders", "deliveries")
                for row in snapshot[name]
            )
            logs = "\n\n".join(
                f"--- {b.log_path.name}\n" + "\n".join(
                    line for line in b.log.splitlines()[-40:] if "apscheduler" not in line
                ) for b in bots
            )
            raise AssertionError(f"timed out waiting for {what}\n{rows}\n{logs}")
        await asyncio.sleep(0.1)


async def _healthy(port: int) -> bool:
    """The bot's /healthz: 200 once the gateway is READY and the scheduler is ticking."""
    try:
        async with aiohttp.ClientSession() as http, http.get(
            f"http://127.0.0.1:{port}/healthz", timeout=aiohttp.ClientTimeout(total=1)
        ) as response:
            return response.status == 200
    except (aiohttp.ClientError, TimeoutError):
        return False


def _inbox(fake: FakeDiscord, channel_id: str) -> list[dict[str, Any]]:
    return fake.messages.get(channel_id, [])


def _dm_inbox(fake: FakeDiscord, person: p.Invoker) -> list[dict[str, Any]]:
    dm = fake.dm_channel_of(person.user_id)
    return [] if dm is None else _inbox(fake, dm.channel_id)


def _via(fake: FakeDiscord, messages: list[dict[str, Any]]) -> list[str]:
    return [fake.sent_via[str(m["id"])] for m in messages]


async def _settled(store: Store, now: datetime) -> bool:
    """Nothing left to do: no pending ledger row and no schedule or reminder still due."""
    async with store.engine.connect() as conn:
        pending = (await conn.execute(
            sa.select(sa.func.count()).select_from(t.deliveries)
            .where(t.deliveries.c.status == LedgerStatus.PENDING.value)
        )).scalar_one()
        due = 0
        for table in (t.schedules, t.reminders):
            due += (await conn.execute(
                sa.select(sa.func.count()).select_from(table).where(table.c.next_due <= now)
            )).scalar_one()
    return pending == 0 and due == 0


async def _schedule(store: Store, guild: p.FakeGuild, channel: p.FakeChannel,
                    due: datetime) -> int:
    row = await store.add_schedule(
        platform="discord", workspace_id=guild.guild_id, channel_id=channel.channel_id,
        kind="tip", spec=YEARLY, timezone="UTC", next_due=due, created_by=guild.owner_id,
    )
    assert row is not None
    return row.id


async def _remind(store: Store, person: p.Invoker, due: datetime) -> None:
    # Every hour 09-17, but only on a weekday three days off: nothing fires during the test
    # except the next_due set here.
    far_day = (due.weekday() + 3) % 7
    spec = Spec(every_minutes=60, start="09:00", end="17:00", days=str(far_day))
    await store.upsert_reminder(platform="discord", workspace_id="@me",
                                user_id=person.user_id, spec=spec, timezone="UTC",
                                next_due=due)


def _duplicate_nonce_posts(fake: FakeDiscord) -> list[tuple[str, str]]:
    """(channel, nonce) pairs the bots posted more than once."""
    seen: dict[tuple[str, str], int] = {}
    for channel_id, body in fake.create_bodies:
        key = (channel_id, str(body.get("nonce")))
        seen[key] = seen.get(key, 0) + 1
    return [key for key, n in seen.items() if n > 1]


async def test_two_shard_processes_deliver_everything_once_and_survive_a_kill(
    fake: FakeDiscord, world: World, pg: Store, start_bot: StartBot
) -> None:
    """Both shards' schedules and all reminders arrive exactly once, each guild's from its
    shard's process; after kill -9 of one process the other delivers its share, once."""
    a, a_port = await start_bot("a", 0)
    b, b_port = await start_bot("b", 1)
    bots = [a, b]

    async def both_healthy() -> bool:
        return await _healthy(a_port) and await _healthy(b_port)

    await _eventually(both_healthy, "both processes to be READY and scheduling", bots, pg)
    assert fake.identified_shards == {0, 1}

    # ---- phase one: everything due now, both processes alive
    now = datetime.now(UTC).replace(microsecond=0) - timedelta(seconds=1)
    await _schedule(pg, world.zero, world.zero_chan, now)
    await _schedule(pg, world.one, world.one_chan, now)
    for person in world.people[:4]:
        await _remind(pg, person, now)

    async def phase_one_done() -> bool:
        inboxes = [_inbox(fake, world.zero_chan.channel_id),
                   _inbox(fake, world.one_chan.channel_id)]
        inboxes += [_dm_inbox(fake, person) for person in world.people[:4]]
        return all(inboxes) and await _settled(pg, datetime.now(UTC))

    await _eventually(phase_one_done, "phase one's deliveries", bots, pg)
    assert _via(fake, _inbox(fake, world.zero_chan.channel_id)) == ["a"]
    assert _via(fake, _inbox(fake, world.one_chan.channel_id)) == ["b"]
    assert [len(_dm_inbox(fake, person)) for person in world.people[:4]] == [1, 1, 1, 1]

    # ---- phase two: the shard-1 process dies after posting, before it hears back
    before = {mid for mid, via in fake.sent_via.items() if via == "b"}

    def kill_b() -> None:
        """Runs as the fake stores a message, before it answers: a new post from b kills b.

        One shot: later posts (the survivor's) must be answered normally, or the fake would
        fail them and the survivor's retries would count as doubles the kill did not cause."""
        if any(via == "b" and mid not in before for mid, via in fake.sent_via.items()):
            fake.on_message = None
            b.kill(signal.SIGKILL)

    fake.on_message = kill_b
    # A new slot for the same schedule (a slot equal to phase one's would be the same ledger
    # row, which the unique (source, slot, target) rightly refuses to send again).
    later = max(datetime.now(UTC), now + timedelta(seconds=1))
    async with pg.engine.begin() as conn:  # the shard-1 guild's first schedule is due again
        await conn.execute(sa.update(t.schedules)
                           .where(t.schedules.c.channel_id == world.one_chan.channel_id)
                           .values(next_due=later))
    await _schedule(pg, world.one, world.one_chan_b, later)
    for person in world.people[4:]:
        await _remind(pg, person, later)
    assert await b.exit_status() == -signal.SIGKILL
    killed_at = time.monotonic()

    async def phase_two_done() -> bool:
        inboxes = [_inbox(fake, world.one_chan_b.channel_id)]
        inboxes += [_dm_inbox(fake, person) for person in world.people[4:]]
        return (len(_inbox(fake, world.one_chan.channel_id)) >= 2 and all(inboxes)
                and await _settled(pg, datetime.now(UTC)))

    await _eventually(phase_two_done, "the survivor to deliver the dead process's share",
                      bots, pg)
    takeover = time.monotonic() - killed_at
    assert await a.stop() == 0

    # Exactly once, everywhere, across both phases.
    assert len(_inbox(fake, world.zero_chan.channel_id)) == 1
    assert len(_inbox(fake, world.one_chan.channel_id)) == 2
    assert len(_inbox(fake, world.one_chan_b.channel_id)) == 1
    assert [len(_dm_inbox(fake, person)) for person in world.people] == [1] * 6
    rows = await pg.list_deliveries()
    assert len(rows) == 2 + 1 + 1 + 6
    assert {r.status for r in rows} == {LedgerStatus.SENT}
    # The posts the kill interrupted (b may have had a few in flight) were sent again by the
    # survivor with the same nonce and dropped by the fake, as Discord drops them: the nonce,
    # not luck, prevented the doubles.
    interrupted = {
        str(m["channel_id"]) for msgs in fake.messages.values() for m in msgs
        if fake.sent_via[str(m["id"])] == "b" and str(m["id"]) not in before
    }
    assert interrupted
    assert {cid for cid, _nonce in _duplicate_nonce_posts(fake)} == interrupted
    # Bounded: the dead process's leases run out after LEASE_SECONDS; then one tick.
    assert takeover < LEASE_SECONDS * 3
    assert "Traceback" not in a.log
