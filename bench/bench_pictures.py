"""Pictures: what a stretch picture costs (cold, from disk, from memory) and whether drawing
them disturbs the event loop the bot serves everything from.

In-process. Loop responsiveness: a ticker on the loop asks for a 1 ms sleep over and over and
records how late each wake-up is. The baseline is that ticker alone, measured in the same run;
then the ticker while ``picture_async`` draws every shipped picture from a cold cache (the way
the bot will), and, for contrast, while the same pictures are drawn on the loop itself (what
the executor is there to prevent). Python threads share the GIL, so a render in a worker
thread still takes turns with the loop: the figure says how much that costs.

    python -m bench.bench_pictures
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from bench.harness import ROOT, median, percentile, verdict
from bot.core.content.loader import load_library
from bot.core.content.models import Stretch
from bot.pictures.cache import StretchPictures
from bot.pictures.figures import render_pose

TICK = 0.001


async def lateness_while(work: Callable[[], Awaitable[object]] | None,
                         seconds: float) -> list[float]:
    """Milliseconds each 1 ms sleep overran while ``work`` ran (or for ``seconds`` alone)."""
    late: list[float] = []
    done = asyncio.Event()

    async def ticker() -> None:
        while not done.is_set():
            start = time.perf_counter()
            await asyncio.sleep(TICK)
            late.append((time.perf_counter() - start - TICK) * 1000)

    task = asyncio.create_task(ticker())
    await asyncio.sleep(0)
    if work is None:
        await asyncio.sleep(seconds)
    else:
        await work()
    done.set()
    await task
    return late


def timed_ms(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return (time.perf_counter() - start) * 1000


async def main(rounds: int) -> None:
    stretches: list[Stretch] = list(load_library([ROOT / "content"]).stretches)
    print(f"{len(stretches)} shipped stretches, {rounds} rounds")
    # The first picture in a process also imports matplotlib and loads its font list: a
    # one-off, reported apart so it does not hide in the steady-state figures.
    first_ms = timed_ms(lambda: StretchPictures(None).picture(stretches[0]))
    print(f"first picture in a fresh process (imports matplotlib): {first_ms:.0f} ms")

    cold, disk, memory = [], [], []
    for _ in range(rounds):
        with tempfile.TemporaryDirectory() as folder:
            first = StretchPictures(Path(folder))
            cold += [timed_ms(lambda s=s, p=first: p.picture(s)) for s in stretches]
            second = StretchPictures(Path(folder))
            disk += [timed_ms(lambda s=s, p=second: p.picture(s)) for s in stretches]
            memory += [timed_ms(lambda s=s, p=second: p.picture(s)) for s in stretches]
    print(f"cold render: median {median(cold):.1f} ms, p99 {percentile(cold, 99):.1f} ms")
    print(f"from disk:   median {median(disk):.2f} ms ({median(cold) / median(disk):.0f}x faster)")
    print(f"from memory: median {median(memory) * 1000:.0f} µs")

    async def draw_async() -> None:
        pictures = StretchPictures(None)
        try:
            for s in stretches:
                await pictures.picture_async(s)
        finally:
            pictures.close()

    # A spawned worker process, started and warmed (matplotlib imported) before measuring.
    process = ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn"))
    await asyncio.get_running_loop().run_in_executor(process, render_pose, stretches[0].pose)

    async def draw_in_process() -> None:
        pictures = StretchPictures(None, executor=process)
        for s in stretches:
            await pictures.picture_async(s)

    async def draw_on_loop() -> None:
        pictures = StretchPictures(None)
        for s in stretches:
            pictures.picture(s)
            await asyncio.sleep(0)

    rows = []
    for _ in range(rounds):
        start = time.perf_counter()
        threaded = await lateness_while(draw_async, 0)
        spent = time.perf_counter() - start
        alone = await lateness_while(None, spent)
        separate = await lateness_while(draw_in_process, 0)
        blocking = await lateness_while(draw_on_loop, 0)
        rows.append((alone, threaded, separate, blocking))
    process.shutdown()
    alone, threaded, separate, blocking = ([v for row in rows for v in row[i]] for i in range(4))
    base = percentile(alone, 99)
    print("loop wake-up lateness (ms): median / p99 / max")
    for name, values in (("ticker alone (baseline)", alone),
                         ("picture_async, worker thread", threaded),
                         ("picture_async, worker process", separate),
                         ("drawing on the loop", blocking)):
        print(f"  {name:30} {median(values):6.2f} / {percentile(values, 99):6.2f} /"
              f" {max(values):6.2f}  (p99 {percentile(values, 99) / base:.1f}x baseline)")
    for name, values in (("thread", threaded), ("process", separate)):
        p99 = percentile(values, 99)
        print(f"{name}: p99 wake-up {p99:.1f} ms, vs {statistics.median(cold):.0f} ms for one"
              f" render on the loop {verdict(p99 < median(cold) / 2)}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    asyncio.run(main(parser.parse_args().rounds))
