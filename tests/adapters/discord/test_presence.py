"""Discord presence from the real discord.py member cache, fed by the fake gateway's
GUILD_CREATE presences and PRESENCE_UPDATE events; the intents switch and its fallback."""

from __future__ import annotations

import asyncio
import logging

import pytest

from bot.adapters.discord.client import DeskbreakClient
from bot.adapters.discord.presence import DiscordPresence, presence_intents
from bot.adapters.discord.services import DiscordServices
from bot.meetings.presence import Presence, PresenceState
from tests.adapters.discord.conftest import READY_WAIT, StartBot, World
from tests.fakes.discord import FakeDiscord
from tests.fakes.discord import payloads as p


async def _start(start_bot: StartBot, services: DiscordServices) -> DeskbreakClient:
    return await start_bot(services, intents=presence_intents(True))


async def _status(client: DeskbreakClient, user_id: str, workspace: str = "@me") -> Presence:
    return (await DiscordPresence(client).statuses(workspace, [user_id]))[user_id]


async def _change(fake: FakeDiscord, client: DeskbreakClient, world: World, status: str,
                  custom: str | None = None) -> None:
    seen = asyncio.ensure_future(client.wait_for("presence_update", timeout=READY_WAIT))
    await asyncio.sleep(0)
    await fake.set_presence(world.guild, world.member.user_id, status, custom_status=custom)
    await seen


def test_the_switch_adds_presences_and_members_only_when_on() -> None:
    """Off: guilds only (the default); on: presences and server members too."""
    off, on = presence_intents(False), presence_intents(True)
    assert (off.guilds, off.presences, off.members) == (True, False, False)
    assert (on.guilds, on.presences, on.members) == (True, True, True)


async def test_statuses_arrive_with_the_guild(
    fake: FakeDiscord, world: World, start_bot: StartBot, services: DiscordServices
) -> None:
    """A member already on Do Not Disturb at connect time is seen as such from GUILD_CREATE;
    an offline one (no presence sent) as offline; an online one as available."""
    next(m for m in world.guild.members if m.user_id == world.member.user_id).status = "dnd"
    next(m for m in world.guild.members if m.user_id == world.admin.user_id).status = "offline"
    client = await _start(start_bot, services)
    assert (await _status(client, world.member.user_id)).state is PresenceState.DO_NOT_DISTURB
    assert (await _status(client, world.admin.user_id)).state is PresenceState.OFFLINE


@pytest.mark.parametrize(("status", "custom", "state"), [
    ("dnd", None, PresenceState.DO_NOT_DISTURB),
    ("offline", None, PresenceState.OFFLINE),
    ("idle", None, PresenceState.AVAILABLE),
    ("online", "In a meeting", PresenceState.IN_MEETING),
    ("online", "Vacation until Monday", PresenceState.OUT_OF_OFFICE),
    ("online", "building stuff", PresenceState.AVAILABLE),
])
async def test_presence_updates_change_the_answer(
    status: str, custom: str | None, state: PresenceState, fake: FakeDiscord, world: World,
    start_bot: StartBot, services: DiscordServices
) -> None:
    """PRESENCE_UPDATE keeps the cached status current: offline and DND hold, idle does not,
    a busy custom status holds like a Slack one."""
    client = await _start(start_bot, services)
    assert (await _status(client, world.member.user_id)).state is PresenceState.AVAILABLE
    await _change(fake, client, world, status, custom)
    assert (await _status(client, world.member.user_id)).state is state


async def test_the_guild_named_is_tried_first_and_any_shared_guild_works(
    fake: FakeDiscord, world: World, start_bot: StartBot, services: DiscordServices
) -> None:
    """Looked up by guild id or under @me (personal reminders), the answer is the same."""
    client = await _start(start_bot, services)
    await _change(fake, client, world, "dnd")
    for workspace in (world.guild.guild_id, "@me", "123"):
        assert (await _status(client, world.member.user_id, workspace)).state is \
            PresenceState.DO_NOT_DISTURB


async def test_someone_sharing_no_server_is_unknown(
    world: World, start_bot: StartBot, services: DiscordServices
) -> None:
    """A DM-only user's presence is never sent: unknown, which delivers."""
    client = await _start(start_bot, services)
    assert (await _status(client, world.loner.user_id)).state is PresenceState.UNKNOWN
    assert (await _status(client, "not-a-snowflake")).state is PresenceState.UNKNOWN


async def test_with_the_switch_off_nothing_is_known_and_nothing_is_sent(
    fake: FakeDiscord, world: World, bot: DeskbreakClient
) -> None:
    """Default intents: no presences reach the bot; every answer is unknown."""
    assert fake._sessions and not fake._sessions[0].presences
    assert (await _status(bot, world.member.user_id)).state is PresenceState.UNKNOWN


async def test_intents_not_granted_log_one_line_and_carry_on(
    fake: FakeDiscord, world: World, start_bot: StartBot, services: DiscordServices,
    caplog: pytest.LogCaptureFixture
) -> None:
    """Portal toggles off: Discord closes with 4014; the bot warns once, reconnects without
    the intents, answers commands, and reports presence as unknown."""
    fake.granted_intents = 0
    with caplog.at_level(logging.WARNING, logger="bot.adapters.discord.presence"):
        client = await _start(start_bot, services)
    warnings = [r.getMessage() for r in caplog.records]
    assert len(warnings) == 1 and "Presence Intent" in warnings[0]
    assert (fake.disallowed_closes, fake.identifies) == (1, 1)
    assert not client.intents.presences and not client.intents.members
    assert (await _status(client, world.member.user_id)).state is PresenceState.UNKNOWN
    callback = await fake.interact(fake.slash(world.member, world.general, "about"))
    assert callback.type == 4
    assert p.PRIVILEGED_INTENTS & fake._sessions[0].intents == 0
