"""DiscordNotifier against the fake: channel and DM delivery, refusals, nonces, channel checks."""

from __future__ import annotations

import itertools

import aiohttp

from bot.adapters.discord.client import DeskbreakClient
from bot.adapters.discord.notifier import DiscordNotifier, classify, discord_nonce
from bot.core.messages import Button, Message, MessageKind
from bot.core.ports import Delivery, DeliveryStatus, Platform, Target, TargetKind
from bot.storage import Store
from tests.adapters.discord.conftest import World
from tests.fakes.discord import FakeDiscord
from tests.fakes.discord import payloads as p

NUDGE = Message(kind=MessageKind.NUDGE, title="Time to stand up",
                buttons=(Button("done", "Done"), Button("snooze:10", "Snooze 10 min")))
_ids = itertools.count(1)


def channel_delivery(world: World, channel: p.FakeChannel, nonce: str | None = None
                     ) -> Delivery:
    ledger_id = next(_ids)
    target = Target(Platform.DISCORD, world.guild.guild_id, TargetKind.CHANNEL,
                    channel.channel_id)
    return Delivery(ledger_id, target, nonce or f"n{ledger_id:023d}", "schedule:1")


def dm_delivery(user_id: str) -> Delivery:
    ledger_id = next(_ids)
    target = Target(Platform.DISCORD, "@me", TargetKind.DM, user_id)
    return Delivery(ledger_id, target, f"n{ledger_id:023d}", "reminder:1")


async def test_channel_delivery_posts_embed_buttons_and_nonce(
    fake: FakeDiscord, world: World, bot: DeskbreakClient, store: Store
) -> None:
    """A channel delivery is one message with the embed, persistent buttons and the nonce."""
    delivery = channel_delivery(world, world.general)
    result = await DiscordNotifier(bot, store).deliver(delivery, NUDGE)
    assert result.status is DeliveryStatus.SENT
    (sent,) = fake.messages[world.general.channel_id]
    assert sent["embeds"][0]["title"] == "Time to stand up"
    assert sent["nonce"] == delivery.nonce
    buttons = [c["custom_id"] for row in sent["components"] for c in row["components"]]
    assert buttons == ["done", "snooze:10"]


async def test_resend_with_same_nonce_is_dropped(
    fake: FakeDiscord, world: World, bot: DeskbreakClient, store: Store
) -> None:
    """Sending the same delivery twice (a crash between send and mark) leaves one message."""
    notifier = DiscordNotifier(bot, store)
    delivery = channel_delivery(world, world.general)
    first = await notifier.deliver(delivery, NUDGE)
    second = await notifier.deliver(delivery, NUDGE)
    assert first.status is second.status is DeliveryStatus.SENT
    assert len(fake.messages[world.general.channel_id]) == 1


def test_long_nonces_are_shortened_stably() -> None:
    """A nonce over Discord's 25 characters maps to the same 25-character digest every time."""
    long = "x" * 32
    assert len(discord_nonce(long)) == 25
    assert discord_nonce(long) == discord_nonce(long)
    assert discord_nonce("short") == "short"


async def test_dm_channel_is_created_once_and_remembered(
    fake: FakeDiscord, world: World, bot: DeskbreakClient, store: Store
) -> None:
    """Two DMs to one person, even from a new notifier (a restart), create one DM channel."""
    user_id = world.loner.user_id
    assert (await DiscordNotifier(bot, store).deliver(dm_delivery(user_id), NUDGE)).status \
        is DeliveryStatus.SENT
    assert (await DiscordNotifier(bot, store).deliver(dm_delivery(user_id), NUDGE)).status \
        is DeliveryStatus.SENT
    assert fake.dm_creates == [user_id]
    dm = fake.dm_channel_of(user_id)
    assert dm is not None
    assert len(fake.messages[dm.channel_id]) == 2
    assert await store.kv_get("discord", f"dm:{user_id}") == dm.channel_id


async def test_closed_dms_are_dm_closed(
    fake: FakeDiscord, world: World, bot: DeskbreakClient, store: Store
) -> None:
    """403 with code 50007 on a DM maps to DM_CLOSED."""
    dm = fake.add_channel_dm(world.loner)
    fake.fail_channel(dm.channel_id, 403, 50007)
    result = await DiscordNotifier(bot, store).deliver(dm_delivery(world.loner.user_id), NUDGE)
    assert result.status is DeliveryStatus.DM_CLOSED


async def test_channel_without_send_permission_is_forbidden(
    fake: FakeDiscord, world: World, bot: DeskbreakClient, store: Store
) -> None:
    """A channel answering 403 (50013 Missing Permissions) maps to FORBIDDEN."""
    result = await DiscordNotifier(bot, store).deliver(channel_delivery(world, world.locked),
                                                       NUDGE)
    assert result.status is DeliveryStatus.FORBIDDEN
    assert "50013" in result.detail
    assert world.locked.channel_id not in fake.messages


async def test_missing_access_is_forbidden(
    fake: FakeDiscord, world: World, bot: DeskbreakClient, store: Store
) -> None:
    """A channel answering 403 50001 Missing Access maps to FORBIDDEN."""
    fake.fail_channel(world.general.channel_id, 403, 50001)
    result = await DiscordNotifier(bot, store).deliver(channel_delivery(world, world.general),
                                                       NUDGE)
    assert result.status is DeliveryStatus.FORBIDDEN


async def test_unknown_channel_is_not_found(
    fake: FakeDiscord, world: World, bot: DeskbreakClient, store: Store
) -> None:
    """A deleted channel (404 10003) maps to NOT_FOUND."""
    gone = p.FakeChannel(p.snowflake(), "gone", world.guild.guild_id)
    result = await DiscordNotifier(bot, store).deliver(channel_delivery(world, gone), NUDGE)
    assert result.status is DeliveryStatus.NOT_FOUND


async def test_a_dm_to_an_unknown_recipient_is_dm_closed(
    fake: FakeDiscord, world: World, bot: DeskbreakClient, store: Store
) -> None:
    """Opening the DM of a deleted account answers 400 50033 Invalid Recipient(s): the
    reminder cannot reach them, like closed DMs, instead of being retried every slot."""
    result = await DiscordNotifier(bot, store).deliver(dm_delivery(str(p.snowflake())), NUDGE)
    assert result.status is DeliveryStatus.DM_CLOSED
    assert "50033" in result.detail


async def test_a_malformed_message_is_rejected_not_retried(
    fake: FakeDiscord, world: World, bot: DeskbreakClient, store: Store
) -> None:
    """400 50035 Invalid Form Body refuses the message, not the channel: REJECTED (the
    scheduler fails this delivery only), never RETRY (the same body would fail again)."""
    fake.fail_route("POST", r"/channels/\d+/messages$", 400, code=50035)
    result = await DiscordNotifier(bot, store).deliver(channel_delivery(world, world.general),
                                                       NUDGE)
    assert result.status is DeliveryStatus.REJECTED
    assert "50035" in result.detail


async def test_server_error_is_retry(
    fake: FakeDiscord, world: World, bot: DeskbreakClient, store: Store
) -> None:
    """A 503 from Discord maps to RETRY and posts nothing."""
    fake.fail_route("POST", r"/channels/\d+/messages$", 503)
    result = await DiscordNotifier(bot, store).deliver(channel_delivery(world, world.general),
                                                       NUDGE)
    assert result.status is DeliveryStatus.RETRY
    assert world.general.channel_id not in fake.messages


async def test_long_rate_limit_is_retry_with_retry_after(
    fake: FakeDiscord, world: World, bot: DeskbreakClient, store: Store
) -> None:
    """A 429 asking for longer than the client will wait maps to RETRY with its retry_after."""
    fake.fail_route("POST", r"/channels/\d+/messages$", 429, retry_after=120.0)
    result = await DiscordNotifier(bot, store).deliver(channel_delivery(world, world.general),
                                                       NUDGE)
    assert result.status is DeliveryStatus.RETRY
    assert result.retry_after == 120.0


async def test_short_rate_limit_is_waited_out_by_the_client(
    fake: FakeDiscord, world: World, bot: DeskbreakClient, store: Store
) -> None:
    """A 429 with a tiny retry_after (and Discord's Via header) is retried and succeeds."""
    fake.fail_route("POST", r"/channels/\d+/messages$", 429, retry_after=0.01)
    result = await DiscordNotifier(bot, store).deliver(channel_delivery(world, world.general),
                                                       NUDGE)
    assert result.status is DeliveryStatus.SENT
    assert len(fake.messages[world.general.channel_id]) == 1


async def test_check_channel_accepts_a_postable_channel(
    world: World, bot: DeskbreakClient, store: Store
) -> None:
    """check_channel returns None where the bot can view, send and embed."""
    notifier = DiscordNotifier(bot, store)
    assert await notifier.check_channel(world.guild.guild_id, world.general.channel_id) is None


async def test_check_channel_names_the_missing_permission(
    world: World, bot: DeskbreakClient, store: Store
) -> None:
    """check_channel explains which permission is missing."""
    notifier = DiscordNotifier(bot, store)
    reason = await notifier.check_channel(world.guild.guild_id, world.locked.channel_id)
    assert reason is not None
    assert "Send Messages" in reason


async def test_check_channel_rejects_unknown_and_foreign_channels(
    fake: FakeDiscord, world: World, bot: DeskbreakClient, store: Store
) -> None:
    """Unknown ids and channels of another server get a reason, not None."""
    notifier = DiscordNotifier(bot, store)
    assert "can't find" in (await notifier.check_channel(world.guild.guild_id, "12345") or "")
    other_guild_id = p.snowflake()
    assert "another server" in (
        await notifier.check_channel(other_guild_id, world.general.channel_id) or ""
    )


async def test_notify_admin_falls_back_to_the_system_channel(
    fake: FakeDiscord, world: World, bot: DeskbreakClient, store: Store
) -> None:
    """When the given channel refuses, the admin notice goes once to the system channel."""
    notice = Message(kind=MessageKind.INFO, title="Schedule 3 paused")
    await DiscordNotifier(bot, store).notify_admin(
        world.guild.guild_id, world.locked.channel_id, notice
    )
    assert world.guild.system_channel_id == world.general.channel_id
    (posted,) = fake.messages[world.general.channel_id]
    assert posted["embeds"][0]["title"] == "Schedule 3 paused"


def test_network_errors_are_retry() -> None:
    """A dropped connection or timeout maps to RETRY, never to a permanent refusal."""
    for exc in (aiohttp.ClientConnectionError("reset"), TimeoutError()):
        assert classify(exc).status is DeliveryStatus.RETRY
