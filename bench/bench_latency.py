"""Command latency: ``/stretch`` and its autocomplete, INTERACTION_CREATE sent -> callback received.

The bots run as real processes, each against its own fake Discord (Discord's rate limits on),
at the same time, with requests interleaved one by one so machine drift hits all alike. The
baselines are bare discord.py bots with one command (``bench/bare_bot.py``): one answers a
constant string, the other an embed with the stretch's picture uploaded the same way
deskbreak uploads it (the same PNG bytes, multipart). deskbreak's ``/stretch`` carries its
picture; every picture is drawn and cached during the warm-up (one ``/stretch`` per
stretch), so the figures are for cached pictures, the case that answers at once. Requests go
one at a time, so each figure is the bot's own turnaround, not queueing behind other
requests. Back to back, the bots stay hot; ``--settle`` pauses after every answer instead,
so each request meets an idle bot (cold caches, a sleeping process), as a bot between
commands is: slower for every bot, and a test of how much code each one touches.

    python -m bench.bench_latency              # 1,000 of each
    python -m bench.bench_latency --count 200  # quick look
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from bench.harness import (
    BotProcess,
    median,
    new_store,
    percentile,
    quiet_collector,
    spawn_bot,
    start_fake,
    verdict,
)
from bot.core.content.library import Library
from bot.core.content.loader import load_library
from bot.pictures.cache import StretchPictures
from tests.fakes.discord import FakeDiscord
from tests.fakes.discord import payloads as p

ROOT = Path(__file__).resolve().parents[1]
WARMUP = 20
COMMANDS_PER_MEMBER = 4  # well inside the default cooldown burst of 8


@dataclass
class Side:
    """One bot under test with its own fake Discord (so the two never see each other)."""

    label: str
    fake: FakeDiscord
    bot: BotProcess
    members: list[p.Invoker]
    channel: p.FakeChannel
    commands: list[float] = field(default_factory=list)
    completes: list[float] = field(default_factory=list)
    settle: float = 0.0

    async def warm(self, i: int, query: str) -> None:
        """One /stretch, however it is answered (the first draws the picture: deferred)."""
        member = self.members[i % len(self.members)]
        payload = self.fake.slash(member, self.channel, "stretch", [p.option("name", query)])
        callback = await self.fake.interact(payload)
        if callback.type == 5:
            await self.fake.next_followup(payload["token"], within=30)

    async def command(self, i: int, query: str, record: bool) -> None:
        # Many people, a few commands each: one person sending a thousand would be measuring
        # the per-person cooldown's "one moment, please" instead of /stretch.
        member = self.members[i % len(self.members)]
        payload = self.fake.slash(member, self.channel, "stretch", [p.option("name", query)])
        start = time.perf_counter()
        callback = await self.fake.interact(payload)
        elapsed = (callback.arrived - start) * 1e3  # to the request's arrival, see Callback
        if record:
            self.commands.append(elapsed)
        if self.label == "deskbreak":  # the card, at once, with its picture as the image
            embed = callback.data["embeds"][0]
            assert callback.type == 4 and embed["title"] == query, (query, callback.body)
            (upload,) = callback.uploads
            assert upload.is_png and embed["image"]["url"] == f"attachment://{upload.filename}"
        elif self.label == "bare+picture":
            assert callback.type == 4 and len(callback.uploads) == 1, callback.body
        await self.rest()

    async def complete(self, i: int, prefix: str, record: bool) -> None:
        member = self.members[i % len(self.members)]
        payload = self.fake.autocomplete(member, self.channel, "stretch",
                                         [p.option("name", prefix, focused=True)])
        start = time.perf_counter()
        callback = await self.fake.interact(payload)
        elapsed = (callback.arrived - start) * 1e3
        if record:
            self.completes.append(elapsed)
        assert callback.type == 8, callback.body
        await self.rest()

    async def rest(self) -> None:
        """``--settle``'s pause: the bot has read Discord's reply (``with_response``, parsed
        into discord.py objects) and gone idle before the next request."""
        if self.settle:
            await asyncio.sleep(self.settle)


async def deskbreak_cards(library: Library) -> dict[str, dict[str, object]]:
    """Every stretch's card as deskbreak's Discord adapter sends it for ``/stretch``: the
    embed as Discord's dict, the buttons' ids, labels and styles, the picture's file name."""
    from bot.adapters.discord.render import send_kwargs
    from bot.core.clock import SystemClock
    from bot.core.commands import ContentCommands
    from bot.core.rotation import MemoryRotationStore

    content = ContentCommands(library, MemoryRotationStore(), SystemClock(),
                              pictures=StretchPictures(None))
    cards: dict[str, dict[str, object]] = {}
    for stretch in library.stretches:
        kwargs = send_kwargs(await content.stretch_pictured(stretch.name))
        buttons = [getattr(item, "item", item) for item in kwargs["view"].children]
        cards[stretch.name] = {
            "embed": kwargs["embed"].to_dict(),
            "buttons": [{"custom_id": b.custom_id, "label": b.label, "style": b.style.value}
                        for b in buttons],
            "filename": kwargs["files"][0].filename}
    return cards


def write_cards(cards: dict[str, dict[str, object]], folder: Path) -> None:
    folder.mkdir()
    for name, card in cards.items():
        (folder / f"{name}.json").write_text(json.dumps(card))


def write_pictures(library: Library, folder: Path) -> None:
    """Every stretch's picture as ``<name>.png``: what the picture baseline uploads."""
    folder.mkdir()
    pictures = StretchPictures(None)
    for stretch in library.stretches:
        (folder / f"{stretch.name}.png").write_bytes(pictures.picture(stretch))


async def start_side(label: str, argv: tuple[str, ...] | None, marker: str,
                     workdir: Path, count: int, **env: str) -> Side:
    """One bot and its own fake, with ``count`` members to spread the commands over."""
    fake = await start_fake(rate_limits=True)
    guild = fake.add_guild("Latency")
    channel = fake.add_channel(guild, "general")
    members = [fake.add_member(guild, f"person-{n}") for n in range(count)]
    store, url = await new_store(workdir / f"latency-{label}.sqlite3")
    await store.close()
    kwargs = {} if argv is None else {"argv": argv}
    bot = await spawn_bot(fake, url, ready_marker=marker, **kwargs, **env)
    await bot.wait_ready(60)
    return Side(label, fake, bot, members, channel)


def shuffled(rng: random.Random, sides: list[Side], after: Side | None) -> list[Side]:
    """``sides`` in a random order that does not start with ``after``, the bot timed just
    before: it may still be reading Discord's reply to that request."""
    while (turns := rng.sample(sides, len(sides)))[0] is after:
        pass
    return turns


def line(label: str, values: list[float], base: list[float], *,
         target: bool = True) -> tuple[str, bool]:
    med, p99 = median(values), percentile(values, 99)
    bmed, bp99 = median(base), percentile(base, 99)
    ok = med <= 1.1 * bmed and p99 <= 1.1 * bp99
    judged = f"  [{verdict(ok)} <= 1.1x]" if target else ""
    return (f"  {label:24s} median {med:6.2f} ms ({med / bmed:4.2f}x)  p99 {p99:6.2f} ms "
            f"({p99 / bp99:4.2f}x){judged}"), ok


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--settle", type=float, default=0.0,
                        help="seconds to pause after every answer (an idle bot per request)")
    args = parser.parse_args()
    rng = random.Random(3)
    library = load_library([ROOT / "content"])
    names = [s.name for s in library.stretches]
    sides: list[Side] = []
    with tempfile.TemporaryDirectory(prefix="deskbreak-bench-") as tmp:
        try:
            write_pictures(library, Path(tmp) / "bare-pictures")
            write_cards(await deskbreak_cards(library), Path(tmp) / "bare-cards")
            members = (args.count + WARMUP + len(names)) // COMMANDS_PER_MEMBER + 1
            base = await start_side("bare", ("bench/bare_bot.py",), "bare bot ready", Path(tmp),
                                    members)
            sides.append(base)
            pictured = await start_side("bare+picture", ("bench/bare_bot.py",), "bare bot ready",
                                        Path(tmp), members,
                                        BARE_PICTURES=str(Path(tmp) / "bare-pictures"))
            sides.append(pictured)
            carded = await start_side("bare+card", ("bench/bare_bot.py",), "bare bot ready",
                                      Path(tmp), members,
                                      BARE_PICTURES=str(Path(tmp) / "bare-pictures"),
                                      BARE_CARDS=str(Path(tmp) / "bare-cards"))
            sides.append(carded)
            desk = await start_side("deskbreak", None, "connected to Discord", Path(tmp),
                                    members)
            sides.append(desk)
            await asyncio.sleep(1.0)
            for side in sides:
                side.settle = args.settle
            for n, name in enumerate(names):  # every picture drawn and cached before timing
                await desk.warm(n, name)
            offset = len(names)
            # Interleaved, in a fresh random order each round: machine drift hits all alike,
            # and no bot always follows the same other one. (A bot still reads Discord's reply
            # to its last request, the message a /stretch created, parsed into discord.py
            # objects, while the next bot is timed: in a fixed rotation deskbreak always came
            # after the bare bot sending the same big card, the picture baseline after the
            # one sending a line of text.) Every bot's /stretch, then every bot's
            # autocomplete: no bot gets a request while it still reads its own last reply.
            order = random.Random(4)
            last: Side | None = None
            with quiet_collector():
                for i in range(args.count + WARMUP):
                    query = rng.choice(names)
                    prefix = rng.choice(names).lower()[: rng.randint(1, 6)]
                    for side in (turns := shuffled(order, sides, after=last)):
                        await side.command(i + offset, query, record=i >= WARMUP)
                    for side in (turns := shuffled(order, sides, after=turns[-1])):
                        await side.complete(i + offset, prefix, record=i >= WARMUP)
                    last = turns[-1]
        finally:
            for side in sides:
                await side.bot.stop()
                await side.fake.close()
    print(f"command latency, {args.count} of each, one at a time, interleaved with the baselines"
          + (f", {args.settle * 1e3:g} ms idle after each" if args.settle else ", back to back"))
    print(f"  bare /stretch (text)     median {median(base.commands):6.2f} ms  "
          f"p99 {percentile(base.commands, 99):6.2f} ms")
    print(f"  bare /stretch + picture  median {median(pictured.commands):6.2f} ms  "
          f"p99 {percentile(pictured.commands, 99):6.2f} ms")
    print(f"  bare autocomplete        median {median(base.completes):6.2f} ms  "
          f"p99 {percentile(base.completes, 99):6.2f} ms")
    print("against the bare bot that uploads the same picture:")
    print(line("deskbreak /stretch", desk.commands, pictured.commands)[0])
    print("against a bare bot sending deskbreak's very card (embed, buttons, picture), built by "
          "discord.py from its dict:")
    print(line("deskbreak /stretch", desk.commands, carded.commands, target=False)[0])
    print("against the bare bot's constant string (what the picture itself costs, for scale):")
    print(line("deskbreak /stretch", desk.commands, base.commands, target=False)[0])
    print(line("deskbreak autocomplete", desk.completes, base.completes)[0])


if __name__ == "__main__":
    asyncio.run(main())
