"""/remind forget: a question first, then nothing in any table names the person in that
workspace; other people and other workspaces keep theirs, and settled ledger rows stay."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from bot.core import actions
from bot.core.clock import FakeClock
from bot.core.ports import Actor
from bot.storage import tables as t
from bot.storage.audit import AuditLog
from tests.scheduling.scheduling_harness import PLATFORM, Rig, make_rig

T0 = datetime(2027, 3, 1, 7, 0, tzinfo=UTC)
PERSON = Actor(PLATFORM, "guild1", "person1", is_admin=True, display_name="Cy")
OTHER = Actor(PLATFORM, "guild1", "person2", display_name="Di")
ELSEWHERE = Actor(PLATFORM, "guild2", "person1", display_name="Cy")


@pytest.fixture
async def rig(tmp_path: Path) -> AsyncIterator[Rig]:
    r = await make_rig(tmp_path / "db.sqlite3", FakeClock(T0))
    yield r
    await r.store.close()


async def rows_naming(rig: Rig, who: str) -> dict[str, list[dict[str, object]]]:
    """Every row of every table with a value that contains ``who``."""
    found: dict[str, list[dict[str, object]]] = {}
    async with rig.store.engine.connect() as conn:
        for table in t.metadata.sorted_tables:
            for row in (await conn.execute(sa.select(table))).mappings():
                if any(who in str(value) for value in row.values()):
                    found.setdefault(table.name, []).append(dict(row))
    return found


async def everything_about(rig: Rig, actor: Actor) -> None:
    """Reminders that sent DMs, Done and Snooze, a DM channel id, a pending snooze, a
    calendar link, DM rotation state and an admin change in the audit log."""
    c = rig.commands
    await c.remind_on(actor, every="30", start="08:00", end="09:00", days="daily")
    await rig.walk(T0 + timedelta(hours=2), step=timedelta(minutes=10))
    await c.button(actor, actions.DONE.build())
    await c.remind_off(actor)
    await c.snooze(actor, 30)  # no reminder on: one DM nudge queued, pending
    await rig.store.kv_set("discord", f"dm:{actor.user_id}", "D-channel")
    now = rig.clock.now()
    async with rig.store.engine.begin() as conn:
        await conn.execute(sa.insert(t.meeting_calendars).values(
            platform=str(actor.platform), workspace_id=actor.workspace_id,
            user_id=actor.user_id, url_sealed="sealed", created_at=now, updated_at=now))
        await conn.execute(sa.insert(t.rotation).values(
            key=f"{actor.platform}:{actor.workspace_id}:dm:{actor.user_id}", state={},
            updated_at=now))
    await AuditLog(rig.store).record(actor, "config", "quiet 22:00-07:00")


async def test_forget_asks_first_and_changes_nothing_until_confirmed(rig: Rig) -> None:
    """The command alone is a question with a Delete button; nothing is deleted yet."""
    assert rig.commands.stats is not None
    await everything_about(rig, PERSON)
    before = await rig.store.snapshot()
    question = rig.commands.stats.forget_ask(PERSON)
    assert [b.action for b in question.buttons] == [actions.FORGET.build()]
    assert await rig.store.snapshot() == before


async def test_forget_leaves_no_row_naming_the_person(rig: Rig) -> None:
    """After the confirmation, no table has a value with the person's id in that workspace;
    the answer says what went; another person and another workspace are untouched; the
    ledger keeps its settled rows (exactly-once) without the id."""
    assert rig.commands.stats is not None
    await everything_about(rig, PERSON)
    await everything_about(rig, OTHER)
    await rig.commands.remind_on(ELSEWHERE, every="60")
    sent_before = len([r for r in await rig.store.list_deliveries() if r.status == "sent"])
    assert await rows_naming(rig, "person1")

    message = await rig.commands.stats.forget(PERSON)

    text = message.plain_text()
    assert "Reminder settings: 1 row" in text and "Nudges still waiting (snoozes): 1" in text
    assert "DM channel ids: 1" in text and "Calendar links: 1" in text
    left = await rows_naming(rig, "person1")
    assert set(left) == {"reminders"} and all(r["workspace_id"] == "guild2"
                                              for r in left["reminders"])
    assert set(await rows_naming(rig, "person2")) >= {"reminders", "stats_events", "kv",
                                                       "deliveries", "meeting_calendars"}
    sent_after = len([r for r in await rig.store.list_deliveries() if r.status == "sent"])
    assert sent_after == sent_before
