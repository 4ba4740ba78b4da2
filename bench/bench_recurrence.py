"""How long one ``next_after`` call takes; the scheduler makes one per delivery.

Run: python bench/bench_recurrence.py   (prints microseconds per call)
"""

from __future__ import annotations

import timeit
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.scheduling.recurrence import Recurrence, friendly, parse_cron

CASES: list[tuple[str, Recurrence, str]] = [
    ("hourly work hours (friendly)", friendly(60, "09:00", "17:00", "mon-fri"), "America/New_York"),
    ("cron 0 9-17 * * 1-5", parse_cron("0 9-17 * * 1-5"), "Europe/London"),
    ("cron */15 * * * *", parse_cron("*/15 * * * *"), "Australia/Lord_Howe"),
    ("cron 0 9 1 * *", parse_cron("0 9 1 * *"), "Asia/Tokyo"),
    ("cron 0 0 29 2 mon (29th OR Monday)", parse_cron("0 0 29 2 mon"), "UTC"),
    ("cron 0 0 30 2 * (never)", parse_cron("0 0 30 2 *"), "UTC"),
]


def main() -> None:
    start = datetime(2027, 1, 1, tzinfo=UTC)
    instants = [start + timedelta(minutes=37 * i) for i in range(2000)]
    for name, recurrence, zone in CASES:
        tz = ZoneInfo(zone)
        seconds = timeit.timeit(
            lambda r=recurrence, z=tz: [r.next_after(t, z) for t in instants], number=3
        )
        print(f"{name:40s} {seconds / (3 * len(instants)) * 1e6:8.1f} µs/call")


if __name__ == "__main__":
    main()
