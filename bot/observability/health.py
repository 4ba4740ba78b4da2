"""Health is decided by the parts of the app, not by the HTTP server.

The app registers one check per thing that can break (the scheduler, the store, each
platform adapter); ``/healthz`` runs them all and answers 503 when any fails, which
is what Docker's HEALTHCHECK, systemd watchers and Kubernetes probes act on.

A check is a callable taking no arguments that returns ``None`` when healthy or a short reason
a person can act on when not (the same convention as ``Notifier.check_channel``). It may be a
plain function or a coroutine function; raising counts as unhealthy, and so does not answering
within the timeout, because a probe that hangs is worse than one that says no.
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

HealthCheck = Callable[[], str | None | Awaitable[str | None]]


@dataclass(frozen=True, slots=True)
class HealthReport:
    """Each check's outcome: ``None`` means healthy, a string says what is wrong."""

    checks: dict[str, str | None]

    @property
    def healthy(self) -> bool:
        return all(problem is None for problem in self.checks.values())

    def as_json(self) -> dict[str, Any]:
        return {
            "status": "ok" if self.healthy else "unhealthy",
            "checks": {
                name: "ok" if problem is None else problem
                for name, problem in self.checks.items()
            },
        }


class HealthChecks:
    def __init__(self, timeout: float = 3.0) -> None:
        self._checks: dict[str, HealthCheck] = {}
        self._timeout = timeout

    def add(self, name: str, check: HealthCheck) -> None:
        """Register ``check`` under ``name``; names are unique so reports stay readable."""
        if name in self._checks:
            raise ValueError(f"a health check named {name!r} is already registered")
        self._checks[name] = check

    def names(self) -> list[str]:
        return list(self._checks)

    async def run(self) -> HealthReport:
        """Run every check concurrently, so one slow dependency costs one timeout, not N."""
        names = list(self._checks)
        outcomes = await asyncio.gather(*(self._run_one(self._checks[n]) for n in names))
        return HealthReport(dict(zip(names, outcomes, strict=True)))

    async def _run_one(self, check: HealthCheck) -> str | None:
        try:
            async with asyncio.timeout(self._timeout):
                outcome = check()
                if inspect.isawaitable(outcome):
                    outcome = await outcome
        except TimeoutError:
            return f"no answer within {self._timeout:g} s"
        except Exception as exc:  # a broken check is an unhealthy dependency, not a 500
            return f"check raised {type(exc).__name__}: {exc}"
        if outcome is not None and not isinstance(outcome, str):
            return f"check returned {outcome!r} instead of None or a reason"
        return outcome
