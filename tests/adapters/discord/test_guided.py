"""Guided stretches on Discord, end to end: real discord.py against the fake Discord.

The runner sleeps on a FakeTimer sharing the fake Discord's clock, so every @original edit the
fake receives is stamped with the fake time it was sent at: the pacing is measured there.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest

from bot.adapters.discord.client import DeskbreakClient
from bot.adapters.discord.services import DiscordServices
from bot.core.clock import FakeClock
from bot.core.content.library import Library
from bot.core.events import EventKind
from bot.core.guided.commands import GuidedCommands
from bot.core.guided.timer import FakeTimer
from tests.adapters.discord.conftest import StartBot, World
from tests.fakes.discord import FakeDiscord
from tests.fakes.discord import payloads as p
from tests.recorded import Events

EPHEMERAL = 64
UPDATE_MESSAGE = 7



@pytest.fixture
async def fake(clock: FakeClock) -> AsyncIterator[FakeDiscord]:
    """The fake Discord on the test's clock, so edits are stamped with fake time."""
    server = FakeDiscord(clock=clock)
    await server.start()
    yield server
    await server.close()



@pytest.fixture
async def guided_bot(start_bot: StartBot, services: DiscordServices, world: World,
                     guided: GuidedCommands) -> DeskbreakClient:
    return await start_bot(replace(services, guided=guided))


def custom_ids(data: dict[str, Any]) -> list[str]:
    return [c["custom_id"] for row in data.get("components", []) for c in row["components"]]


async def dm_card(fake: FakeDiscord, world: World, name: str
                  ) -> tuple[p.FakeChannel, dict[str, Any]]:
    """/stretch NAME typed in a DM with the bot, and the message Discord stores for it."""
    dm = fake.add_channel_dm(world.loner)
    cb = await fake.interact(fake.slash(world.loner, dm, "stretch", [p.option("name", name)]))
    return dm, p.message(dm.channel_id, fake.bot_user, cb.data)


async def test_start_on_a_card_runs_it_in_place_with_paced_edits(
    fake: FakeDiscord, world: World, guided_bot: DeskbreakClient, timer: FakeTimer,
    events: Events, clock: FakeClock,
) -> None:
    """Start on a /stretch card in a DM turns the card into the run (type 7), then the
    interaction's message is edited at each change: hold (a <t:…:R> countdown), switch
    sides, other side, finish; >= 2 s apart by the fake's clock; the finish is a DONE."""
    dm, card = await dm_card(fake, world, "pigeon")
    assert custom_ids(card)[-1] == "guided:pigeon"
    started = clock.now()
    payload = fake.click(world.loner, dm, "guided:pigeon", card)
    cb = await fake.interact(payload)
    token = payload["token"]
    assert cb.type == UPDATE_MESSAGE
    first = cb.data["embeds"][0]
    assert first["title"] == "Pigeon pose"
    ready_end = int((started + timedelta(seconds=8)).timestamp())
    assert first["description"] == f"Get into position: Pigeon pose — ends <t:{ready_end}:R>"
    assert custom_ids(cb.data)[0].startswith("stop:")

    bodies = []
    for step in (8, 30, 5, 30):
        await timer.advance(step)
        edit = await fake.next_followup(token)
        assert edit["kind"] == "edit_original"
        bodies.append(edit["embeds"][0])
    hold_end = int((started + timedelta(seconds=38)).timestamp())
    assert bodies[0]["description"] == f"First side · Hold — ends <t:{hold_end}:R>"
    assert bodies[1]["description"] == "Switch to the other side"
    assert bodies[2]["description"].startswith("Other side · Hold — ends <t:")
    assert bodies[3]["title"] == "Done — nice work"
    edits = [(at, body) for t, at, body in fake.webhook_edits if t == token]
    assert len(edits) == 4
    assert custom_ids(edits[-1][1]) == ["guided:pigeon", "guided"]
    gaps = [(b[0] - a[0]).total_seconds() for a, b in zip(edits, edits[1:], strict=False)]
    assert min(gaps) >= 2.0
    assert [(e.kind, e.source, e.user_id) for e in events.seen] == [
        (EventKind.DONE, "guided", world.loner.user_id)]


async def test_quick_reps_are_never_edited_faster_than_every_two_seconds(
    fake: FakeDiscord, world: World, guided_bot: DeskbreakClient, timer: FakeTimer,
    guided: GuidedCommands,
) -> None:
    """/routine wrists (counted reps: a change every 4 s) walked a second at a time: every
    edit lands >= 2 s after the one before by the fake's clock, and reps are counted."""
    payload = fake.slash(world.member, world.general, "routine", [p.option("name", "wrists")])
    cb = await fake.interact(payload)
    assert cb.data["flags"] == EPHEMERAL
    assert cb.data["embeds"][0]["title"].startswith("2 minutes for wrists and forearms · 1 of 3")
    run = guided.runs.get(custom_ids(cb.data)[0].removeprefix("stop:"))
    assert run is not None, (cb.type, custom_ids(cb.data), cb.data)
    received: list[dict[str, Any]] = []
    for _ in range(200):
        await timer.advance(1)
        while len(received) < run.edits:  # drawn and sent: wait for it to arrive
            received.append(await fake.next_followup(payload["token"]))
        if run.done:
            break
    assert run.done and received[-1]["embeds"][0]["title"] == "Done — nice work"
    stamps = [at for t, at, _ in fake.webhook_edits if t == payload["token"]]
    gaps = [(b - a).total_seconds() for a, b in zip(stamps, stamps[1:], strict=False)]
    assert len(stamps) >= 3 and min(gaps) >= 2.0
    texts = [e["embeds"][0].get("description", "") for e in received]
    assert any(t.startswith("Rep 5 of 5") for t in texts)


async def test_stop_ends_the_run_at_once(
    fake: FakeDiscord, world: World, guided_bot: DeskbreakClient, timer: FakeTimer,
    events: Events,
) -> None:
    """Stop on the running message replaces it with "Stopped" and no edit follows."""
    dm, card = await dm_card(fake, world, "pigeon")
    payload = fake.click(world.loner, dm, "guided:pigeon", card)
    cb = await fake.interact(payload)
    running = p.message(dm.channel_id, fake.bot_user, cb.data)
    await timer.advance(8)
    await fake.next_followup(payload["token"])
    stop = custom_ids(cb.data)[0]
    stranger = await fake.interact(fake.click(world.member, dm, stop, running))
    assert stranger.type == 4 and stranger.data["flags"] == EPHEMERAL
    stopped = await fake.interact(fake.click(world.loner, dm, stop, running))
    assert stopped.type == UPDATE_MESSAGE
    assert stopped.data["embeds"][0]["title"] == "Stopped"
    before = len(fake.webhook_edits)
    await timer.advance(120)
    assert len(fake.webhook_edits) == before and events.seen == []


async def test_start_on_a_channel_nudge_arrives_privately(
    fake: FakeDiscord, world: World, guided_bot: DeskbreakClient, timer: FakeTimer,
) -> None:
    """Start on a /break post in the channel does not take over the channel's message: the
    run arrives as a private reply, and its edits go to that reply."""
    cb = await fake.interact(fake.slash(world.member, world.general, "break"))
    post = p.message(world.general.channel_id, fake.bot_user, cb.data,
                     guild_id=world.guild.guild_id)
    start = next(c for c in custom_ids(post) if c.startswith("guided:"))
    payload = fake.click(world.member, world.general, start, post)
    run = await fake.interact(payload)
    assert run.type == 4 and run.data["flags"] == EPHEMERAL
    await timer.advance(8)
    edit = await fake.next_followup(payload["token"])
    assert edit["kind"] == "edit_original"


async def test_schedule_kind_choices_include_each_routine(
    fake: FakeDiscord, guided_bot: DeskbreakClient, library: Library,
) -> None:
    """/schedule add's kind menu on Discord: break, tip and routine:<id> for every routine."""
    synced = fake.global_commands or next(iter(fake.guild_commands.values()))
    schedule = next(c for c in synced if c["name"] == "schedule")
    add = next(o for o in schedule["options"] if o["name"] == "add")
    kind = next(o for o in add["options"] if o["name"] == "kind")
    assert [c["value"] for c in kind["choices"]] == [
        "break", "tip", *(f"routine:{r.id}" for r in library.routines)]
