"""A document's life in the store: written pending, published, retired, dropped.

A document is searchable only once its status is `ready`; it becomes ready in the same
transaction that retires the version it replaces, after its vectors are in Chroma. A crash
at any point therefore leaves the old or the new version searchable, never half of one, and
the rows left `pending` or `retired` say what the next start must finish (`drop`).
`generation` grows with every change so that other processes notice and reload.

Each passage keeps its vector with the vector's cache key (`embed_key`): a new version reuses
the vectors of its unchanged passages by copying them into its own pending rows, so nothing it
needs goes when the version it replaces is dropped.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import asdict
from typing import Any

import numpy as np
from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session, sessionmaker

from rag.ingest.directives import directive_key
from rag.ingest.prepare import PreparedDocument
from rag.store import lexicon
from rag.store.schema import PENDING, READY, RETIRED, DirectiveMention, Document, Figure, Meta, Passage, Task, Unit
from rag.store.vectors import VectorStore

log = logging.getLogger(__name__)


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


def publish(session: Session, document_id: str, replaces: str | None) -> None:
    """Make a pending document searchable and retire the one it replaces, atomically. The
    retired row goes once its vectors are gone (`drop`), so a crash in between leaves a row
    that says whose vectors to delete, and start-up never has to scan Chroma."""
    session.execute(update(Document).where(Document.id == document_id).values(status=READY))
    lexicon.add(session, [document_id])
    if replaces and replaces != document_id:
        retire(session, replaces)
    bump_generation(session)


def retire(session: Session, document_id: str) -> None:
    session.execute(update(Document).where(Document.id == document_id).values(status=RETIRED))
    lexicon.remove(session, [document_id])


def unfinished(session: Session) -> list[str]:
    """Documents a crash may have left: pending (being written) or retired (being dropped)."""
    return list(session.scalars(select(Document.id).where(Document.status != READY)))


def vector_bytes(vector: np.ndarray) -> bytes:
    return np.asarray(vector, dtype=np.float32).tobytes()


def vector_metadata(doc: Document) -> dict[str, Any]:
    """What Chroma filters on: the document, its commune, its type."""
    return {"document_id": doc.id, "commune_key": doc.commune_key, "doc_type": doc.doc_type}


class DocumentWriter:
    """Writes prepared documents and deletes stored ones, following the protocol above.
    Callers hold the writer lock (see rag.store.locks)."""

    def __init__(self, sessions: sessionmaker[Session], vectors: VectorStore) -> None:
        self.sessions = sessions
        self.vectors = vectors

    def stored(self, document_id: str) -> bool:
        """Whether this very text is already searchable."""
        with self.sessions() as session:
            same = session.get(Document, document_id)
            return same is not None and same.status == READY

    def prior(self, source: str, commune: str) -> str | None:
        """The ready version a document replaces: the same source (its path under the folder
        ingested, or its file name) of the same commune, so that two communes' "thong-bao.docx"
        stay two documents. Stores made when sources were bare file names match by name."""
        name = source.rsplit("/", 1)[-1]
        with self.sessions() as session:
            found = session.execute(
                select(Document.id, Document.source).where(
                    Document.status == READY, Document.commune_key == commune, Document.source.in_({source, name})
                )
            ).all()
        exact = [i for i, s in found if s == source]
        return (exact or [i for i, _ in found] or [None])[0]

    def cached_vectors(self, keys: list[str]) -> dict[str, np.ndarray]:
        """The vector cache: stored vectors by `embed_key`, from any passage that has one (a
        pending or retired row's vector is as good: it was written with its key)."""
        found: dict[str, np.ndarray] = {}
        with self.sessions() as session:
            for i in range(0, len(keys), 500):
                rows = session.execute(
                    select(Passage.embed_key, Passage.vector).where(
                        Passage.embed_key.in_(keys[i : i + 500]), Passage.vector.is_not(None)
                    )
                )
                found.update((key, np.frombuffer(vector, dtype=np.float32)) for key, vector in rows)
        return found

    def write(self, doc: PreparedDocument, replaces: str | None) -> None:
        row = _document_row(doc)
        with self.sessions() as session, session.begin():
            session.execute(delete(Document).where(Document.id == doc.id))  # a crash's leftover of this very text
            session.add(row)
            for name in doc.new_units:
                session.merge(Unit(name=name, aliases=[], origin="document"))
        self.vectors.delete_document(doc.id)
        self.vectors.add([p.id for p in row.passages], doc.vectors, [vector_metadata(row)] * len(row.passages))
        with self.sessions() as session, session.begin():
            publish(session, doc.id, replaces)
        if replaces:
            self.drop(replaces)
        log.info("stored %s as %s (%d passages)", doc.file_name, doc.id, len(doc.chunks))

    def delete(self, document_id: str) -> None:
        with self.sessions() as session, session.begin():
            retire(session, document_id)
            bump_generation(session)
        self.drop(document_id)

    def drop(self, document_id: str) -> None:
        """Delete a retired or unfinished document: its vectors first, then its row."""
        self.vectors.delete_document(document_id)
        with self.sessions() as session, session.begin():
            session.execute(delete(Document).where(Document.id == document_id))


def _document_row(doc: PreparedDocument) -> Document:
    meta = doc.metadata
    row = Document(
        id=doc.id,
        file_name=doc.file_name,
        source=doc.source,
        status=PENDING,
        **{field: getattr(meta, field) for field in DOCUMENT_FIELDS},
        commune_key=doc.commune_key,
        ocr=doc.ocr,
        text=doc.text,
        embed_model=doc.embed_model,
    )
    row.passages = [
        Passage(
            id=doc.passage_id(c.ordinal),
            ordinal=c.ordinal,
            start=c.start,
            end=c.end,
            text=c.text,
            section_path=c.section_path,
            section_label=c.section_label,
            period=c.period,
            vector=vector_bytes(vector),
            embed_key=key,
        )
        for c, vector, key in zip(doc.chunks, doc.vectors, doc.vector_keys, strict=True)
    ]
    found = doc.knowledge
    row.tasks = _rows(Task, found.tasks, doc.passage_id)
    row.mentions = _rows(DirectiveMention, found.directives, doc.passage_id, key=lambda m: directive_key(m.code))
    row.figures = _rows(Figure, found.figures, doc.passage_id)
    return row


# Metadata fields stored on the document row (and carried by exports) under the same names.
DOCUMENT_FIELDS = (
    "title",
    "doc_type",
    "number",
    "date",
    "issuer",
    "signer",
    "signer_role",
    "commune",
    "period",
    "classification",
    "recipients",
)


def _rows(model: Any, items: list[Any], pid: Callable[[int], str], **computed: Callable[[Any], Any]) -> list[Any]:
    """ORM rows from extracted items: fields of the same name are copied, `passage` becomes its id."""
    columns = set(model.__table__.columns.keys())
    return [
        model(
            passage_id=pid(item.passage),
            **{k: v for k, v in asdict(item).items() if k in columns},
            **{k: f(item) for k, f in computed.items()},
        )
        for item in items
    ]
