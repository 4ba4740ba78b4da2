"""schedule_edit and schedule_draft (the dashboard's form) share schedule_add's checks, and
the audit port hears of every admin change the facade makes, and of nothing else."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.core.clock import FakeClock
from bot.core.messages import MessageKind
from bot.core.ports import Actor
from tests.scheduling.scheduling_harness import ADMIN, MEMBER, Rig, make_rig

T0 = datetime(2027, 3, 1, 8, 0, tzinfo=UTC)  # a Monday


class Recorded:
    def __init__(self) -> None:
        self.lines: list[tuple[str, str, str]] = []

    async def record(self, actor: Actor, action: str, detail: str) -> None:
        self.lines.append((actor.user_id, action, detail))


@pytest.fixture
async def rig(tmp_path: Path) -> AsyncIterator[Rig]:
    r = await make_rig(tmp_path / "db.sqlite3", FakeClock(T0), max_schedules=5)
    r.notifier.refused_channels["secret"] = "I lack Send Messages in #secret"
    yield r
    await r.store.close()


@pytest.fixture
def audit(rig: Rig) -> Recorded:
    recorded = Recorded()
    rig.commands = rig.commands.with_audit(recorded)
    return recorded


async def test_edit_replaces_the_rule_and_moves_the_next_time(rig: Rig) -> None:
    """An edited running schedule fires on its new rule from now on."""
    await rig.commands.schedule_add(ADMIN, "chan1", "break", cron="0 9 * * *")
    answer = await rig.commands.schedule_edit(ADMIN, 1, "chan2", "tip", every="30",
                                              start="10:00", end="11:00", days="mon")
    assert answer.title == "Schedule #1 changed"
    row = await rig.store.get_schedule(1)
    assert row is not None and (row.channel_id, row.kind, row.spec.every_minutes) == (
        "chan2", "tip", 30)
    assert row.next_due == datetime(2027, 3, 1, 10, 0, tzinfo=UTC)


async def test_editing_a_paused_schedule_keeps_it_paused(rig: Rig) -> None:
    """Edit never resumes: the admin paused it for a reason."""
    await rig.commands.schedule_add(ADMIN, "chan1", "break", cron="0 9 * * *")
    await rig.commands.schedule_pause(ADMIN, 1)
    answer = await rig.commands.schedule_edit(ADMIN, 1, "chan1", "break", cron="0 10 * * *")
    assert "stays paused" in answer.body
    row = await rig.store.get_schedule(1)
    assert row is not None and row.paused and row.spec.cron == "0 10 * * *"


@pytest.mark.parametrize("change", [
    {"kind": "nap"}, {"cron": "61 * * * *"}, {"timezone": "Mars/Base"},
    {"channel_id": "secret"}, {"cron": "0 9 30 2 *"},
])
async def test_a_refused_edit_changes_nothing(rig: Rig, change: dict[str, str]) -> None:
    """Every refusal add gives, edit gives too, with nothing written."""
    await rig.commands.schedule_add(ADMIN, "chan1", "break", cron="0 9 * * *")
    before = await rig.store.snapshot()
    args = {"channel_id": "chan1", "kind": "break", "cron": "0 9 * * *"} | change
    answer = await rig.commands.schedule_edit(ADMIN, 1, **args)
    assert answer.kind is MessageKind.ERROR
    assert await rig.store.snapshot() == before


async def test_only_admins_edit_and_preview(rig: Rig) -> None:
    """A member may neither edit nor preview a draft; nothing changes."""
    await rig.commands.schedule_add(ADMIN, "chan1", "break", cron="0 9 * * *")
    before = await rig.store.snapshot()
    assert (await rig.commands.schedule_edit(MEMBER, 1, "chan1", "tip", cron="0 9 * * *")
            ).kind is MessageKind.ERROR
    assert (await rig.commands.schedule_draft(MEMBER, cron="0 9 * * *")).kind is MessageKind.ERROR
    assert await rig.store.snapshot() == before


async def test_draft_previews_without_writing(rig: Rig) -> None:
    """The preview lists the next times in the schedule's zone and writes nothing."""
    before = await rig.store.snapshot()
    answer = await rig.commands.schedule_draft(ADMIN, cron="0 9 * * *",
                                               timezone="Europe/London", count=5)
    assert answer.kind is MessageKind.INFO and len(answer.sections[0].lines) == 5
    assert answer.sections[0].lines[0].startswith("Mon 2027-03-01 09:00 GMT")
    never = await rig.commands.schedule_draft(ADMIN, cron="0 9 30 2 *")
    assert never.body == "That schedule never fires. Check the days and months."
    assert await rig.store.snapshot() == before


async def test_every_admin_change_is_audited_once(rig: Rig, audit: Recorded) -> None:
    """Add, edit, pause, resume, test, remove and each /config change: one line each."""
    c = rig.commands
    await c.schedule_add(ADMIN, "chan1", "break", cron="0 9 * * *")
    await c.schedule_edit(ADMIN, 1, "chan1", "tip", cron="0 9 * * *")
    await c.schedule_pause(ADMIN, 1)
    await c.schedule_resume(ADMIN, 1)
    await c.schedule_test(ADMIN, 1)
    await c.schedule_remove(ADMIN, 1)
    await c.config_timezone(ADMIN, "Asia/Tokyo")
    await c.config_quiet(ADMIN, "22:00", "07:00")
    await c.config_quiet(ADMIN, "off")
    await c.config_skip(ADMIN, "2027-12-24")
    await c.config_skip(ADMIN, "2027-12-24", remove=True)
    assert [a for _, a, _ in audit.lines] == [
        "schedule.add", "schedule.edit", "schedule.pause", "schedule.resume", "schedule.test",
        "schedule.remove", "config.timezone", "config.quiet", "config.quiet", "config.skip",
        "config.skip"]
    assert audit.lines[0] == ("admin1", "schedule.add",
                              "Added schedule #1: A break in channel chan1, cron `0 9 * * *` "
                              "(UTC).")


async def test_refusals_and_no_ops_are_not_audited(rig: Rig, audit: Recorded) -> None:
    """Refused, malformed and nothing-to-do requests leave the log empty."""
    c = rig.commands
    await c.schedule_add(MEMBER, "chan1", "break", cron="0 9 * * *")
    await c.schedule_add(ADMIN, "chan1", "break", cron="bad")
    await c.schedule_pause(ADMIN, 99)
    await c.config_timezone(ADMIN, "Nowhere/Land")
    await c.config_skip(ADMIN, "2027-12-24", remove=True)  # was not a skip date
    assert audit.lines == []
