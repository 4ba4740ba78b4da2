"""run_until_signalled: a stop signal means "clean up and exit 0"; other cancels propagate."""

from __future__ import annotations

import asyncio
import os
import signal

import pytest

from bot.shutdown import run_until_signalled


async def _work(cleaned: list[str], started: asyncio.Event | None = None) -> int:
    try:
        if started is not None:
            started.set()
        await asyncio.Event().wait()  # runs until cancelled
    finally:
        await asyncio.sleep(0)  # clean-up may itself await (stop the scheduler, close...)
        cleaned.append("done")
    return 1


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
async def test_stop_signal_runs_the_clean_up_and_returns_0(sig: signal.Signals) -> None:
    """SIGTERM/SIGINT cancel the work, its finally runs, and the exit status is 0."""
    cleaned: list[str] = []
    asyncio.get_running_loop().call_soon(os.kill, os.getpid(), sig)
    assert await run_until_signalled(_work(cleaned)) == 0
    assert cleaned == ["done"]


async def test_handlers_are_removed_afterwards() -> None:
    """After it returns, the default handlers are back (the next run installs its own)."""
    before = signal.getsignal(signal.SIGTERM)

    async def quick() -> int:
        return 7

    assert await run_until_signalled(quick()) == 7
    assert signal.getsignal(signal.SIGTERM) == before


async def test_cancel_from_outside_is_not_mistaken_for_a_stop() -> None:
    """Cancelling the caller propagates as a cancel, not as a clean exit 0."""
    cleaned: list[str] = []
    started = asyncio.Event()
    task = asyncio.ensure_future(run_until_signalled(_work(cleaned, started)))
    await started.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert cleaned == ["done"]
