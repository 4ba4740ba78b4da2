"""The audit log's storage and the dashboard's stored session key, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import itertools

from bot.core.ports import Actor, Platform
from bot.storage import Store
from bot.storage.audit import DASHBOARD, AuditLog
from bot.storage.websecret import stored_secret

ADA = Actor(Platform.DISCORD, "g1", "u1", is_admin=True, display_name="Ada")


async def test_rows_come_back_newest_first_per_workspace_and_page_by_id(store: Store) -> None:
    """Each workspace sees only its rows, newest first; ``before`` pages further back."""
    chat, web = AuditLog(store), AuditLog(store).from_origin(DASHBOARD)
    for i in range(5):
        await (web if i % 2 else chat).record(ADA, "schedule.add", f"Added #{i}")
    await chat.record(Actor(Platform.DISCORD, "g2", "u9"), "config.quiet", "elsewhere")
    rows = await chat.page("discord", "g1", limit=3)
    assert [r.detail for r in rows] == ["Added #4", "Added #3", "Added #2"]
    assert [r.origin for r in rows] == ["chat", "dashboard", "chat"]
    older = await chat.page("discord", "g1", before=rows[-1].id)
    assert [r.detail for r in older] == ["Added #1", "Added #0"]
    assert rows[0].user_name == "Ada" and rows[0].at == store.clock.now()


async def test_long_text_is_cut_to_the_columns(store: Store) -> None:
    """A very long detail or name is shortened, never refused (the change already happened)."""
    log = AuditLog(store)
    await log.record(Actor(Platform.SLACK, "T", "U" * 100, display_name="n" * 300),
                     "schedule.edit", "x" * 2000)
    (row,) = await log.page("slack", "T")
    assert (len(row.user_id), len(row.user_name), len(row.detail)) == (64, 100, 500)


async def test_processes_starting_together_agree_on_one_session_key(store: Store) -> None:
    """Concurrent first starts on one database all end up with the first key written."""
    counter = itertools.count()
    keys = await asyncio.gather(*(stored_secret(store, "web", "session_key",
                                                lambda: f"key-{next(counter)}")
                                  for _ in range(8)))
    assert len(set(keys)) == 1
    assert await store.kv_get("web", "session_key") == keys[0]
