"""The SQL schema (SQLAlchemy 2.0): the source of truth for documents, passages and knowledge.

A document is searchable only once its status is `ready`; it becomes ready in the same
transaction that retires the version it replaces, after its vectors are in Chroma. A crash
at any point therefore leaves the old or the new version searchable, never half of one.
`generation` grows with every change so that other processes notice and reload.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    ForeignKey,
    Index,
    LargeBinary,
    String,
    Text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

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
    # The vector cache's key (rag.search.embed.embed_key: model and embedded text): a passage
    # whose text is unchanged in a new version, or repeated elsewhere, reuses this vector.
    embed_key: Mapped[str | None] = mapped_column(String(64), index=True)

    document: Mapped[Document] = relationship(back_populates="passages")


class Task(Base):
    """An assignment to a unit, cited by its quote (`start`:`end` in the document text)."""

    __tablename__ = "tasks"
    __table_args__ = (Index("ix_tasks_unit_period", "unit", "period"),)  # a unit's periods, read from the index

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
