"""`deskbreak schedule preview`, run as a real subprocess."""

from __future__ import annotations

import subprocess
import sys
from datetime import datetime

import pytest

# Every test here runs a process: `pytest -m "not slow"` skips them for a quick loop.
pytestmark = pytest.mark.slow


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    code = "import sys; from bot.cli import main; sys.exit(main(sys.argv[1:]))"
    return subprocess.run(  # noqa: S603
        [sys.executable, "-c", code, "schedule", "preview", *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_cron_preview_prints_iso_lines_with_offsets() -> None:
    """A cron preview across New York's fall-back prints local ISO times with offsets."""
    result = _run(
        "--cron",
        "*/30 1 * * *",
        "--timezone",
        "America/New_York",
        "--after",
        "2027-11-07T00:00",
        "--count",
        "3",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "2027-11-07T01:00:00-04:00",
        "2027-11-07T01:30:00-04:00",
        "2027-11-08T01:00:00-05:00",
    ]


def test_friendly_preview() -> None:
    """every/start/end/days options preview a friendly schedule; each line parses as aware."""
    result = _run(
        "--every",
        "60",
        "--start",
        "09:00",
        "--end",
        "17:00",
        "--days",
        "mon-fri",
        "--timezone",
        "Europe/London",
        "--after",
        "2027-03-26T16:30:00+00:00",
        "--count",
        "4",
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines == [
        "2027-03-26T17:00:00+00:00",
        "2027-03-29T09:00:00+01:00",
        "2027-03-29T10:00:00+01:00",
        "2027-03-29T11:00:00+01:00",
    ]
    assert all(datetime.fromisoformat(line).tzinfo is not None for line in lines)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--cron", "0 25 * * *"), "hour field '25' is out of range 0-23"),
        (("--cron", "* * * * *", "--timezone", "Europe/Londn"), "did you mean Europe/London"),
        (("--every", "0"), "every must be between 1 and 1440 minutes, got 0"),
        (("--cron", "* * * * *", "--after", "yesterday"), "--after 'yesterday'"),
        (("--cron", "* * * * *", "--count", "0"), "--count 0 is out of range"),
        ((), "give a cron expression"),
        (("--cron", "* * * * *", "--after", "0001-01-01T00:00"), "outside the years"),
    ],
)
def test_bad_input_exits_2_with_message(args: tuple[str, ...], message: str) -> None:
    """Bad input prints the ScheduleError on stderr and exits 2 with no output."""
    result = _run(*args)
    assert result.returncode == 2
    assert message in result.stderr
    assert result.stdout == ""
