"""SQL store (SQLAlchemy 2.0): the source of truth for documents and passages.

A document is searchable only once its status is `ready`; it becomes ready in the same
transaction that retires the version it replaces, after its vectors are in Chroma. A crash
at any point therefore leaves the old or the new version searchable, never half of one.
`generation` grows with every change so that other processes notice and reload.
"""

from __future__ import annotations

import fcntl
import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, ClassVar

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import (
    JSON,
    ForeignKey,
    Index,
    LargeBinary,
    String,
    Text,
    create_engine,
    delete,
    event,
    select,
    text,
    update,
)
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, relationship, sessionmaker

from rag.errors import StoreMismatchError

READY = "ready"
PENDING = "pending"
RETIRED = "retired"


class Base(DeclarativeBase):
    type_annotation_map: ClassVar[dict[Any, Any]] = {dict[str, Any]: JSON, list[str]: JSON}


class Document(Base):
    __tablename__ = "documents"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    file_name: Mapped[str] = mapped_column(String(512))
    source: Mapped[str] = mapped_column(String(1024), index=True)
    status: Mapped[str] = mapped_column(String(16), default=PENDING, index=True)
    title: Mapped[str] = mapped_column(Text)
    doc_type: Mapped[str] = mapped_column(String(64))
    number: Mapped[str | None] = mapped_column(String(64))
    date: Mapped[str | None] = mapped_column(String(10))
    issuer: Mapped[str | None] = mapped_column(String(256))
    signer: Mapped[str | None] = mapped_column(String(256))
    signer_role: Mapped[str | None] = mapped_column(String(256))
    commune: Mapped[str | None] = mapped_column(String(128))
    commune_key: Mapped[str] = mapped_column(String(128), default="", index=True)
    period: Mapped[str | None] = mapped_column(String(64))
    classification: Mapped[str | None] = mapped_column(String(16))
    ocr: Mapped[bool] = mapped_column(default=False)  # text read from scanned pages
    recipients: Mapped[list[str]] = mapped_column(default=list)
    text: Mapped[str] = mapped_column(Text)
    embed_model: Mapped[str] = mapped_column(String(256))
    ingested_at: Mapped[datetime] = mapped_column(default=lambda: datetime.now(UTC))

    passages: Mapped[list[Passage]] = relationship(
        back_populates="document", cascade="all, delete-orphan", order_by="Passage.ordinal"
    )
    tasks: Mapped[list[Task]] = relationship(cascade="all, delete-orphan", order_by="Task.start")
    mentions: Mapped[list[DirectiveMention]] = relationship(
        cascade="all, delete-orphan", order_by="DirectiveMention.start"
    )
    figures: Mapped[list[Figure]] = relationship(cascade="all, delete-orphan", order_by="Figure.start")


class Passage(Base):
    __tablename__ = "passages"
    __table_args__ = (Index("ix_passages_document_ordinal", "document_id", "ordinal"),)

    id: Mapped[str] = mapped_column(String(48), primary_key=True)
    document_id: Mapped[str] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"))
    ordinal: Mapped[int]
    start: Mapped[int]
    end: Mapped[int]
    text: Mapped[str] = mapped_column(Text)
    section_path: Mapped[str] = mapped_column(Text, default="")
    section_label: Mapped[str] = mapped_column(String(128), default="")
    period: Mapped[str | None] = mapped_column(String(64))
    # float32 bytes of the passage's vector: Chroma can be rebuilt from SQL without re-embedding.
    # Deferred: loading the search index at start must not read 1.5 KB a passage.
    vector: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)

    document: Mapped[Document] = relationship(back_populates="passages")


class Task(Base):
    """An assignment to a unit, cited by its quote (`start`:`end` in the document text)."""

    __tablename__ = "tasks"

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[str] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"), index=True)
    passage_id: Mapped[str] = mapped_column(String(48))
    unit: Mapped[str] = mapped_column(String(128), index=True)  # canonical name
    role: Mapped[str | None] = mapped_column(String(32))
    text: Mapped[str] = mapped_column(Text)
    start: Mapped[int]
    end: Mapped[int]
    period: Mapped[str | None] = mapped_column(String(64))
    deadline: Mapped[str | None] = mapped_column(String(64))


class DirectiveMention(Base):
    """One mention of a Party or State document ("Chỉ thị số 50-CT/TW …") in one of ours."""

    __tablename__ = "directive_mentions"

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[str] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"), index=True)
    passage_id: Mapped[str] = mapped_column(String(48))
    key: Mapped[str] = mapped_column(String(128), index=True)  # "50-ct/tw": case, spacing, zeros ignored
    code: Mapped[str] = mapped_column(String(128))  # as written, normalised: "05-CT/TW"
    kind: Mapped[str] = mapped_column(String(64))
    number: Mapped[str | None] = mapped_column(String(16))
    issuer_code: Mapped[str | None] = mapped_column(String(32))
    date: Mapped[str | None] = mapped_column(String(10))
    issuing_body: Mapped[str | None] = mapped_column(String(256))
    subject: Mapped[str | None] = mapped_column(Text)
    start: Mapped[int]
    end: Mapped[int]


class Figure(Base):
    """A number with what it counts: "1.173 đảng viên", "55,8%", "18,695 tỷ đồng"."""

    __tablename__ = "figures"

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[str] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"), index=True)
    passage_id: Mapped[str] = mapped_column(String(48))
    value: Mapped[float]
    total: Mapped[float | None]
    unit: Mapped[str] = mapped_column(String(64))
    label: Mapped[str] = mapped_column(String(256))
    start: Mapped[int]
    end: Mapped[int]
    period: Mapped[str | None] = mapped_column(String(64))


class Unit(Base):
    """A unit of the registry: seeded from the domain, joined by units found in documents."""

    __tablename__ = "units"

    name: Mapped[str] = mapped_column(String(128), primary_key=True)
    aliases: Mapped[list[str]] = mapped_column(default=list)
    origin: Mapped[str] = mapped_column(String(16), default="seed")  # "seed" or "document"


class Turn(Base):
    """One question of a conversation (a Telegram chat, the console), for follow-ups."""

    __tablename__ = "turns"

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation: Mapped[str] = mapped_column(String(64), index=True)
    question: Mapped[str] = mapped_column(Text)
    resolved: Mapped[str] = mapped_column(Text)  # the standalone question that was answered
    created_at: Mapped[datetime] = mapped_column(default=lambda: datetime.now(UTC))


class Meta(Base):
    """Small key-value facts about the store (generation counter, embedding model)."""

    __tablename__ = "meta"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


def make_engine(url: str) -> Engine:
    engine = create_engine(url, future=True)
    if engine.dialect.name == "sqlite":

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.close()

    return engine


MIGRATIONS = Path(__file__).with_name("migrations")


def migrations(connection: Any) -> Config:
    """Alembic's configuration for our migrations, run on `connection`."""
    config = Config(MIGRATIONS / "alembic.ini")
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def upgrade_schema(engine: Engine) -> None:
    """Bring the schema to this version's head (callers serialise this across processes).
    A database migrated by a newer version is refused rather than misread."""
    with engine.begin() as connection:
        config = migrations(connection)
        current = MigrationContext.configure(connection).get_current_heads()
        known = {rev.revision for rev in ScriptDirectory.from_config(config).walk_revisions()}
        if unknown := [rev for rev in current if rev not in known]:
            raise StoreMismatchError(
                f"Cơ sở dữ liệu đã được một phiên bản Trợ lý Xã mới hơn nâng cấp (lược đồ «{unknown[0]}»). "
                "Hãy cập nhật Trợ lý Xã lên phiên bản mới nhất rồi chạy lại."
            )
        command.upgrade(config, "head")


def schema_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


@contextmanager
def exclusive(engine: Engine, lock_dir: Path, name: str, wait: bool = True) -> Iterator[bool]:
    """A lock across processes, yielding whether it was taken (always, when `wait`).
    On PostgreSQL an advisory lock, so processes on different hosts (bot replicas, an ingest
    job) exclude each other; it is released if the holder dies. Otherwise a file lock in the
    data directory, which covers every process that can open the same SQLite file."""
    if engine.dialect.name == "postgresql":
        key = int.from_bytes(hashlib.sha256(f"trolyxa:{name}".encode()).digest()[:8], "big", signed=True)
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            call = "pg_advisory_lock" if wait else "pg_try_advisory_lock"
            taken = connection.execute(text(f"SELECT {call}(:key)"), {"key": key}).scalar() is not False
            try:
                yield taken
            finally:
                if taken:
                    connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": key})
        return
    with open(lock_dir / f"{name}.lock", "w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX if wait else fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def make_sessions(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


def generation(session: Session) -> int:
    value = session.get(Meta, "generation")
    return int(value.value) if value else 0


def bump_generation(session: Session) -> None:
    row = session.get(Meta, "generation")
    if row is None:
        session.add(Meta(key="generation", value="1"))
    else:
        row.value = str(int(row.value) + 1)


def ready_documents(session: Session) -> list[Document]:
    return list(session.scalars(select(Document).where(Document.status == READY).order_by(Document.ingested_at)))


def ready_by_source(session: Session, source: str) -> Document | None:
    return session.scalars(select(Document).where(Document.source == source, Document.status == READY)).first()


def publish(session: Session, document_id: str, replaces: str | None) -> None:
    """Make a pending document searchable and retire the one it replaces, atomically. The
    retired row goes once its vectors are gone (`drop`), so a crash in between leaves a row
    that says whose vectors to delete, and start-up never has to scan Chroma."""
    session.execute(update(Document).where(Document.id == document_id).values(status=READY))
    if replaces and replaces != document_id:
        retire(session, replaces)
    bump_generation(session)


def retire(session: Session, document_id: str) -> None:
    session.execute(update(Document).where(Document.id == document_id).values(status=RETIRED))


def unfinished(session: Session) -> list[str]:
    """Documents a crash may have left: pending (being written) or retired (being dropped)."""
    return list(session.scalars(select(Document.id).where(Document.status != READY)))


def drop(session: Session, document_ids: list[str]) -> None:
    if document_ids:
        session.execute(delete(Document).where(Document.id.in_(document_ids)))
