"""Alembic environment: run by `upgrade_schema` with its connection, or by the alembic CLI."""

from __future__ import annotations

from alembic import context
from sqlalchemy import engine_from_config, pool

import bot.access  # noqa: F401  (the bot's tables share the metadata; autogenerate must see them)
from rag.config import Settings
from rag.store import Base

connection = context.config.attributes.get("connection")
if connection is None:
    engine = engine_from_config({"sqlalchemy.url": Settings().sql_url}, prefix="sqlalchemy.", poolclass=pool.NullPool)
    with engine.connect() as connection:
        context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
else:
    context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()
