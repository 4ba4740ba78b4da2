"""The real process against a fake Discord that refuses: a bad token, a channel it lost."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.storage import LedgerStatus, Spec, Store
from tests.fakes.discord import FakeDiscord
from tests.fakes.discord import payloads as p
from tests.reliability.conftest import StartBot, due_slot, stored, when


async def test_rejected_token_exits_2_at_once_with_one_clear_line(
    fake: FakeDiscord, store: Store, start_bot: StartBot
) -> None:
    """A revoked/wrong token: one login attempt, one line saying what to fix, exit 2."""
    bot = await start_bot(DISCORD_TOKEN="a-revoked-token")
    assert await bot.exit_status() == 2
    assert "Discord rejected the bot token (401 Unauthorized)" in bot.log
    assert "a-revoked-token" not in bot.log
    assert "Traceback" not in bot.log
    assert fake.requests == [("GET", "/api/v10/users/@me")]  # no retry loop
    assert fake.identifies == 0


async def test_lost_channel_pauses_its_schedule_and_tells_the_admins_once(
    fake: FakeDiscord, store: Store, start_bot: StartBot
) -> None:
    """A 403 on a schedule's channel: one attempt, schedule paused, one notice to the admins."""
    guild = fake.add_guild("Desk Club")
    general = fake.add_channel(guild, "general")  # the server's system channel
    locked = fake.add_channel(guild, "announcements", bot_deny=p.SEND_MESSAGES)
    slot = due_slot(datetime.now(UTC))
    schedule = await store.add_schedule(
        platform="discord", workspace_id=guild.guild_id, channel_id=locked.channel_id,
        kind="tip", spec=Spec(cron=f"{slot.minute} {slot.hour} * * *"), timezone="UTC",
        next_due=slot, created_by=guild.owner_id,
    )
    assert schedule is not None
    bot = await start_bot(DESKBREAK_TICK_SECONDS="0.5")
    await bot.until(when(fake, stored(1)))  # the notice
    assert await bot.stop() == 0

    notice = fake.messages[general.channel_id]
    assert len(notice) == 1
    assert f"Schedule #{schedule.id} is paused" in notice[0]["embeds"][0]["title"]
    attempts = [r for r in fake.requests if r == ("POST", f"/api/v10/channels/"
                                                          f"{locked.channel_id}/messages")]
    assert len(attempts) == 1
    row = await store.get_schedule(schedule.id)
    assert row is not None and row.paused
    assert row.paused_reason is not None and "can't post in" in row.paused_reason
    (delivery,) = await store.list_deliveries()
    assert delivery.status == LedgerStatus.FAILED
