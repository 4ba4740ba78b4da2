"""/mystats and /teamstats through the facade: the numbers, the chart, the privacy rules,
bad input, and a chart that fails to draw."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.core.clock import FakeClock
from bot.core.events import BreakEvent, EventKind
from bot.core.messages import MessageKind
from bot.core.ports import Actor
from bot.pictures.charts import Series
from bot.scheduling.stats import StatsCommands, sparkline
from tests.scheduling.scheduling_harness import ADMIN, MEMBER, PLATFORM, Rig, make_rig

NOW = datetime(2027, 3, 12, 16, 0, tzinfo=UTC)  # a Friday
PERSON = Actor(PLATFORM, "guild1", "person1", display_name="Cy")
PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
async def rig(tmp_path: Path) -> AsyncIterator[Rig]:
    r = await make_rig(tmp_path / "db.sqlite3", FakeClock(NOW))
    yield r
    await r.store.close()


def stats(rig: Rig) -> StatsCommands:
    assert rig.commands.stats is not None
    return rig.commands.stats


def ev(kind: EventKind, user: str | None, at: datetime, schedule: int | None = None
       ) -> BreakEvent:
    return BreakEvent(kind, PLATFORM, "guild1", user, at, schedule_id=schedule)


async def test_mystats_without_data_says_how_to_start(rig: Rig) -> None:
    """No events yet: a friendly how-to-start answer, no empty chart."""
    message = await stats(rig).mystats(PERSON)
    assert message.title == "No stats yet" and message.ephemeral
    assert "/remind on" in message.body and not message.attachments


async def test_mystats_counts_breaks_snoozes_nudges_and_attaches_a_png(rig: Rig) -> None:
    """Breaks, snoozes, nudges received and left unanswered, the busiest hour and a PNG
    chart named as the inline image, privately."""
    day = NOW.replace(hour=9)
    await stats(rig).events.record_many([
        ev(EventKind.NUDGED, "person1", day), ev(EventKind.NUDGED, "person1", day),
        ev(EventKind.NUDGED, "person1", day - timedelta(days=1)),
        ev(EventKind.DONE, "person1", day.replace(minute=5)),
        ev(EventKind.DONE, "person1", day.replace(hour=14)),
        ev(EventKind.DONE, "person1", day.replace(hour=9, minute=30) - timedelta(days=2)),
        ev(EventKind.SNOOZED, "person1", day),
        ev(EventKind.DONE, "someone-else", day),
    ])
    message = await stats(rig).mystats(PERSON, "week")
    text = message.plain_text()
    assert message.ephemeral and message.title == "Your stats: last week"
    for line in ("Breaks taken: 3", "Snoozes: 1", "Nudges received: 3 (1 left unanswered)",
                 "Busiest hour: 09:00-10:00"):
        assert line in text
    [chart] = message.attachments
    assert message.image == chart.filename and chart.data.startswith(PNG)
    assert len(chart.data) > 5_000 and "breaks" in chart.alt


async def test_an_unknown_period_lists_the_choices(rig: Rig) -> None:
    """A period that is not week, month or year is one private error naming the choices."""
    before = await rig.store.snapshot()
    message = await stats(rig).mystats(PERSON, "fortnight")
    assert message.kind is MessageKind.ERROR and message.ephemeral
    assert "week, month, year" in message.body and "`fortnight`" in message.body
    assert (await stats(rig).teamstats(ADMIN, "decade")).kind is MessageKind.ERROR
    assert await rig.store.snapshot() == before


async def test_a_chart_that_fails_leaves_the_text_and_one_log_line(
    rig: Rig, caplog: pytest.LogCaptureFixture
) -> None:
    """matplotlib failing (a missing font, say) still answers with the summary."""

    def broken(series: Series) -> bytes:
        raise RuntimeError("findfont: Font family 'DejaVu Sans' not found")

    facade = StatsCommands(rig.store, stats(rig).events, rig.clock, draw=broken)
    await facade.events.record(ev(EventKind.DONE, "person1", NOW))
    with caplog.at_level(logging.WARNING):
        message = await facade.mystats(PERSON)
    assert "Breaks taken: 1" in message.plain_text() and not message.attachments
    assert [r.message for r in caplog.records if "chart" in r.message] == [
        "stats chart not drawn (RuntimeError: findfont: Font family 'DejaVu Sans' not found)"]


async def test_teamstats_is_for_admins_and_records_nothing(rig: Rig) -> None:
    """A member is refused on the server side, and the refusal changes nothing."""
    before = await rig.store.snapshot()
    message = await stats(rig).teamstats(MEMBER)
    assert message.kind is MessageKind.ERROR and message.title == "Admins only"
    assert await rig.store.snapshot() == before


async def test_teamstats_hides_figures_of_fewer_than_three_people(rig: Rig) -> None:
    """Two people: posts are counted, breaks and people are "fewer than 3 people"."""
    at = NOW.replace(hour=10)
    await stats(rig).events.record_many([
        ev(EventKind.NUDGED, None, at, 1), ev(EventKind.DONE, "alice", at, 1),
        ev(EventKind.DONE, "bob", at, 1)])
    text = (await stats(rig).teamstats(ADMIN)).plain_text()
    assert "Nudges posted: 1" in text
    assert "Done clicks: fewer than 3 people" in text
    assert "People taking part: fewer than 3 people" in text
    assert "alice" not in text and "bob" not in text


async def test_teamstats_per_schedule_and_trend_never_name_anyone(rig: Rig) -> None:
    """Enough people: per-schedule posts, Done clicks, people, a trend and a chart; no ids."""
    people = [f"user{i}" for i in range(5)]
    events = []
    for back in range(7):
        at = NOW.replace(hour=10) - timedelta(days=back)
        events.append(ev(EventKind.NUDGED, None, at, 2))
        taking = people[: 3 if back >= 3 else 5]
        events += [ev(EventKind.DONE, p, at, 2) for p in taking]
    await stats(rig).events.record_many(events)
    message = await stats(rig).teamstats(ADMIN, "week")
    text = message.plain_text()
    assert "Schedule #2" in text and "Nudges posted: 7" in text
    assert "Done clicks: 27" in text and "People taking part: 5" in text
    assert "Participation: up, 3.0 -> 4.5 people a day" in text
    assert not any(p in text for p in people)
    assert message.attachments[0].data.startswith(PNG)


def test_the_sparkline_scales_to_the_busiest_day() -> None:
    """The console's bar line: a dot for no break, the tallest block for the busiest day."""
    assert sparkline([0, 1, 4, 8]) == "·▂▅█"
