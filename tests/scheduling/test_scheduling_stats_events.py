"""Where breaks are recorded for stats: Done, Snooze, /done and /break through the facade,
and the scheduler's settle step for every break nudge it delivered."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from bot.core import actions
from bot.core.clock import FakeClock
from bot.core.ports import Actor, Target, TargetKind
from bot.storage import tables as t
from tests.scheduling.scheduling_harness import ADMIN, PLATFORM, Rig, make_rig

T0 = datetime(2027, 3, 1, 8, 0, tzinfo=UTC)  # a Monday
PERSON = Actor(PLATFORM, "guild1", "person1", display_name="Cy")


@pytest.fixture
async def rig(tmp_path: Path) -> AsyncIterator[Rig]:
    r = await make_rig(tmp_path / "db.sqlite3", FakeClock(T0))
    yield r
    await r.store.close()


async def events(rig: Rig) -> list[tuple[str, str | None, int | None, str]]:
    e = t.stats_events
    async with rig.store.engine.connect() as conn:
        rows = await conn.execute(sa.select(e.c.kind, e.c.user_id, e.c.schedule_id, e.c.source)
                                  .order_by(e.c.id))
        return [tuple(r) for r in rows]  # type: ignore[misc]


async def test_buttons_and_commands_record_breaks_and_snoozes(rig: Rig) -> None:
    """Done on a nudge, typed /done, a /break card and Snooze each leave one event."""
    await rig.commands.button(PERSON, actions.DONE.build())
    await rig.commands.done(PERSON, source="done")
    await rig.commands.took_break(PERSON, "break")
    await rig.commands.button(PERSON, actions.SNOOZE.build(10))
    assert await events(rig) == [("done", "person1", None, "nudge"),
                                 ("done", "person1", None, "done"),
                                 ("done", "person1", None, "break"),
                                 ("snoozed", "person1", None, "nudge")]


async def test_a_bad_snooze_records_nothing(rig: Rig) -> None:
    """Bad input changes nothing, stats included."""
    await rig.commands.snooze(PERSON, "abc")
    assert await events(rig) == []


async def test_delivered_nudges_are_recorded_with_their_schedule_or_person(rig: Rig) -> None:
    """The settle step records a channel break nudge with its schedule id (no person) and a
    reminder DM with the person; tips are not break nudges."""
    await rig.commands.schedule_add(ADMIN, "c1", "break", every="60", start="09:00",
                                    end="10:00", days="daily")
    await rig.commands.schedule_add(ADMIN, "c2", "tip", every="60", start="09:00",
                                    end="10:00", days="daily")
    await rig.commands.remind_on(PERSON, every="60", start="09:00", end="10:00", days="daily")
    await rig.walk(T0 + timedelta(hours=1, minutes=30), step=timedelta(minutes=5))
    got = await events(rig)
    assert ("nudged", None, 1, "schedule") in got
    assert ("nudged", "person1", None, "reminder") in got
    assert all(schedule != 2 for _, _, schedule, _ in got)


async def test_done_in_a_channel_counts_for_the_schedule_that_posted_there(rig: Rig) -> None:
    """A Done clicked under a channel nudge is tied to the schedule whose nudge came last."""
    await rig.commands.schedule_add(ADMIN, "c1", "break", every="60", start="09:00",
                                    end="10:00", days="daily")
    await rig.walk(T0 + timedelta(hours=1, minutes=5), step=timedelta(minutes=5))
    place = Target(PLATFORM, "guild1", TargetKind.CHANNEL, "c1")
    await rig.commands.button(PERSON, actions.DONE.build(), place)
    assert (await events(rig))[-1] == ("done", "person1", 1, "nudge")
