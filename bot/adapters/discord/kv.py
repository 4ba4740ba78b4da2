"""The slice of the Store the Discord adapter needs: a namespaced key/value table.

The protocol itself is :class:`bot.core.ports.KeyValue`, shared with the Slack adapter; it is
re-exported here for the Discord modules, so the adapter depends on two methods, not on the
whole storage layer.
"""

from __future__ import annotations

from bot.core.ports import KeyValue

__all__ = ["NAMESPACE", "KeyValue"]

NAMESPACE = "discord"
