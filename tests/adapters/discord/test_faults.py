"""Discord misbehaving: 5xx and 429 storms during a fan-out, and interactions that expired.

The scheduler runs on a FakeClock and is ticked by hand, so "ten minutes of outage" takes no
time; the fake counts every request, which is how "no retry storm" is measured.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

import pytest

from bot.adapters.discord.client import DeskbreakClient
from bot.adapters.discord.services import DiscordServices
from bot.core.clock import FakeClock
from bot.scheduling.service import SchedulerService
from bot.storage import LedgerStatus, Spec, Store
from tests.adapters.discord.conftest import StartBot, World
from tests.fakes.discord import FakeDiscord

CHANNELS = 20
GRACE = timedelta(minutes=10)
TICK = timedelta(seconds=10)
MESSAGES = r"^/api/v10/channels/\d+/messages$"
CHANNEL_MESSAGE = 4


def _posts(fake: FakeDiscord) -> int:
    return sum(1 for method, path in fake.requests
               if method == "POST" and path.endswith("/messages"))


async def _fanout(fake: FakeDiscord, world: World, store: Store, clock: FakeClock) -> list[str]:
    """CHANNELS daily schedules, all due now; returns their channel ids."""
    ids = []
    for i in range(CHANNELS):
        channel = fake.add_channel(world.guild, f"desk-{i}")
        now = clock.now()
        await store.add_schedule(
            platform="discord", workspace_id=world.guild.guild_id,
            channel_id=channel.channel_id, kind="tip",
            spec=Spec(cron=f"{now.minute} {now.hour} * * *"), timezone="UTC", next_due=now,
            created_by=world.admin.user_id,
        )
        ids.append(channel.channel_id)
    return ids


async def _tick_for(service: SchedulerService, clock: FakeClock, span: timedelta) -> None:
    """Tick every TICK of fake time for ``span``, as the interval job would."""
    end = clock.now() + span
    while clock.now() < end:
        await service.tick()
        clock.advance(TICK)


async def _running(start_bot: StartBot, services: DiscordServices) -> SchedulerService:
    await start_bot(services)
    assert services.scheduling is not None and services.scheduling.service is not None
    return services.scheduling.service


@pytest.mark.parametrize(("status", "retry_after"), [(503, 0.0), (429, 90.0)])
async def test_storm_backs_off_and_every_slot_still_goes_out_once_inside_grace(
    fake: FakeDiscord, world: World, services: DiscordServices, store: Store,
    clock: FakeClock, start_bot: StartBot, status: int, retry_after: float,
) -> None:
    """Four minutes of 503s (or 429s asking for 90 s): a few spaced attempts per channel, not
    one per tick, and each channel gets its slot exactly once when Discord recovers."""
    channels = await _fanout(fake, world, store, clock)
    slot = clock.now()
    service = await _running(start_bot, services)
    fake.fail_route("POST", MESSAGES, status, retry_after=retry_after, times=None)

    await _tick_for(service, clock, timedelta(minutes=4))
    during = _posts(fake)
    ticks = int(timedelta(minutes=4) / TICK)
    assert CHANNELS <= during <= CHANNELS * 4  # backoff: at most 4 tries each, not 24
    assert during < CHANNELS * ticks
    fake.route_faults.clear()  # Discord is back

    await _tick_for(service, clock, GRACE - timedelta(minutes=4))
    assert all(len(fake.messages.get(c, [])) == 1 for c in channels)
    rows = await store.list_deliveries()
    assert {(r.status, r.slot) for r in rows} == {(LedgerStatus.SENT, slot)}
    assert all(r.sent_at is not None and r.sent_at - slot < GRACE for r in rows)


async def test_bad_gateway_once_is_retried_by_discord_py_and_sent_once(
    fake: FakeDiscord, world: World, services: DiscordServices, store: Store,
    clock: FakeClock, start_bot: StartBot,
) -> None:
    """A single 502 is retried inside the request (discord.py waits 1 s): one message."""
    fake.add_channel(world.guild, "spare")
    now = clock.now()
    await store.add_schedule(
        platform="discord", workspace_id=world.guild.guild_id,
        channel_id=world.general.channel_id, kind="tip",
        spec=Spec(cron=f"{now.minute} {now.hour} * * *"), timezone="UTC", next_due=now,
        created_by=world.admin.user_id,
    )
    service = await _running(start_bot, services)
    fake.fail_route("POST", MESSAGES, 502, times=1)
    report = await service.tick()
    assert report.sent == 1
    assert _posts(fake) == 2
    assert len(fake.messages[world.general.channel_id]) == 1


@pytest.mark.parametrize("code", [10062, 10015])
async def test_expired_interaction_is_one_warning_and_the_bot_carries_on(
    fake: FakeDiscord, world: World, bot: DeskbreakClient, code: int,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Discord says the token is gone (10062/10015): one warning, no traceback, no retry."""
    caplog.set_level(logging.INFO)
    late = fake.slash(world.member, world.general, "about")
    fake.fail_route("POST", rf"/interactions/\d+/{late['token']}/callback", 404, code=code,
                    times=None)
    await fake.dispatch("INTERACTION_CREATE", late)
    await _until(lambda: "interaction expired" in caplog.text)

    cb = await fake.interact(fake.slash(world.member, world.general, "about"))
    assert cb.type == CHANNEL_MESSAGE  # the next person is answered as usual
    expired_calls = [r for r in fake.requests if late["token"] in r[1]]
    assert len(expired_calls) == 1  # no apology sent after it, no retry
    assert caplog.text.count("interaction expired") == 1
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert "Traceback" not in caplog.text


async def _until(condition: object, within: float = 5.0) -> None:
    """Wait for ``condition()`` (checked between event-loop turns), failing after ``within``."""
    assert callable(condition)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while not condition():
        assert loop.time() < deadline, "condition never became true"
        await asyncio.sleep(0.01)
