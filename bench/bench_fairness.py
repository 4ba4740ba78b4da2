"""Fairness across workspaces: how late is a small workspace's nudge when a big one has
20,000 due in the same minute?

Runs the real bot process (``--platform slack``) against the fake Slack with its post limits
on (``tests/fakes/slack/ratelimits.py``): workspace BIG has ``--big`` people due at once (their
DM channels known), workspace SMALL has one person due at the same instant. BIG's rows are
stored first, so they are claimed first; BIG alone needs ``--big`` / 5 seconds at Slack's
300 posts a minute per workspace. The figure is SMALL's lag (due -> its post reaching the
fake), against the same nudge's lag when it is the only one due (the baseline, same run).
The run stops once SMALL's nudge has arrived and BIG has sent for a few seconds more.

    python -m bench.bench_fairness                 # 20,000 in BIG
    python -m bench.bench_fairness --big 2000
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from datetime import timedelta
from pathlib import Path

import sqlalchemy as sa

from bench.bench_fanout_slack import slack_row
from bench.harness import (
    bulk_insert,
    clean_env,
    new_store,
    reminder_row,
    spawn,
    utcnow,
    verdict,
)
from bot.storage import Store
from bot.storage import tables as t
from tests.fakes.slack import APP_TOKEN, BOT_TOKEN, FakeSlack
from tests.fakes.slack.ratelimits import PostLimits

LEAD = 2.0
SMALL_USER = "U9SMALL"


async def lag_of_small(fake: FakeSlack, store: Store, big_due: bool,
                       limit: float) -> tuple[float, int]:
    """Make SMALL's reminder (and BIG's, when ``big_due``) due in LEAD seconds; return the
    seconds from due to SMALL's post, and how many posts BIG had made by then."""
    due = (utcnow() + timedelta(seconds=LEAD)).replace(microsecond=0)
    due_mono = time.monotonic() + (due - utcnow()).total_seconds()
    async with store.engine.begin() as conn:
        which = (t.reminders.c.workspace_id == "TSMALL") | sa.literal(big_due)
        await conn.execute(sa.update(t.reminders).where(which).values(next_due=due))
    small_dm = "D" + SMALL_USER[1:]
    before = fake.posted.get(small_dm, 0)
    deadline = due_mono + limit
    while time.monotonic() < deadline:
        await asyncio.sleep(0.005)
        if fake.posted.get(small_dm, 0) > before:
            lag = time.monotonic() - due_mono
            big = sum(n for c, n in fake.posted.items() if c != small_dm)
            return lag, big
    raise RuntimeError(f"SMALL's nudge did not arrive within {limit:.0f}s of its slot")


async def run(big: int, workdir: Path) -> None:
    limits = PostLimits()
    fake = await FakeSlack(post_limits=limits).start()
    bot = None
    try:
        people = [("TBIG", f"U0{i:06d}") for i in range(big)] + [("TSMALL", SMALL_USER)]
        for team, user in people:
            fake.users[user] = {"name": user.lower(), "team_id": team}
        store, url = await new_store(workdir / "fairness.sqlite3")
        now = utcnow()
        later = now + timedelta(days=30)
        await bulk_insert(store, t.reminders, (
            slack_row(reminder_row(user, later, now=now, workspace_id=team))
            for team, user in people))
        await bulk_insert(store, t.kv, (
            {"namespace": "slack", "key": f"dm:{team}:{user}", "value": "D" + user[1:],
             "updated_at": now} for team, user in people))
        bot = await spawn(("-m", "bot", "run", "--platform", "slack"), clean_env(
            SLACK_BOT_TOKEN=BOT_TOKEN, SLACK_APP_TOKEN=APP_TOKEN,
            DESKBREAK_SLACK_API_BASE=fake.base_url, DESKBREAK_DATABASE_URL=url,
            DESKBREAK_TICK_SECONDS="1", DESKBREAK_WEB_PORT="0"))
        await bot.wait_ready(60)
        await asyncio.sleep(1.0)
        alone, _ = await lag_of_small(fake, store, big_due=False, limit=30)
        await asyncio.sleep(1.5)  # SMALL's next slot is an hour away; nothing else is due
        refusals = limits.refusals
        crowded, big_sent = await lag_of_small(fake, store, big_due=True, limit=120)
        await asyncio.sleep(3.0)
        print(f"fairness: SMALL's one nudge due together with {big:,} in BIG "
              f"(BIG alone needs {big / limits.workspace_per_minute:.0f} min at "
              f"{limits.workspace_per_minute}/min)", flush=True)
        print(f"  SMALL's lag: alone {alone:.2f}s; with BIG due {crowded:.2f}s "
              f"(+{crowded - alone:.2f}s, {crowded / alone:.2f}x) "
              f"[{verdict(crowded - alone <= 5.0)} <= a few seconds]; BIG had sent "
              f"{big_sent} by then; 429s {limits.refusals - refusals}", flush=True)
        await store.close()
    finally:
        if bot is not None:
            await bot.stop()
        await fake.stop()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--big", type=int, default=20_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="deskbreak-bench-") as tmp:
        await run(args.big, Path(tmp))


if __name__ == "__main__":
    asyncio.run(main())
