"""Draw the README's stats picture: the chart `/mystats month` attaches, for a made-up month.

The chart is the real answer: a month of breaks and nudges is recorded through the store-backed
event log into a throwaway SQLite database, and StatsCommands draws it exactly as it does for
anyone. Run it after changing the chart or the look, and commit the PNG:

    python docs/make_stats_picture.py            # writes docs/images/mystats.png
"""

from __future__ import annotations

import argparse
import asyncio
import random
import tempfile
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.core.clock import FakeClock
from bot.core.events import BreakEvent, EventKind
from bot.core.ports import Actor, Platform
from bot.scheduling.stats import StatsCommands
from bot.storage import create_store
from bot.storage.stats import StatsEvents

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "docs" / "images" / "mystats.png"
ZONE = ZoneInfo("Europe/Berlin")
NOW = datetime(2027, 3, 31, 18, 0, tzinfo=ZONE)  # a Wednesday evening
PERSON = Actor(Platform.SLACK, "T0DESK", "U0SAM", display_name="Sam")


def month_of_breaks() -> list[BreakEvent]:
    """Hourly DM nudges from 09:00 to 16:00 on weekdays; most answered, more as habits form."""
    rnd = random.Random(13)  # noqa: S311 - a made-up month, not a secret
    events = []
    for back in range(30):
        day = (NOW - timedelta(days=back)).date()
        if day.weekday() >= 5:
            continue
        keen = 0.45 + 0.4 * (30 - back) / 30
        for hour in range(9, 17):
            at = datetime(day.year, day.month, day.day, hour, tzinfo=ZONE)
            events.append(BreakEvent(EventKind.NUDGED, PERSON.platform, PERSON.workspace_id,
                                     PERSON.user_id, at, source="reminder"))
            if rnd.random() < keen:
                events.append(BreakEvent(EventKind.DONE, PERSON.platform, PERSON.workspace_id,
                                         PERSON.user_id, at + timedelta(minutes=4),
                                         source="nudge"))
    return events


async def chart() -> bytes:
    with tempfile.TemporaryDirectory() as folder:
        store = create_store(f"sqlite+aiosqlite:///{folder}/stats.sqlite3", clock=FakeClock(NOW))
        await store.migrate()
        await store.update_workspace("slack", PERSON.workspace_id, timezone=ZONE.key)
        events = StatsEvents(store)
        await events.record_many(month_of_breaks())
        message = await StatsCommands(store, events, store.clock).mystats(PERSON, "month")
        await store.close()
    [attachment] = message.attachments
    return attachment.data


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    args.out.write_bytes(asyncio.run(chart()))
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
