"""Stop cleanly on SIGTERM and SIGINT instead of dying mid-send.

Without this, ``docker stop``/``systemctl stop`` kill the process wherever it is. With it the
running platform is cancelled, so its own clean-up runs in order: the scheduler stops starting
sends, lets in-flight ones finish (bounded by its stop timeout) or leaves them pending in the
ledger for the next start, the client disconnects, the store closes, and the process exits 0.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import Awaitable

log = logging.getLogger(__name__)

STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)


async def run_until_signalled(work: Awaitable[int]) -> int:
    """Run ``work`` to its exit status; a stop signal cancels it and the status is then 0."""
    task = asyncio.ensure_future(work)
    loop = asyncio.get_running_loop()
    received: list[signal.Signals] = []

    def stop(sig: signal.Signals) -> None:
        if received:
            log.warning("%s again: still stopping, please wait", sig.name)
            return
        received.append(sig)
        log.info("%s received: stopping (in-flight sends finish or stay pending)", sig.name)
        task.cancel()

    installed = []
    for sig in STOP_SIGNALS:
        # Not available off the main thread or on some platforms; the default action then.
        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
            loop.add_signal_handler(sig, stop, sig)
            installed.append(sig)
    try:
        return await task
    except asyncio.CancelledError:
        if not received or not task.cancelled():
            raise  # we were cancelled from outside, not by a signal
        log.info("stopped")
        return 0
    finally:
        for sig in installed:
            loop.remove_signal_handler(sig)
