"""Operational visibility: Prometheus metrics, health checks and the server exposing both."""

from bot.observability.health import HealthChecks, HealthReport
from bot.observability.metrics import Metrics, StoredCounts
from bot.observability.server import ObservabilityServer

__all__ = [
    "HealthChecks",
    "HealthReport",
    "Metrics",
    "ObservabilityServer",
    "StoredCounts",
]
