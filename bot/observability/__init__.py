"""Operational visibility: Prometheus metrics, health checks and the server exposing both."""

from bot.observability.health import HealthChecks, HealthReport, Heartbeat
from bot.observability.metrics import Metrics, StoredCounts
from bot.observability.server import ObservabilityServer

__all__ = [
    "HealthChecks",
    "HealthReport",
    "Heartbeat",
    "Metrics",
    "ObservabilityServer",
    "StoredCounts",
]
