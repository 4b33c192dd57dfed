"""The bot's own records, in its own tables and migration history (bot/migrations): users
and their approvals, approved groups, answers as sent (for source buttons), feedback, the
updates already handled, and deadline reminders (who subscribed, what was sent which day)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any, ClassVar

from sqlalchemy import JSON, BigInteger, String, Text, false, true
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from rag.store.database import upgrade_schema
from rag.store.locks import exclusive

MIGRATIONS = Path(__file__).with_name("migrations")
VERSION_TABLE = "bot_alembic_version"
ALL = "*"
PENDING, APPROVED, BLOCKED = "pending", "approved", "blocked"


class BotBase(DeclarativeBase):
    type_annotation_map: ClassVar[dict[Any, Any]] = {dict[str, Any]: JSON, list[str]: JSON}


def _now() -> datetime:
    return datetime.now(UTC)


class BotUser(BotBase):
    __tablename__ = "bot_users"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)  # Telegram user id
    name: Mapped[str] = mapped_column(String(256), default="")
    status: Mapped[str] = mapped_column(String(16), default=PENDING)
    communes: Mapped[list[str]] = mapped_column(JSON, default=list)  # ["*"]: every commune
    default_commune: Mapped[str | None] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(default=_now)


class BotChat(BotBase):
    """A group an admin let the bot answer in."""

    __tablename__ = "bot_chats"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    title: Mapped[str] = mapped_column(String(256), default="")


class SentAnswer(BotBase):
    """An answer as sent, so its source buttons can show the passages later."""

    __tablename__ = "bot_answers"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(BigInteger, index=True)
    question: Mapped[str] = mapped_column(Text)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(default=_now)


class Feedback(BotBase):
    __tablename__ = "bot_feedback"

    id: Mapped[int] = mapped_column(primary_key=True)
    answer_id: Mapped[int] = mapped_column(index=True)
    user_id: Mapped[int] = mapped_column(BigInteger)
    vote: Mapped[int]  # +1 / -1
    question: Mapped[str] = mapped_column(Text)
    answer: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=_now)


class SeenUpdate(BotBase):
    """Every update received, once: a redelivered update gets no second reply. Until it is
    answered it keeps its content, so that a restart answers what a crash interrupted."""

    __tablename__ = "bot_updates"

    update_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    seen_at: Mapped[datetime] = mapped_column(default=_now)
    payload: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    answered: Mapped[bool] = mapped_column(default=False, server_default=true())


class Upload(BotBase):
    """An admin's upload from its arrival until it is stored: a crash in between is told."""

    __tablename__ = "bot_uploads"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(BigInteger)
    file_name: Mapped[str] = mapped_column(String(256))
    started_at: Mapped[datetime] = mapped_column(default=_now)


class Reminder(BotBase):
    """A chat subscribed to deadline reminders (/nhacviec): a user's private chat, or a group an
    admin subscribed. What it may read is its subscriber's scope (a group never gets MẬT)."""

    __tablename__ = "bot_reminders"

    chat_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    user_id: Mapped[int] = mapped_column(BigInteger)  # who subscribed: whose communes apply
    is_group: Mapped[bool] = mapped_column(default=False, server_default=false())
    units: Mapped[list[str]] = mapped_column(JSON, default=list)  # canonical names; []: every unit
    created_at: Mapped[datetime] = mapped_column(default=_now)


class ReminderSent(BotBase):
    """One due task reminded in one chat on one day (Vietnam's date): claimed before it is
    sent, so that a restart or a second replica never sends it twice that day."""

    __tablename__ = "bot_reminders_sent"

    chat_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    day: Mapped[str] = mapped_column(String(10), primary_key=True)  # ISO date
    task_key: Mapped[str] = mapped_column(String(32), primary_key=True)
    sent_at: Mapped[datetime] = mapped_column(default=_now)


def upgrade(engine: Engine, lock_dir: Path) -> None:
    """Bring the bot's tables to this version (one process at a time, as the engine's)."""
    with exclusive(engine, lock_dir, "schema"):
        upgrade_schema(engine, MIGRATIONS, VERSION_TABLE)
