"""A schedule that can never fire (issue 11, item 8): ``0 9 30 2 *`` (the 30th of February)
is refused by the config file exactly as ``/schedule add`` refuses it, by one check."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.core.clock import FakeClock
from bot.core.messages import MessageKind
from bot.scheduling.config_file import ConfigError, parse_deployment_config
from bot.scheduling.recurrence import NEVER_FIRES, NeverFires, build_recurrence
from tests.childenv import child_env
from tests.scheduling.scheduling_harness import ADMIN, Rig, make_rig

NEVER = ["0 9 30 2 *", "0 9 31 4,6,9,11 *", "0 9 30,31 2 *"]
RARE_BUT_REAL = ["0 9 29 2 *", "0 9 31 * *", "0 9 30 2 1"]  # leap days; 31sts; Feb 30 or Mondays


def config(cron: str) -> str:
    return ("version: 1\nworkspaces:\n  - platform: slack\n    id: T1\n    schedules:\n"
            f"      - channel: C1\n        kind: break\n        cron: '{cron}'\n")


@pytest.fixture
async def rig(tmp_path: Path) -> AsyncIterator[Rig]:
    r = await make_rig(tmp_path / "db.sqlite3", FakeClock(datetime(2027, 3, 12, 12, tzinfo=UTC)))
    yield r
    await r.store.close()


@pytest.mark.parametrize("cron", NEVER)
async def test_config_and_schedule_add_refuse_it_alike(rig: Rig, cron: str) -> None:
    """The config file's problem and /schedule add's private error say the same words."""
    with pytest.raises(ConfigError) as caught:
        parse_deployment_config(config(cron), Path("deskbreak.yaml"))
    (problem,) = caught.value.problems
    assert str(problem) == f"deskbreak.yaml:8: workspaces[0].schedules[0].cron: {NEVER_FIRES}"
    before = await rig.store.snapshot()
    answer = await rig.commands.schedule_add(ADMIN, "chan1", "break", cron=cron)
    assert answer.kind == MessageKind.ERROR and answer.ephemeral
    assert answer.body == NEVER_FIRES
    assert await rig.store.snapshot() == before


@pytest.mark.parametrize("cron", RARE_BUT_REAL)
def test_rare_schedules_are_accepted(cron: str) -> None:
    """Leap days and month-ends fire, if rarely: accepted by the config and the check."""
    assert build_recurrence(cron=cron).expression == cron
    parse_deployment_config(config(cron), Path("deskbreak.yaml"))


def test_the_check_is_one_error_type() -> None:
    """build_recurrence raises NeverFires, which every caller already handles as a
    ScheduleError (a private error in chat, a problem in the config)."""
    with pytest.raises(NeverFires, match="never fires"):
        build_recurrence(cron="0 9 30 2 *")


@pytest.mark.slow
def test_validate_config_fails_on_it(tmp_path: Path) -> None:
    """`deskbreak validate --config` lists the never-firing schedule and exits 1."""
    path = tmp_path / "deskbreak.yaml"
    path.write_text(config("0 9 30 2 *"))
    result = subprocess.run(
        [sys.executable, "-m", "bot", "validate", "--config", str(path)], capture_output=True,
        text=True, timeout=60, env=child_env(), cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    assert f"{path}:8: workspaces[0].schedules[0].cron: {NEVER_FIRES}" in result.stdout
