"""Alembic environment of the engine's schema (see rag.store.database.run_migrations)."""

from __future__ import annotations

from rag.store.database import VERSION_TABLE, run_migrations
from rag.store.schema import Base

run_migrations(Base.metadata, VERSION_TABLE)
