"""Dates and times at the ends of the calendar (issue 11, item 9): ``/remind pause 0001-01-01``
in a zone east of UTC was an OverflowError. Every date or time input that is out of range is a
clear private error, in every zone, and changes nothing."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.core.clock import FakeClock
from bot.core.messages import Message, MessageKind
from bot.scheduling.commands import SchedulingCommands
from bot.scheduling.config_file import ConfigError, parse_deployment_config
from tests.scheduling.scheduling_harness import ADMIN, Rig, make_rig

ZONES = ["Pacific/Kiritimati", "Pacific/Pago_Pago", "UTC"]  # UTC+14, UTC-11, UTC
FAR_DATES = ["0001-01-01", "0001-01-02", "1899-12-31", "9001-01-01", "9999-12-31"]
Call = Callable[[SchedulingCommands], Awaitable[Message]]

OUT_OF_RANGE: list[tuple[str, Call]] = [
    *[(f"pause {d}", lambda c, d=d: c.remind_pause(ADMIN, d)) for d in FAR_DATES],
    *[(f"skip {d}", lambda c, d=d: c.config_skip(ADMIN, d)) for d in FAR_DATES],
    *[(f"skip remove {d}", lambda c, d=d: c.config_skip(ADMIN, d, remove=True))
      for d in FAR_DATES],
    ("pause 24:00", lambda c: c.remind_pause(ADMIN, "24:00")),
    ("pause 23:60", lambda c: c.remind_pause(ADMIN, "23:60")),
    ("snooze 10**30 minutes", lambda c: c.remind_snooze(ADMIN, "1" + "0" * 30)),
    ("snooze 999999999 hours", lambda c: c.remind_snooze(ADMIN, "999999999 hours")),
    ("button snooze huge", lambda c: c.snooze(ADMIN, "9" * 40)),
    ("remind on from 25:00", lambda c: c.remind_on(ADMIN, every="30", start="25:00")),
    ("remind on every 10**20", lambda c: c.remind_on(ADMIN, every="1" + "0" * 20)),
    ("schedule every 10**20", lambda c: c.schedule_add(ADMIN, "chan1", "break",
                                                       every="1" + "0" * 20)),
    ("quiet 99:99", lambda c: c.config_quiet(ADMIN, "99:99", "10:00")),
]


@pytest.fixture(params=ZONES)
async def rig(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Rig]:
    """Reminders on, in the zone under test, at a moment near a day boundary in UTC."""
    r = await make_rig(tmp_path / "db.sqlite3", FakeClock(datetime(2027, 1, 1, 0, 30, tzinfo=UTC)))
    assert (await r.commands.remind_on(ADMIN)).kind == MessageKind.INFO
    assert (await r.commands.remind_timezone(ADMIN, request.param)).kind == MessageKind.INFO
    assert (await r.commands.config_timezone(ADMIN, request.param)).kind == MessageKind.INFO
    yield r
    await r.store.close()


@pytest.mark.parametrize(("what", "call"), OUT_OF_RANGE, ids=[o[0] for o in OUT_OF_RANGE])
async def test_out_of_range_input_is_a_private_error(rig: Rig, what: str, call: Call) -> None:
    """Out of range: an ephemeral error that says what is wrong; the database is unchanged."""
    before = await rig.store.snapshot()
    answer = await call(rig.commands)
    assert answer.kind == MessageKind.ERROR and answer.ephemeral, (what, answer.body)
    assert "went wrong" not in answer.body
    assert await rig.store.snapshot() == before


async def test_far_dates_name_the_accepted_years(rig: Rig) -> None:
    """The refusal says which years are accepted."""
    answer = await rig.commands.remind_pause(ADMIN, "0001-01-01")
    assert answer.body.startswith("date '0001-01-01' is outside the years 1900-9000.")


@pytest.mark.parametrize("day", FAR_DATES)
def test_config_skip_dates_out_of_range_are_problems(day: str) -> None:
    """A far-off skip date in the config file (read by YAML as a date) is a problem too."""
    text = (f"version: 1\nworkspaces:\n  - platform: slack\n    id: T1\n"
            f"    skip_dates: [{day}]\n")
    with pytest.raises(ConfigError) as caught:
        parse_deployment_config(text, Path("deskbreak.yaml"))
    (problem,) = caught.value.problems
    assert f"deskbreak.yaml:5: workspaces[0].skip_dates: " in str(problem)
    assert "outside the years 1900-9000" in str(problem)
