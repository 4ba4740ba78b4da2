"""Alembic environment: runs only programmatically, on a connection the store hands in.

``Store.migrate()`` opens an async connection and passes its sync face through
``config.attributes["connection"]``; there is no URL or ini file to keep in sync.
"""

from __future__ import annotations

from alembic import context

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - guarded so a bare `alembic` call fails clearly
    raise RuntimeError("run migrations through bot.storage.Store.migrate()")

context.configure(
    connection=connection,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
