"""Scheduling replies name the commands of the adapter that asked (CommandNames)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.core.clock import FakeClock
from bot.scheduling.commands import CommandNames
from tests.scheduling.scheduling_harness import MEMBER, Rig, make_rig

SLACK = CommandNames(remind="/reminders")


@pytest.fixture
async def rig(tmp_path: Path) -> AsyncIterator[Rig]:
    r = await make_rig(tmp_path / "db.sqlite3", FakeClock(datetime(2027, 3, 1, 9, tzinfo=UTC)))
    yield r
    await r.store.close()


async def test_default_names_are_the_discord_and_console_ones(rig: Rig) -> None:
    """Without names given, replies say `/remind on`."""
    assert "`/remind on`" in (await rig.commands.remind_status(MEMBER)).plain_text()


async def test_given_names_replace_the_defaults(rig: Rig) -> None:
    """With Slack's names, the same reply says `/reminders on` and never `/remind on`."""
    text = (await rig.commands.with_names(SLACK).remind_status(MEMBER)).plain_text()
    assert "`/reminders on`" in text and "`/remind on`" not in text


async def test_renamed_facade_shares_the_scheduler_and_store(rig: Rig) -> None:
    """with_names gives a second adapter the same service and store, not copies of them."""
    renamed = rig.commands.with_names(SLACK)
    assert renamed.service is rig.commands.service and renamed.store is rig.commands.store
    assert rig.commands.names == CommandNames()
