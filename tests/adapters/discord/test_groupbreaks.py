"""/groupbreak end to end: the real discord.py client against the fake Discord, an injected
clock for the start time and a fake timer for the guided routine."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Any

import pytest

from bot.adapters.discord.client import DeskbreakClient
from bot.adapters.discord.groups import DiscordGroupChannel
from bot.adapters.discord.services import DiscordServices
from bot.core import actions
from bot.core.clock import FakeClock
from bot.core.content.library import Library
from bot.core.groupguide import GuidedGroup, LibraryRoutines
from bot.core.guided.session import GuidedRuns
from bot.core.guided.timer import FakeTimer
from bot.core.ports import Platform
from bot.scheduling.commands import GroupBreakDeps
from bot.scheduling.groupbreaks import GroupBreakStarter
from bot.storage import Store
from bot.storage.groupbreaks import GroupBreakStore
from tests.adapters.discord.conftest import START, StartBot
from tests.fakes.discord import FakeDiscord
from tests.fakes.discord import payloads as p
from tests.recorded import Events

EPHEMERAL = 64
THREADS = p.CREATE_PUBLIC_THREADS | p.SEND_MESSAGES_IN_THREADS



@dataclass
class Group:
    fake: FakeDiscord
    bot: DeskbreakClient
    starter: GroupBreakStarter
    timer: FakeTimer
    events: Events
    channel: p.FakeChannel
    sam: p.Invoker
    ada: p.Invoker
    lee: p.Invoker
    mods_role: str

    def messages(self, channel_id: str) -> list[dict[str, Any]]:
        return self.fake.messages.get(channel_id, [])


async def setup(fake: FakeDiscord, start_bot: StartBot, services: DiscordServices,
                store: Store, clock: FakeClock, library: Library, *,
                everyone: int) -> Group:
    guild = fake.add_guild("Stretch Club", everyone_permissions=everyone)
    channel = fake.add_channel(guild, "general")
    mods = fake.add_role(guild, "mods", p.MANAGE_GUILD)
    sam, ada = fake.add_member(guild, "sam"), fake.add_member(guild, "ada", role_ids=[mods])
    lee = fake.add_member(guild, "lee")
    bot = await start_bot(services)
    events, timer = Events(), FakeTimer(clock)
    channels = {Platform.DISCORD: DiscordGroupChannel(bot)}
    groups = GroupBreakStore(store)
    assert services.scheduling is not None
    bot.services = replace(bot.services, scheduling=services.scheduling.with_groups(
        GroupBreakDeps(groups, channels, LibraryRoutines(library), events)))
    starter = GroupBreakStarter(
        groups, store, channels, owner="p1", lease=timedelta(seconds=60),
        grace=timedelta(minutes=10), guide=GuidedGroup(GuidedRuns(timer, events), library))
    return Group(fake, bot, starter, timer, events, channel, sam, ada, lee, mods)


def buttons(message: dict[str, Any]) -> list[tuple[str, str]]:
    return [(c["custom_id"], c.get("label", "")) for row in message.get("components", [])
            for c in row["components"]]


async def post_and_join(g: Group) -> dict[str, Any]:
    """sam posts /groupbreak (5 min, the default routine); ada presses Count me in."""
    cb = await g.fake.interact(g.fake.slash(g.sam, g.channel, "groupbreak",
                                            [p.option("in_minutes", 5, type_=4)]))
    if cb.type == 5:
        answer = await g.fake.next_followup(cb.token)
    else:
        answer = cb.data
    assert answer["flags"] & EPHEMERAL and answer["embeds"][0]["title"] == "Group break posted"
    [card] = g.messages(g.channel.channel_id)
    assert card["embeds"][0]["title"] == "Group break at 08:05 — 3 min desk reset"
    join = buttons(card)[0][0]
    assert buttons(card) == [(join, "Count me in (1)"), (buttons(card)[1][0], "Leave")]
    clicked = await g.fake.interact(g.fake.click(g.ada, g.channel, join, card))
    assert clicked.type == 7  # the card itself is redrawn
    assert buttons(clicked.data)[0][1] == "Count me in (2)"
    assert "sam, ada" in str(clicked.data["embeds"][0]["fields"])
    return card


@pytest.fixture
async def threads_allowed(fake: FakeDiscord, start_bot: StartBot, services: DiscordServices,
                          store: Store, clock: FakeClock, library: Library) -> Group:
    return await setup(fake, start_bot, services, store, clock, library,
                       everyone=p.MEMBER_DEFAULT | THREADS)


async def test_the_start_is_a_thread_mentioning_exactly_who_joined(
    threads_allowed: Group, clock: FakeClock
) -> None:
    """At the start time the start goes in a thread made from the card; its
    allowed_mentions are exactly the two people in (parse nothing: no @everyone, no role),
    and its content pings them and nobody else."""
    g = threads_allowed
    card = await post_and_join(g)
    clock.set(START + timedelta(minutes=4, seconds=59))
    assert await g.starter.tick(clock.now()) == []
    clock.set(START + timedelta(minutes=5))
    await g.starter.tick(clock.now())
    assert list(g.fake.threads) == [card["id"]]
    thread = g.fake.threads[card["id"]]
    assert thread.name == "Group break 08:05 — 3 min desk reset"
    [(where, body)] = [(c, b) for c, b in g.fake.create_bodies if "users" in b["allowed_mentions"]]
    assert where == thread.channel_id
    assert body["allowed_mentions"]["parse"] == []
    assert sorted(map(str, body["allowed_mentions"]["users"])) == sorted(
        [g.sam.user_id, g.ada.user_id])
    assert body["nonce"].startswith("gb") and body["enforce_nonce"]
    assert "roles" not in body["allowed_mentions"]
    assert body["content"] == f"<@{g.sam.user_id}> <@{g.ada.user_id}>"
    assert "everyone" not in str(body) and g.lee.user_id not in str(body)
    assert buttons(body)[0][0].startswith("group_done:")
    card_edits = [b for c, m, b in g.fake.edits if m == card["id"]]
    assert card_edits[-1]["embeds"][0]["title"].endswith("started")
    # No other message the bot sent may ping anyone.
    others = [b for c, b in g.fake.create_bodies if b is not body]
    assert all(b["allowed_mentions"] == {"parse": []} for b in others)


async def test_the_routine_is_guided_in_one_shared_message_and_done_counts_once(
    threads_allowed: Group, clock: FakeClock
) -> None:
    """The routine runs in one message in the thread, edited at each change (at least 2 s
    apart); its finish has Done, which counts a group break once for each person who joined
    and nothing for someone who did not."""
    g = threads_allowed
    card = await post_and_join(g)
    clock.set(START + timedelta(minutes=5))
    await g.starter.tick(clock.now())
    thread = g.fake.threads[card["id"]]
    await g.timer.run_until_idle()
    await g.starter.running()
    start, guided = g.messages(thread.channel_id)
    edits = [(b, clock) for c, m, b in g.fake.edits if m == guided["id"]]
    assert len(edits) >= 3
    assert guided["embeds"][0]["title"] == "Done — nice work"
    done = buttons(guided)[0][0]
    assert done == actions.GROUP_DONE.build(int(done.split(":")[1]))
    assert "<t:" in str(edits[0][0])  # Discord counts holds down by itself
    first = await g.fake.interact(g.fake.click(g.ada, thread, done, guided))
    again = await g.fake.interact(g.fake.click(g.ada, thread, done, start))
    stranger = await g.fake.interact(g.fake.click(g.lee, thread, done, guided))
    assert [cb.data["embeds"][0]["title"] for cb in (first, again, stranger)] == [
        "Nice one!", "Already counted", "Not counted here"]
    assert all(cb.data["flags"] & EPHEMERAL for cb in (first, again, stranger))
    assert [(e.user_id, e.source, e.workspace_id) for e in g.events.seen] == [
        (g.ada.user_id, "group", thread.guild_id)]


async def test_where_threads_are_refused_the_start_goes_in_the_channel(
    fake: FakeDiscord, start_bot: StartBot, services: DiscordServices, store: Store,
    clock: FakeClock, library: Library,
) -> None:
    """Without Create Public Threads, Discord refuses the thread: the start is posted in
    the channel, still mentioning exactly the people in."""
    g = await setup(fake, start_bot, services, store, clock, library, everyone=p.MEMBER_DEFAULT)
    await post_and_join(g)
    clock.set(START + timedelta(minutes=5))
    await g.starter.tick(clock.now())
    assert fake.threads == {}
    [(where, body)] = [(c, b) for c, b in fake.create_bodies if "users" in b["allowed_mentions"]]
    assert where == g.channel.channel_id
    assert body["allowed_mentions"]["parse"] == []
    assert list(map(str, body["allowed_mentions"]["users"])) == [g.sam.user_id, g.ada.user_id]
    await g.starter.stop()


async def test_a_member_who_leaves_is_not_mentioned(
    threads_allowed: Group, clock: FakeClock
) -> None:
    """Leave takes the person off the card and out of the start's mentions."""
    g = threads_allowed
    card = await post_and_join(g)
    leave = buttons(card)[1][0]
    left = await g.fake.interact(g.fake.click(g.sam, g.channel, leave, card))
    assert left.type == 7 and buttons(left.data)[0][1] == "Count me in (1)"
    clock.set(START + timedelta(minutes=5))
    await g.starter.tick(clock.now())
    [body] = [b for _, b in g.fake.create_bodies if "users" in b["allowed_mentions"]]
    assert list(map(str, body["allowed_mentions"]["users"])) == [g.ada.user_id]
    await g.starter.stop()


async def test_a_channel_the_bot_cannot_post_in_gets_one_line(
    fake: FakeDiscord, start_bot: StartBot, services: DiscordServices, store: Store,
    clock: FakeClock, library: Library,
) -> None:
    """/groupbreak where the bot may not post: a private line saying what to fix; no break
    is kept."""
    g = await setup(fake, start_bot, services, store, clock, library, everyone=p.MEMBER_DEFAULT)
    locked = fake.add_channel(fake.guilds[g.channel.guild_id or ""], "quiet",
                              bot_deny=p.SEND_MESSAGES)
    cb = await fake.interact(fake.slash(g.sam, locked, "groupbreak"))
    answer = await fake.next_followup(cb.token) if cb.type == 5 else cb.data
    assert answer["flags"] & EPHEMERAL
    assert "I can't post in this channel" in answer["embeds"][0]["description"]
    assert await GroupBreakStore(store).claim_due(
        clock.now() + timedelta(hours=1), "p", timedelta(seconds=60), ["discord"]) == []
