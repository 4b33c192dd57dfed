"""Dense search inside a commune's scope, exact, over the vectors SQL keeps beside the passages.

A vector store pays for a metadata filter, not for its vectors: Chroma 1.5.9 answers a query
over 100,000 vectors in 3 ms, and the same query restricted to one commune's 1,000 in 35 ms
(`bench/scale.py` showed it as the largest part of a question at 100,000 passages). A
commune's passages are few, so the question is compared with every one of them: exact where
the index is approximate, and in a millisecond once they are read. Scopes larger than
SCOPE_LIMIT passages, and questions with no commune, go to the vector store.

What is read is kept for the corpus generation it was read in, bounded by KEPT_VECTORS in all
(the scopes least recently asked go first), so the process does not grow with the corpus.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from rag.search.bounded import Bounded
from rag.store.schema import READY, Document, Passage
from rag.store.vectors import VectorHit

SCOPE_LIMIT = 20_000
KEPT_VECTORS = 60_000  # about 90 MB of 384-dimensional vectors


@dataclass(frozen=True)
class _Scope:
    ids: list[str]
    vectors: np.ndarray  # one unit-length row a passage


_TOO_LARGE = _Scope([], np.zeros((0, 0), dtype=np.float32))  # searched by the vector store


class ScopedVectors:
    """Exact cosine search over the ready passages of some communes, read from SQL."""

    def __init__(self, sessions: sessionmaker[Session], model: str, limit: int = SCOPE_LIMIT) -> None:
        self.sessions = sessions
        self.model = model
        self.limit = limit
        self._kept: Bounded[tuple[int, tuple[str, ...], bool], _Scope] = Bounded(KEPT_VECTORS, lambda s: len(s.ids))

    def search(
        self, generation: int, communes: list[str], classified: bool, vector: np.ndarray, k: int
    ) -> list[VectorHit] | None:
        """The `k` passages most similar to `vector` among those of `communes` (identities);
        None when the scope is too large to search here, or holds vectors of another model
        (the vector store then searches, and says so)."""
        scope = self._scope(generation, tuple(sorted(set(communes))), classified)
        if scope is _TOO_LARGE:
            return None
        if not scope.ids:
            return []
        query = vector.astype(np.float32)
        similarity = scope.vectors @ (query / (np.linalg.norm(query) or 1.0))
        k = min(k, len(scope.ids))
        top = np.argpartition(-similarity, k - 1)[:k]
        top = top[np.lexsort((top, -similarity[top]))]
        return [VectorHit(scope.ids[i], float(similarity[i])) for i in top]

    def _scope(self, generation: int, communes: tuple[str, ...], classified: bool) -> _Scope:
        key = (generation, communes, classified)
        if (kept := self._kept.get(key)) is not None:
            return kept
        return self._kept.put(key, self._read(communes, classified))

    def _read(self, communes: tuple[str, ...], classified: bool) -> _Scope:
        D, P = Document, Passage
        where = [D.status == READY, D.commune_key.in_(communes)]
        if not classified:
            where.append(D.classification.is_(None))
        with self.sessions() as session:
            foreign = func.count(P.id).filter(D.embed_model != self.model)
            counted = select(func.count(P.id), func.count(P.vector), foreign).join(D).where(*where)
            total, with_vector, foreign = session.execute(counted).one()
            if total > self.limit or with_vector < total or foreign:
                return _TOO_LARGE
            rows = session.execute(select(P.id, P.vector).join(D).where(*where).order_by(D.ingested_at, P.ordinal))
            ids, blobs = [], []
            for pid, blob in rows:
                ids.append(pid)
                blobs.append(blob)
        if not ids:
            return _Scope([], np.zeros((0, 0), dtype=np.float32))
        matrix = np.frombuffer(b"".join(blobs), dtype=np.float32).reshape(len(ids), -1)
        norms = np.linalg.norm(matrix, axis=1, keepdims=True)
        return _Scope(ids, matrix / np.where(norms == 0, 1.0, norms))
