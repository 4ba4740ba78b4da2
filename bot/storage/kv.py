"""Small key-value state: what adapters keep between starts (the command-tree hash, DM
channel ids), one row per (namespace, key)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa

from bot.storage import tables as t
from bot.storage.base import Database

KV_CHUNK = 500


class KeyValueQueries(Database):
    async def kv_get(self, namespace: str, key: str) -> str | None:
        """Adapters' small state (command-tree hash, DM channel ids) lives here."""
        stmt = sa.select(t.kv.c.value).where(t.kv.c.namespace == namespace, t.kv.c.key == key)
        async with self.read() as conn:
            return (await conn.execute(stmt)).scalar_one_or_none()

    async def kv_get_many(self, namespace: str, keys: Sequence[str]) -> dict[str, str]:
        """Many keys of one namespace in one read (a fan-out's DM channel ids), in chunks
        that stay under every driver's bound-parameter limit."""
        found: dict[str, str] = {}
        async with self.read() as conn:
            for start in range(0, len(keys), KV_CHUNK):
                chunk = list(keys[start:start + KV_CHUNK])
                rows = await conn.execute(sa.select(t.kv.c.key, t.kv.c.value).where(
                    t.kv.c.namespace == namespace, t.kv.c.key.in_(chunk)))
                found.update({row.key: row.value for row in rows})
        return found

    async def kv_set(self, namespace: str, key: str, value: str) -> None:
        now = self._now()
        stmt = self._insert(t.kv).values(namespace=namespace, key=key, value=value, updated_at=now)
        stmt = stmt.on_conflict_do_update(
            index_elements=[t.kv.c.namespace, t.kv.c.key], set_={"value": value, "updated_at": now}
        )
        async with self.write() as conn:
            await conn.execute(stmt)

    async def kv_delete(self, namespace: str, key: str) -> bool:
        async with self.write() as conn:
            result = await conn.execute(
                sa.delete(t.kv).where(t.kv.c.namespace == namespace, t.kv.c.key == key)
            )
        return result.rowcount > 0

    async def kv_get_json(self, namespace: str, key: str) -> Any | None:
        raw = await self.kv_get(namespace, key)
        return None if raw is None else json.loads(raw)

    async def kv_set_json(self, namespace: str, key: str, value: Any) -> None:
        await self.kv_set(namespace, key, json.dumps(value, sort_keys=True))
