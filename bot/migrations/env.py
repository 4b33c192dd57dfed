"""Alembic environment of the bot's own tables (see rag.store.database.run_migrations)."""

from __future__ import annotations

from bot.records import VERSION_TABLE, BotBase
from rag.store.database import run_migrations

run_migrations(BotBase.metadata, VERSION_TABLE)
