"""The console runs on the computer's time zone unless someone chose another."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.adapters.console.localzone import adopt_local_zone, local_zone_name
from bot.core.clock import FakeClock
from bot.storage import Spec, Store, create_store
from tests.childenv import child_env

NOW = datetime(2027, 3, 1, 8, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("tz", "zone"),
    [("America/New_York", "America/New_York"), (":Europe/Paris", "Europe/Paris"),
     ("/usr/share/zoneinfo/Asia/Tokyo", "Asia/Tokyo")],
)
def test_tz_names_the_local_zone(tz: str, zone: str) -> None:
    """TZ as a zone name, with glibc's leading colon, or as a zoneinfo path."""
    assert local_zone_name({"TZ": tz}) == zone


def test_a_tz_that_is_no_zone_falls_back_to_the_system_zone() -> None:
    """TZ=garbage does not crash or invent a zone: the system's zone (or UTC) is used."""
    assert local_zone_name({"TZ": "Not/AZone"}) == local_zone_name({})


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[Store]:
    db = create_store(f"sqlite+aiosqlite:///{tmp_path / 'db.sqlite3'}", clock=FakeClock(NOW))
    await db.migrate()
    yield db
    await db.close()


async def test_a_new_console_follows_the_local_zone_and_retimes(store: Store) -> None:
    """The console workspace moves to the local zone, and the reminders that follow it
    (no zone of their own) move their next time with it."""
    reminder = await store.upsert_reminder(
        platform="console", workspace_id="console", user_id="console-user",
        spec=Spec(every_minutes=60, start="09:00", end="17:00", days="0,1,2,3,4"),
        timezone=None, next_due=datetime(2027, 3, 1, 9, 0, tzinfo=UTC),
    )
    zone = await adopt_local_zone(store, FakeClock(NOW), "console", {"TZ": "America/New_York"})
    assert zone.followed and zone.zone == "America/New_York"
    assert "America/New_York, this computer's time zone" in zone.describe()
    assert (await store.get_workspace("console", "console")).timezone == "America/New_York"
    moved = await store.get_reminder("console", "console", "console-user")
    assert reminder is not None and moved is not None
    assert moved.next_due == datetime(2027, 3, 1, 14, 0, tzinfo=UTC)  # 09:00 in New York


async def test_the_console_follows_the_computer_to_a_new_zone(store: Store) -> None:
    """Started again on a computer in another zone, the console follows it."""
    clock = FakeClock(NOW)
    await adopt_local_zone(store, clock, "console", {"TZ": "America/New_York"})
    zone = await adopt_local_zone(store, clock, "console", {"TZ": "Asia/Tokyo"})
    assert zone.followed and zone.zone == "Asia/Tokyo"


async def test_a_zone_chosen_with_config_timezone_is_kept_and_said(store: Store) -> None:
    """After /config timezone, a start in another local zone keeps the chosen one and says
    both."""
    clock = FakeClock(NOW)
    await adopt_local_zone(store, clock, "console", {"TZ": "America/New_York"})
    await store.update_workspace("console", "console", timezone="Europe/Paris")
    zone = await adopt_local_zone(store, clock, "console", {"TZ": "Asia/Tokyo"})
    assert not zone.followed and zone.zone == "Europe/Paris"
    assert zone.describe() == ("Times are in Europe/Paris, set with /config timezone"
                               " (this computer is on Asia/Tokyo).")
    assert (await store.get_workspace("console", "console")).timezone == "Europe/Paris"


def test_remind_on_in_a_piped_console_answers_in_the_local_zone(tmp_path: Path) -> None:
    """`TZ=America/New_York deskbreak run`: /remind on is 09:00-17:00 New York time."""
    env = child_env()
    env |= {"TZ": "America/New_York",
            "DESKBREAK_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'db.sqlite3'}"}
    result = subprocess.run([sys.executable, "-m", "bot", "run", "--platform", "console"],
                            input="/remind on\n/remind status\n", capture_output=True,
                            text=True, timeout=60, env=env, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "09:00–17:00, Mon–Fri (America/New_York)" in result.stdout
    assert "(UTC)" not in result.stdout
