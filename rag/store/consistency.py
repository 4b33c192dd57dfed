"""SQL and Chroma kept in agreement: start-up repair, the vector index's health probe, its
rebuild from the vectors kept in SQL, and `doctor`, which checks (and repairs) everything."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload, sessionmaker

from rag.ingest.prepare import vector_text
from rag.search.embed import Embedder, Request, VectorSource
from rag.store import documents
from rag.store.documents import DocumentWriter, vector_bytes, vector_metadata
from rag.store.schema import READY, Document, Passage
from rag.store.vectors import VectorStore

log = logging.getLogger(__name__)
Progress = Callable[[str, int, int], None]  # (file name, done, total)
REBUILD_GROUP = 16  # documents whose vectors are computed together and committed together


class Consistency:
    def __init__(self, sessions: sessionmaker[Session], vectors: VectorStore, embedder: Embedder) -> None:
        self.sessions = sessions
        self.vectors = vectors
        self.embedder = embedder
        self.writer = DocumentWriter(sessions, vectors)

    def repair(self) -> list[str]:
        """Finish what a crash left: documents pending or retired lose their vectors, then
        their rows. Vectors of documents SQL never knew are `doctor`'s business: finding them
        means reading every vector, which start-up should not do at 100,000 passages."""
        with self.sessions() as session:
            left = documents.unfinished(session)
        for doc_id in left:
            self.writer.drop(doc_id)
        if left:
            log.warning("repaired %d unfinished documents", len(left))
        return left

    def index_answers(self) -> bool:
        """Whether Chroma finds stored passages by their own vectors. Chroma issue #7090
        (1.5.9) reports HNSW segments that no longer load after a server restart; a damaged
        segment can also answer nothing, silently. Then the collection is rebuilt from SQL.
        One probe found is enough, and so is one failed search the other way: HNSW is
        approximate, and among thousands of near-identical passages (the same report template
        in a hundred communes) a healthy index may miss one."""
        with self.sessions() as session:
            base = (
                select(Passage.id, Passage.vector)
                .join(Document)
                .where(Document.status == READY, Document.embed_model == self.embedder.name)
                .where(Passage.vector.is_not(None))
            )
            probes = [
                *session.execute(base.order_by(Passage.id).limit(3)),
                *session.execute(base.order_by(Passage.id.desc()).limit(2)),
            ]
        for pid, vector in probes:
            # Stop at the first failed search: Chroma's bindings can abort the process when a
            # damaged segment is searched again and again.
            found = self.vectors.finds(pid, np.frombuffer(vector or b"", dtype=np.float32))
            if found is None:
                return False
            if found:
                return True
        return not probes

    def rebuild(self, progress: Progress | None = None, reembed: bool = False) -> int:
        """Rebuild the Chroma collection from SQL: from the vectors kept there (after a lost or
        corrupted index, or on a new Chroma server), or with `reembed` for the configured model
        (`trolyxa reindex`). A vector is computed only when no passage keeps one for the same
        model and embedded text, and new vectors are committed a few documents at a time: a
        reindex stopped by a crash starts again where it stopped."""
        log.warning("rebuilding the vector index from SQL")
        self.vectors.recreate()
        cache = VectorSource(self.embedder, self.writer.cached_vectors)
        with self.sessions() as session:
            ready = select(Document.id).where(Document.status == READY).order_by(Document.ingested_at)
            ids = list(session.scalars(ready))
        count = 0
        for start in range(0, len(ids), REBUILD_GROUP):
            group = ids[start : start + REBUILD_GROUP]
            with self.sessions() as session, session.begin():
                found = session.scalars(
                    select(Document)
                    .where(Document.id.in_(group), Document.status == READY)
                    .options(selectinload(Document.passages).undefer(Passage.vector))
                )
                docs = sorted(found, key=lambda d: group.index(d.id))
                wanted = [(doc, self._vectors(doc, cache, reembed)) for doc in docs]  # all queued at once
                indexed = [(doc, self._keep(doc, vectors)) for doc, vectors in wanted]
            for done, (doc, vectors) in enumerate(indexed, start=start):
                if progress:
                    progress(doc.file_name, done, len(ids))
                self._add(doc, vectors)
                count += len(doc.passages)
        with self.sessions() as session, session.begin():
            documents.bump_generation(session)
        return count

    def _index(self, doc: Document) -> None:
        """Put a stored document's vectors into Chroma: those kept in SQL when they are of the
        configured model, otherwise computed again (or taken from the cache) and kept."""
        self._add(doc, self._keep(doc, self._vectors(doc, VectorSource(self.embedder, self.writer.cached_vectors))))

    def _vectors(self, doc: Document, cache: VectorSource, reembed: bool = False) -> Request | np.ndarray:
        passages = doc.passages
        if reembed or doc.embed_model != self.embedder.name or any(p.vector is None for p in passages):
            return cache.request([vector_text(p.section_path, p.text) for p in passages])
        return np.stack([np.frombuffer(p.vector or b"", dtype=np.float32) for p in passages])

    def _keep(self, doc: Document, vectors: Request | np.ndarray) -> np.ndarray:
        """The document's vectors, recorded on its passages when they were requested anew."""
        if isinstance(vectors, np.ndarray):
            return vectors
        computed = vectors.result()
        for passage, vector, key in zip(doc.passages, computed, vectors.keys, strict=True):
            passage.vector, passage.embed_key = vector_bytes(vector), key
        doc.embed_model = self.embedder.name
        return computed

    def _add(self, doc: Document, vectors: np.ndarray) -> None:
        if doc.passages:
            self.vectors.add([p.id for p in doc.passages], vectors, [vector_metadata(doc)] * len(doc.passages))

    def doctor(self, repair: bool = False) -> dict[str, Any]:
        """Check that SQL and Chroma agree (every ready passage has its vector, no vector lacks
        its document, the vector index finds stored passages); with `repair`, rebuild the index
        from SQL when it does not answer, add what is missing and drop what is orphaned.
        Callers hold the writer lock when repairing."""
        problems: list[str] = []
        fixed: list[str] = []
        with self.sessions() as session:
            docs = documents.ready_documents(session)
            wanted = {d.id: [p.id for p in d.passages] for d in docs}
            pending = documents.unfinished(session)
        answers = self.index_answers()
        if not answers:
            problems.append("the vector index does not find stored passages by their own vectors")
        present = self.vectors.passage_ids() if answers else set()
        for doc_id, passage_ids in wanted.items():
            missing = [pid for pid in passage_ids if pid not in present]
            if missing and answers:
                problems.append(f"document {doc_id}: {len(missing)} of {len(passage_ids)} passages lack vectors")
        orphans = {pid.rsplit("-", 1)[0] for pid in present} - set(wanted) - set(pending)
        problems += [f"vectors of unknown document {doc_id}" for doc_id in sorted(orphans)]
        problems += [f"unfinished document {doc_id}" for doc_id in pending]
        if repair and problems:
            fixed += self.repair()
            for doc_id in sorted(orphans):
                self.vectors.delete_document(doc_id)
                fixed.append(doc_id)
            if not answers:
                self.rebuild()
                fixed.append("vector index rebuilt from SQL")
            else:
                with self.sessions() as session, session.begin():
                    for doc in documents.ready_documents(session):
                        if any(p.id not in present for p in doc.passages):
                            self._index(doc)
                            fixed.append(doc.id)
        return {"documents": len(wanted), "vectors": self.vectors.count(), "problems": problems, "fixed": fixed}
