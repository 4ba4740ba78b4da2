"""200 guided stretches at once on Discord: do their edits stay under the global limit?

In-process: the real discord.py client (DeskbreakClient) against the fake Discord with its
rate limits on, and the interaction webhooks (@original edits) counted in the global
50 requests/second window too (stricter than Discord, which exempts interaction endpoints)
plus 5 per 2 s per interaction token. N members each click Start on the same channel post
within a moment; each run is edited at its changes (get ready -> hold -> switch sides ->
hold -> finish) in real time.

Two modes in the same run: ``paced`` (every edit waits on the bot's one global Pacer, as
``deskbreak run`` wires it) and the baseline ``unpaced`` (edits go straight out). Figures:
429s handed out, runs finished, edits delivered, and how late an edit landed after the
change it shows (p50 / p99 / max).

    python -m bench.bench_guided                  # 200 runs, both modes
    python -m bench.bench_guided --runs 50        # quick look
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import discord
import yarl

from bench.harness import percentile, verdict
from bot.adapters.discord.client import DeskbreakClient
from bot.adapters.discord.pacer import Pacer, pace_requests
from bot.adapters.discord.services import DiscordServices
from bot.core.clock import SystemClock
from bot.core.commands import ContentCommands
from bot.core.content.loader import load_library
from bot.core.events import NoEventLog
from bot.core.guided.commands import GuidedCommands
from bot.core.guided.session import GuidedRuns
from bot.core.guided.timer import SystemTimer
from bot.core.rotation import MemoryRotationStore
from bot.storage import create_store
from tests.fakes.discord import FakeDiscord
from tests.fakes.discord import payloads as p

ROOT = Path(__file__).resolve().parents[1]
STRETCH = "neck-side-bend"  # sided: get ready 8 s, hold 20 s, switch 5 s, hold 20 s


@dataclass
class Figures:
    mode: str
    runs: int
    finished: int
    edits: int
    too_many: int
    lag_p50: float
    lag_p99: float
    lag_max: float
    wall: float

    def lines(self) -> list[str]:
        return [
            f"{self.mode}: {self.runs} guided '{STRETCH}' runs started together",
            f"  finished {self.finished}/{self.runs} [{verdict(self.finished == self.runs)}]  "
            f"edits delivered {self.edits}  429s {self.too_many} "
            f"[{verdict(self.too_many == 0)}]",
            f"  edit lateness after its change: p50 {self.lag_p50:.2f}s  p99 "
            f"{self.lag_p99:.2f}s  max {self.lag_max:.2f}s  wall {self.wall:.1f}s",
        ]


async def one_mode(mode: str, runs: int, tmp: Path) -> Figures:
    fake = FakeDiscord(rate_limits=True, rate_limit_webhooks=True)
    await fake.start()
    discord.http.Route.BASE = fake.api_base
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(fake.gateway_url)
    guild = fake.add_guild("Desk Club")
    channel = fake.add_channel(guild, "general")
    members = [fake.add_member(guild, f"m{i}") for i in range(runs)]
    clock = SystemClock()
    library = load_library([ROOT / "content"])
    store = create_store(f"sqlite+aiosqlite:///{tmp / f'{mode}.sqlite3'}", clock=clock)
    await store.migrate()
    guided = GuidedCommands(library, GuidedRuns(SystemTimer(clock), NoEventLog()))
    services = DiscordServices(content=ContentCommands(library, MemoryRotationStore(), clock),
                               kv=store, guided=guided)
    client = DeskbreakClient(services, guild_ready_timeout=0, sync_commands=False)
    if mode == "paced":
        pace_requests(client.http, Pacer())  # as the notifier installs it in `deskbreak run`
    task = asyncio.create_task(client.start(fake.token))
    try:
        await asyncio.wait_for(client.connected.wait(), 10)
        post = p.message(channel.channel_id, fake.bot_user,
                         {"content": "break", "components": p.buttons(f"guided:{STRETCH}")},
                         guild_id=guild.guild_id)
        started = time.monotonic()
        begun = datetime.now(UTC)
        payloads = [fake.click(m, channel, f"guided:{STRETCH}", post) for m in members]
        await asyncio.gather(*(fake.interact(x) for x in payloads))
        tokens = {x["token"] for x in payloads}
        plan = guided.stretch_plan(library.stretch(STRETCH))  # type: ignore[arg-type]
        await asyncio.wait_for(guided.runs.settled(), plan.total_seconds + 120)
        wall = time.monotonic() - started
        finished = sum(1 for _, _, body in fake.webhook_edits
                       if (body.get("embeds") or [{}])[0].get("title") == "Done — nice work")
        offsets = plan.offsets()[1:] + (plan.total_seconds,)
        lags: list[float] = []
        by_token: dict[str, list[datetime]] = {}
        for token, at, _ in fake.webhook_edits:
            if token in tokens:
                by_token.setdefault(token, []).append(at)
        for stamps in by_token.values():
            for offset, at in zip(offsets, stamps, strict=False):
                lags.append(max(0.0, (at - begun).total_seconds() - offset))
        assert fake.ratelimiter is not None
        return Figures(mode, runs, finished, len(fake.webhook_edits),
                       fake.ratelimiter.violations + fake.webhook_limiter.violations,
                       percentile(lags, 50) if lags else 0.0,
                       percentile(lags, 99) if lags else 0.0, max(lags, default=0.0), wall)
    finally:
        await guided.runs.close()
        await client.close()
        await asyncio.gather(task, return_exceptions=True)
        await store.close()
        await fake.close()


async def main(runs: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        for mode in ("unpaced", "paced"):
            figures = await one_mode(mode, runs, Path(tmp))
            print("\n".join(figures.lines()), flush=True)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=200)
    asyncio.run(main(parser.parse_args().runs))
