"""/mystats and /teamstats on Slack, end to end: the real Bolt app (signed requests) answers
privately through response_url, and the chart is uploaded with files_upload_v2
(getUploadURLExternal, the bytes, completeUploadExternal) into the asker's DM, never into
the channel the command was typed in."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.adapters.slack import SlackAdapter
from bot.core.clock import FakeClock
from bot.core.events import BreakEvent, EventKind
from bot.core.ports import Platform
from bot.scheduling.commands import SchedulingCommands
from bot.scheduling.stats import StatsCommands
from bot.storage import Store
from bot.storage.stats import StatsEvents
from tests.adapters.slack.conftest import Slash
from tests.fakes.slack import FakeSlack

TEAM = "T0FAKE"
UPLOAD_CALLS = ["files.getUploadURLExternal", "files.completeUploadExternal"]


def png_size(data: bytes) -> tuple[int, int]:
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")


@pytest.fixture
def scheduling(scheduling: SchedulingCommands, store: Store, clock: FakeClock
               ) -> SchedulingCommands:
    scheduling.stats = StatsCommands(store, StatsEvents(store), clock,
                                     names=SlackAdapter.command_names)
    return scheduling


async def record_breaks(store: Store, clock: FakeClock, people: list[str]) -> None:
    await StatsEvents(store).record_many([
        BreakEvent(EventKind.DONE, Platform.SLACK, TEAM, person,
                   clock.now() - timedelta(days=d)) for person in people for d in range(2)])


async def test_mystats_uploads_the_chart_into_the_persons_dm(
    slash: Slash, fake: FakeSlack, store: Store, clock: FakeClock,
) -> None:
    """Typed in a channel: the summary comes back privately, and the PNG is uploaded into
    the person's DM with the upload API, a whole 800 x 400 picture with its alt text."""
    await record_breaks(store, clock, ["U0MEMBER"])
    answer = await slash("/mystats", "month")
    assert answer["response_type"] == "ephemeral"
    assert answer["blocks"][0]["text"]["text"] == "Your stats: last month"
    await fake.wait_for(lambda: len(fake.shared_files()) == 1)
    (shared,) = fake.shared_files()
    assert shared.channel_id.startswith("D") and shared.channel_id != "C0WELL"
    assert shared.filename == "mystats-month.png" and shared.is_png
    assert shared.data is not None and png_size(shared.data) == (800, 400)
    assert 10_000 < shared.length < 300_000
    assert shared.alt_txt and "breaks" in shared.alt_txt
    assert [c.method for c in fake.calls if c.method.startswith("files.")] == UPLOAD_CALLS


async def test_teamstats_chart_goes_to_the_admins_dm_and_members_are_refused(
    slash: Slash, fake: FakeSlack, store: Store, clock: FakeClock,
) -> None:
    """An admin's /teamstats uploads the team chart into their own DM; a member is refused
    and nothing is uploaded for them."""
    await record_breaks(store, clock, ["U1", "U2", "U3"])
    refused = await slash("/teamstats", "", user_id="U0MEMBER")
    assert refused["blocks"][0]["text"]["text"] == "Admins only"
    answer = await slash("/teamstats", "week", user_id="U0ADMIN")
    assert answer["response_type"] == "ephemeral"
    assert "People taking part: 3" in str(answer["blocks"])
    await fake.wait_for(lambda: len(fake.shared_files()) == 1)
    (shared,) = fake.shared_files()
    assert shared.filename == "teamstats-week.png" and shared.is_png
    assert shared.channel_id == "D0ADMIN"
