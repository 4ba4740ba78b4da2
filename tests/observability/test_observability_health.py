"""Health checks: the app's registered callables decide healthy or not."""

from __future__ import annotations

import asyncio

import pytest

from bot.observability.health import HealthChecks


async def test_no_checks_is_healthy() -> None:
    """With nothing registered the report is healthy and empty."""
    report = await HealthChecks().run()
    assert report.healthy
    assert report.as_json() == {"status": "ok", "checks": {}}


async def test_sync_and_async_checks_are_both_run() -> None:
    """Plain and coroutine checks are both awaited and reported by name."""
    checks = HealthChecks()

    async def store() -> str | None:
        return None

    checks.add("loop", lambda: None)
    checks.add("store", store)
    report = await checks.run()
    assert report.as_json() == {"status": "ok", "checks": {"loop": "ok", "store": "ok"}}


async def test_one_failing_check_makes_the_report_unhealthy() -> None:
    """A check that returns a reason turns the whole report unhealthy and carries the reason."""
    checks = HealthChecks()
    checks.add("store", lambda: None)
    checks.add("discord", lambda: "gateway disconnected")
    report = await checks.run()
    assert not report.healthy
    assert report.as_json()["checks"] == {"store": "ok", "discord": "gateway disconnected"}


async def test_raising_check_is_unhealthy() -> None:
    """An exception inside a check is reported as unhealthy, not propagated."""
    checks = HealthChecks()

    async def store() -> str | None:
        raise ConnectionRefusedError("port 5432")

    checks.add("store", store)
    report = await checks.run()
    assert report.checks["store"] == "check raised ConnectionRefusedError: port 5432"


async def test_hanging_check_times_out_as_unhealthy() -> None:
    """A check that never answers is cut off at the timeout and reported unhealthy."""
    checks = HealthChecks(timeout=0.01)
    never = asyncio.Event()

    async def hangs() -> str | None:
        await never.wait()
        return None

    checks.add("slack", hangs)
    report = await checks.run()
    assert report.checks["slack"] == "no answer within 0.01 s"


async def test_non_string_result_is_unhealthy() -> None:
    """A check returning something other than None or a reason (e.g. False) is unhealthy."""
    checks = HealthChecks()
    checks.add("store", lambda: False)  # type: ignore[arg-type,return-value]
    report = await checks.run()
    assert not report.healthy


def test_duplicate_name_is_refused() -> None:
    """Registering two checks under one name raises instead of silently replacing one."""
    checks = HealthChecks()
    checks.add("store", lambda: None)
    with pytest.raises(ValueError, match="store"):
        checks.add("store", lambda: None)

