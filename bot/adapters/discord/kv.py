"""The slice of the Store the Discord adapter needs: a namespaced key/value table.

A protocol rather than the Store itself so the adapter depends on two methods, not on the
whole storage layer.
"""

from __future__ import annotations

from typing import Protocol

NAMESPACE = "discord"


class KeyValue(Protocol):
    async def kv_get(self, namespace: str, key: str) -> str | None: ...

    async def kv_set(self, namespace: str, key: str, value: str) -> None: ...
