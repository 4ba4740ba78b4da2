"""A schedule may post a routine (kind ``routine:<id>``): checked by /schedule add and the
deployment YAML alike, stored whole on SQLite and PostgreSQL, posted as a routine card."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from bot.core import actions
from bot.core.clock import FakeClock
from bot.core.messages import MessageKind
from bot.core.yamlsource import parse_yaml
from bot.scheduling.config_file import ConfigError, parse_deployment_config, validate_document
from bot.storage import create_store
from tests.scheduling.scheduling_harness import ADMIN, Rig, make_rig

MONDAY = datetime(2027, 3, 1, 7, 0, tzinfo=UTC)
ROUTINES = ["desk-reset", "eyes"]


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Path | str:
    """SQLite, and PostgreSQL (where a kind column too narrow for ``routine:desk-reset``
    would refuse the row)."""
    if request.param == "sqlite":
        return tmp_path / "db.sqlite3"
    return str(request.getfixturevalue("pg_url"))


@pytest.fixture
async def rig(database: Path | str) -> AsyncIterator[Rig]:
    if isinstance(database, str):  # PostgreSQL: start from an empty schema
        store = create_store(database)
        async with store.engine.begin() as conn:
            await conn.execute(sa.text("DROP SCHEMA public CASCADE"))
            await conn.execute(sa.text("CREATE SCHEMA public"))
        await store.close()
    made = await make_rig(database, FakeClock(MONDAY))
    yield made
    await made.store.close()


async def test_a_routine_schedule_posts_the_routine_card(rig: Rig) -> None:
    """/schedule add routine:desk-reset is stored whole and posts "Time for a routine" with
    Start (the routine button), Done and Snooze."""
    added = await rig.commands.schedule_add(ADMIN, "chan1", "routine:desk-reset", every="60",
                                            start="09:00", end="17:00", timezone="UTC")
    assert added.title.startswith("Schedule #1"), added.body
    assert "A routine desk-reset in channel chan1" in added.body
    (row,) = await rig.store.list_schedules("discord", "guild1")
    assert row.kind == "routine:desk-reset"
    await rig.walk(MONDAY + timedelta(hours=3))
    first = rig.notifier.sent[0].message
    assert first.kind is MessageKind.NUDGE
    assert first.title == "Time for a routine: 3-minute desk reset"
    assert [b.action for b in first.buttons] == [
        actions.ROUTINE.build("desk-reset"), "done", "snooze:10"]
    listed = await rig.commands.schedule_list(ADMIN)
    assert "routine:desk-reset" in listed.plain_text()


async def test_unknown_routines_and_kinds_are_refused_and_change_nothing(rig: Rig) -> None:
    """An unknown routine id names the known ones; a made-up kind says what kinds are."""
    missing = await rig.commands.schedule_add(ADMIN, "chan1", "routine:lunch", every="60")
    assert missing.kind is MessageKind.ERROR
    assert missing.body.startswith("No routine called `lunch`. Routines: ")
    assert "`routine:desk-reset`" in missing.body
    wrong = await rig.commands.schedule_add(ADMIN, "chan1", "nap", every="60")
    assert wrong.body == "kind must be `break`, `tip` or `routine:<id>`, not `nap`"
    assert await rig.store.list_schedules("discord", "guild1") == []


CONFIG = """\
version: 1
workspaces:
  - platform: discord
    id: "123"
    schedules:
      - channel: "456"
        kind: {kind}
        every: 60
"""


def test_config_file_accepts_a_routine_kind(tmp_path: Path) -> None:
    """The deployment YAML takes ``kind: routine:<id>`` for a routine the content has."""
    text = CONFIG.format(kind="routine:eyes")
    config = validate_document(parse_yaml(text, tmp_path / "deskbreak.yaml"), ROUTINES)
    assert config.workspaces[0].schedules[0].kind == "routine:eyes"


def test_config_file_names_the_line_of_an_unknown_routine(tmp_path: Path) -> None:
    """An unknown routine is refused at its kind line, naming the known routines."""
    path = tmp_path / "deskbreak.yaml"
    with pytest.raises(ConfigError) as caught:
        validate_document(parse_yaml(CONFIG.format(kind="routine:lunch"), path), ROUTINES)
    (problem,) = caught.value.problems
    assert (problem.line, problem.field) == (7, "workspaces[0].schedules[0].kind")
    assert problem.message.startswith("No routine called `lunch`")


def test_config_file_refuses_a_made_up_kind(tmp_path: Path) -> None:
    """A kind that is neither break, tip nor routine:<id> is refused at its line."""
    with pytest.raises(ConfigError) as caught:
        parse_deployment_config(CONFIG.format(kind="nap"), tmp_path / "deskbreak.yaml")
    (problem,) = caught.value.problems
    assert problem.line == 7 and "kind" in problem.field
