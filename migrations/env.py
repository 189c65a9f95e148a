"""Alembic environment for the scenario library. Run in code (pages/_ui/library_store.migrate), never from a CLI:
the caller passes an open connection in `config.attributes["connection"]`."""
from __future__ import annotations

import sqlalchemy as sa
from alembic import context

from pages._ui.library_store import metadata

ADVISORY_LOCK_ID = 0x11C05_1EE  # any fixed number: replicas migrating at once wait for each other on PostgreSQL


def run_migrations_online() -> None:
    connection = context.config.attributes.get("connection")
    if connection is None:
        raise RuntimeError("run the library migrations through library_store.migrate(engine)")
    if connection.dialect.name == "postgresql":
        connection.execute(sa.text("SELECT pg_advisory_xact_lock(:id)"), {"id": ADVISORY_LOCK_ID})
    # render_as_batch: SQLite cannot ALTER most things; batch mode copies the table, so later revisions stay portable.
    context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    raise RuntimeError("offline (SQL script) migrations are not used by this app")
run_migrations_online()
