"""Chroma holds one vector per passage, keyed by passage id, with filterable metadata.

We always pass our own vectors: Chroma's default embedding function would download a model
at run time. The embedding model is recorded on the collection: adding or searching with another model
is refused (only `reindex` may start over), so vectors of two models are never mixed. Telemetry is off in every client.
"""

from __future__ import annotations

import contextlib
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import numpy as np

from rag.errors import StoreMismatchError, StoreUnavailableError

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class VectorHit:
    passage_id: str
    similarity: float


def _client(path: Path | None, url: str | None) -> Any:
    import chromadb
    from chromadb.config import Settings

    settings = Settings(anonymized_telemetry=False)
    if url:
        parsed = urlparse(url)
        try:
            return chromadb.HttpClient(
                host=parsed.hostname or "localhost",
                port=parsed.port or (443 if parsed.scheme == "https" else 8000),
                ssl=parsed.scheme == "https",
                settings=settings,
            )
        except ValueError as exc:  # chromadb's way of saying the server did not answer
            raise StoreUnavailableError(
                f"Không kết nối được máy chủ Chroma tại {parsed.hostname}:{parsed.port or 8000}. Hãy kiểm tra máy chủ "
                "đang chạy (docker compose ps) và biến TROLYXA_CHROMA_URL."
            ) from exc
    assert path is not None
    path.mkdir(parents=True, exist_ok=True)
    return chromadb.PersistentClient(path=str(path), settings=settings)


class VectorStore:
    def __init__(self, model: str, collection: str, path: Path | None = None, url: str | None = None) -> None:
        self.model = model
        self.name = collection
        self._client = _client(path, url)
        self._collection = self._open()

    def _open(self) -> Any:
        return self._client.get_or_create_collection(
            self.name,
            embedding_function=None,
            metadata={"embedding_model": self.model},
            configuration={"hnsw": {"space": "cosine"}},
        )

    def _same_model(self) -> None:
        stored = (self._collection.metadata or {}).get("embedding_model")
        if stored != self.model:
            raise StoreMismatchError(
                f"Kho vectơ đang chứa vectơ của mô hình «{stored}», khác mô hình đang cấu hình «{self.model}». "
                "Chạy «trolyxa reindex» để tạo lại vectơ bằng mô hình mới."
            )

    def recreate(self) -> None:
        """Drop every vector and start an empty collection for the configured model."""
        with contextlib.suppress(Exception):  # absent collection: nothing to drop
            self._client.delete_collection(self.name)
        self._collection = self._open()

    def count(self) -> int:
        return int(self._collection.count())

    def add(self, ids: list[str], vectors: np.ndarray, metadatas: list[dict[str, Any]]) -> None:
        self._same_model()
        for i in range(0, len(ids), 1000):
            self._collection.upsert(
                ids=ids[i : i + 1000], embeddings=vectors[i : i + 1000].tolist(), metadatas=metadatas[i : i + 1000]
            )

    def delete_document(self, document_id: str) -> None:
        self._collection.delete(where={"document_id": document_id})

    def document_ids(self) -> set[str]:
        """Every document id that has vectors (for consistency checks)."""
        result = self._collection.get(include=["metadatas"])
        return {meta["document_id"] for meta in result["metadatas"] or []}

    def passage_ids(self) -> set[str]:
        return set(self._collection.get(include=[])["ids"])

    def finds(self, passage_id: str, vector: np.ndarray) -> bool | None:
        """Whether a search with a stored passage's own vector returns that passage, or a
        passage with the very same vector (the same paragraph in several documents); None when
        the search fails outright, which only a damaged index does."""
        try:
            hits = self.query(vector, 5, None)
        except StoreMismatchError:
            return True  # vectors of another model: `reindex` is the remedy, not a rebuild
        except Exception as exc:  # Chroma reports a damaged index as assorted internal errors
            log.warning("vector index failed a probe search: %s", exc)
            return None
        return any(hit.passage_id == passage_id for hit in hits) or bool(hits and hits[0].similarity > 0.9999)

    def query(self, vector: np.ndarray, k: int, where: dict[str, Any] | None) -> list[VectorHit]:
        self._same_model()
        # Chroma (1.5.9) returns what it has when asked for more, and nothing from an empty
        # collection: no count first, which is one more request a question on a server.
        result = self._collection.query(
            query_embeddings=[vector.tolist()], n_results=k, where=where, include=["distances"]
        )
        return [
            VectorHit(pid, 1.0 - float(dist))
            for pid, dist in zip(result["ids"][0], result["distances"][0], strict=True)
        ]
