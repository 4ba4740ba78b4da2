"""A secret generated once and kept in the ``kv`` table: the dashboard's session key when
DESKBREAK_WEB_SECRET is not set, so a restart (or a second process) keeps people signed in.

Insert-if-absent, then read back: two processes starting together on one database agree on
the first key written instead of each keeping its own and rejecting the other's cookies.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.dialects import postgresql, sqlite

from bot.storage import tables as t
from bot.storage.store import Store


async def stored_secret(store: Store, namespace: str, key: str, make: Callable[[], str]) -> str:
    existing = await store.kv_get(namespace, key)
    if existing:
        return existing
    insert = postgresql.insert if store.dialect == "postgresql" else sqlite.insert
    stmt = insert(t.kv).values(namespace=namespace, key=key, value=make(),
                               updated_at=store.clock.now())
    async with store.write() as conn:
        await conn.execute(stmt.on_conflict_do_nothing(index_elements=[t.kv.c.namespace,
                                                                       t.kv.c.key]))
    stored = await store.kv_get(namespace, key)
    assert stored is not None
    return stored
