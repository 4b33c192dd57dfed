"""Evaluation on the questions in `tests/eval/questions.jsonl`.

A retrieved passage is relevant when it comes from the expected document and holds the
evidence phrase (compared folded, so tone style and spacing do not matter). The answer is
correct when it holds the evidence phrase. Unanswerable questions must abstain.
The LangChain tutorial recipe (RecursiveCharacterTextSplitter 1000/200, Chroma similarity
top-4, same embedder) is scored on the same questions for comparison.
"""

from __future__ import annotations

import json
import re
import time
import unicodedata
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rag.assistant import Assistant
from rag.models import Answer
from rag.scope import Scope
from rag.text import fold

OPERATOR = Scope.operator()

DEFAULT_QUESTIONS = Path(__file__).resolve().parents[2] / "tests" / "eval" / "questions.jsonl"


@dataclass(frozen=True)
class Question:
    kind: str
    question: str
    document: str | None  # the file name of the document that answers starts with this
    evidence: str | None  # a phrase a correct answer holds
    split: str | None = None  # "tune" or "test": documents, not questions, are split

    @property
    def answerable(self) -> bool:
        return self.kind != "unanswerable"


def _key(text: str, spaceless: bool = False) -> str:
    """Folded words, compared as a phrase; `spaceless` also ignores where the spaces fall,
    for documents whose export joined or split syllables (the evidence is written as a
    person reads it)."""
    return ("" if spaceless else " ").join(re.findall(r"[a-z0-9]+", fold(text)))


def load_questions(path: Path | None = None) -> list[Question]:
    rows = [
        json.loads(line)
        for line in (path or DEFAULT_QUESTIONS).read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]
    return [Question(r["kind"], r["question"], r.get("document"), r.get("evidence"), r.get("split")) for r in rows]


def relevant(question: Question, file_name: str, text: str, spaceless: bool = False) -> bool:
    return (
        bool(question.document and question.evidence)
        and unicodedata.normalize("NFC", file_name).startswith(question.document or "")
        and (_key(question.evidence or "", spaceless) in _key(text, spaceless))
    )


def run_evaluation(
    assistant: Assistant,
    questions_path: Path | None = None,
    baseline: bool = True,
    spaceless: bool = False,
    **ask_options: Any,
) -> dict[str, Any]:
    questions = load_questions(questions_path)
    files = {d.id: d.file_name for d in assistant.documents(OPERATOR)}
    per_kind: dict[str, list[dict[str, float]]] = defaultdict(list)
    per_split: dict[str, list[dict[str, float]]] = defaultdict(list)
    failures: list[dict[str, Any]] = []
    latencies: list[float] = []
    quotes_ok = quotes_total = 0
    answers_cited = answers_valid = 0
    facts_total = facts_unsupported = 0
    abstained_unanswerable = abstained_total = unanswerable = 0
    confusion: dict[str, dict[str, int]] = {"answerable": defaultdict(int), "unanswerable": defaultdict(int)}
    for q in questions:
        started = time.perf_counter()
        answer = assistant.ask(q.question, OPERATOR, **ask_options)
        latencies.append(time.perf_counter() - started)
        confusion["answerable" if q.answerable else "unanswerable"][answer.status] += 1
        for c in answer.citations:
            quotes_total += 1
            quotes_ok += int(bool(c.quote) and c.quote in c.text)
        if not answer.abstained:
            valid, stated, unsupported = citation_check(answer)
            answers_cited += 1
            answers_valid += int(valid)
            facts_total += stated
            facts_unsupported += unsupported
        if answer.abstained:
            abstained_total += 1
        if not q.answerable:
            unanswerable += 1
            abstained_unanswerable += int(answer.abstained)
            per_split[q.split or "all"].append({"unanswered": float(answer.abstained)})
            per_kind[q.kind].append({"acc": float(answer.abstained), "unanswerable": 1.0})
            if not answer.abstained:
                failures.append(
                    {
                        "question": q.question,
                        "kind": q.kind,
                        "split": q.split,
                        "problem": "answered",
                        "answer": answer.answer[:200],
                    }
                )
            continue
        rank = next(
            (
                i + 1
                for i, p in enumerate(answer.passages[:10])
                if relevant(q, files.get(p.document_id, ""), p.text, spaceless)
            ),
            None,
        )
        correct = not answer.abstained and _key(q.evidence or "", spaceless) in _key(answer.answer, spaceless)
        scores = {
            "r1": float(rank == 1),
            "r5": float(rank is not None and rank <= 5),
            "rr": 1.0 / rank if rank else 0.0,
            "acc": float(correct),
            "refused": float(answer.abstained),
        }
        per_kind[q.kind].append(scores)
        per_split[q.split or "all"].append(scores)
        if not correct or not rank or rank > 5:
            failures.append(
                {
                    "question": q.question,
                    "kind": q.kind,
                    "split": q.split,  # study the tune half's misses only
                    "rank": rank,
                    "abstained": answer.abstained,
                    "answer": answer.answer[:200],
                }
            )
    rows = [r for kind_rows in per_kind.values() for r in kind_rows if "unanswerable" not in r]
    summary = {
        "questions": len(questions),
        "recall@1": _mean(rows, "r1"),
        "recall@5": _mean(rows, "r5"),
        "mrr@10": _mean(rows, "rr"),
        "answer_accuracy": _mean(rows, "acc"),
        "quote_validity": quotes_ok / quotes_total if quotes_total else 1.0,
        "citation_validity": answers_valid / answers_cited if answers_cited else 1.0,
        "unsupported_number_rate": facts_unsupported / facts_total if facts_total else 0.0,
        "mode": "generative" if assistant.generator is not None else "extractive",
        "abstention_precision": abstained_unanswerable / abstained_total if abstained_total else 1.0,
        "abstention_recall": abstained_unanswerable / unanswerable if unanswerable else 1.0,
        "answerable_refused": _mean(rows, "refused"),
        "unanswerable_answered": 1 - abstained_unanswerable / unanswerable if unanswerable else 0.0,
        "latency_p50_ms": percentile(latencies, 50) * 1000,
        "latency_p95_ms": percentile(latencies, 95) * 1000,
    }
    by_kind = {
        kind: {"n": len(r), "recall@5": _mean(r, "r5") if "r5" in r[0] else None, "answer_accuracy": _mean(r, "acc")}
        for kind, r in sorted(per_kind.items())
    }
    by_split = {split: _split_summary(r) for split, r in sorted(per_split.items())} if len(per_split) > 1 else {}
    report: dict[str, Any] = {
        "trolyxa": summary,
        "by_kind": by_kind,
        "by_split": by_split,
        "outcomes": {k: dict(v) for k, v in confusion.items()},
        "failures": failures,
    }
    if baseline:
        report["langchain_baseline"] = langchain_baseline(assistant, [q for q in questions if q.answerable])
    report["table"] = _table(report)
    return report


def citation_check(answer: Answer) -> tuple[bool, int, int]:
    """(every [n] of the answer has its citation and every quote is verbatim; numbers, dates and
    document numbers the answer states; how many of them no cited passage holds)."""
    from rag.answer.generate import source_facts, stated_facts

    markers = {int(n) for n in re.findall(r"\[(\d{1,2})\]", answer.answer)}
    numbers = {c.n for c in answer.citations}
    valid = markers <= numbers and all(c.quote in c.text for c in answer.citations)
    support: set[str] = set()
    for c in answer.citations:  # a passage with its title and headings (a task list names its period)
        support |= source_facts(f"{c.title}\n{c.section_path}\n{c.text}")
    stated = stated_facts(re.sub(r"\[\d{1,2}\]", "", answer.answer))
    unsupported = [f for f in stated if f not in support and f.replace(".", "") not in support]
    return valid, len(stated), len(unsupported)


def langchain_baseline(assistant: Assistant, questions: list[Question]) -> dict[str, float]:
    """The LangChain tutorial recipe over the same documents, with the same embedder."""
    import chromadb
    from chromadb.config import Settings as ChromaSettings
    from langchain_chroma import Chroma
    from langchain_core.documents import Document as LCDocument
    from langchain_core.embeddings import Embeddings
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    embedder = assistant.embedder

    class _Embeddings(Embeddings):
        def embed_documents(self, texts: list[str]) -> list[list[float]]:
            return embedder.passages(texts).tolist()

        def embed_query(self, text: str) -> list[float]:
            return embedder.query(text).tolist()

    from rag.store import documents

    with assistant.sessions() as session:
        docs = [
            LCDocument(page_content=d.text, metadata={"file_name": d.file_name})
            for d in documents.ready_documents(session)
        ]
    splits = RecursiveCharacterTextSplitter(chunk_size=1000, chunk_overlap=200).split_documents(docs)
    client = chromadb.EphemeralClient(settings=ChromaSettings(anonymized_telemetry=False))
    vectorstore = Chroma.from_documents(splits, _Embeddings(), client=client, collection_name="langchain_baseline")
    rows: list[dict[str, float]] = []
    for q in questions:
        found = vectorstore.similarity_search(q.question, k=4)
        rank = next((i + 1 for i, d in enumerate(found) if relevant(q, d.metadata["file_name"], d.page_content)), None)
        rows.append({"r1": float(rank == 1), "r5": float(rank is not None), "rr": 1.0 / rank if rank else 0.0})
    client.delete_collection("langchain_baseline")
    return {
        "chunks": len(splits),
        "recall@1": _mean(rows, "r1"),
        "recall@4": _mean(rows, "r5"),
        "mrr@4": _mean(rows, "rr"),
    }


def _mean(rows: list[dict[str, float]], key: str) -> float:
    rows = [r for r in rows if key in r]
    return sum(r[key] for r in rows) / len(rows) if rows else 0.0


def _split_summary(rows: list[dict[str, float]]) -> dict[str, float]:
    answerable = [r for r in rows if "acc" in r]
    return {
        "answerable": len(answerable),
        "unanswerable": len(rows) - len(answerable),
        "recall@5": _mean(rows, "r5"),
        "answer_accuracy": _mean(rows, "acc"),
        "answerable_refused": _mean(rows, "refused"),
        "unanswerable_answered": 1 - _mean(rows, "unanswered") if len(rows) > len(answerable) else 0.0,
    }


def percentile(values: list[float], pct: float) -> float:
    """The nearest-rank percentile (0.0 of nothing)."""
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1)))]


def _table(report: dict[str, Any]) -> str:
    s = report["trolyxa"]
    lines = [
        f"Questions: {s['questions']} (answers: {s['mode']})",
        "",
        f"{'metric':<24}{'Trợ lý Xã':>12}{'LangChain recipe':>20}",
    ]
    base = report.get("langchain_baseline", {})
    pairs = [("recall@1", "recall@1"), ("recall@5", "recall@4"), ("mrr@10", "mrr@4")]
    for ours, theirs in pairs:
        other = f"{base[theirs]:.3f} ({theirs})" if theirs in base else "-"
        lines.append(f"{ours:<24}{s[ours]:>12.3f}{other:>20}")
    for metric in (
        "answer_accuracy",
        "quote_validity",
        "citation_validity",
        "unsupported_number_rate",
        "abstention_precision",
        "abstention_recall",
        "answerable_refused",
        "unanswerable_answered",
    ):
        lines.append(f"{metric:<24}{s[metric]:>12.3f}{'-':>20}")
    lines.append(f"{'latency p50 / p95 (ms)':<24}{s['latency_p50_ms']:>6.0f} / {s['latency_p95_ms']:.0f}")
    if report.get("by_split"):
        lines.append("")
        lines.append("By split of the documents (recall@5, accuracy, answerable refused, unanswerable answered):")
        for split, row in report["by_split"].items():
            lines.append(
                f"  {split:<6} n={row['answerable']}+{row['unanswerable']:<3} {row['recall@5']:.3f}  "
                f"{row['answer_accuracy']:.3f}  {row['answerable_refused']:.3f}  {row['unanswerable_answered']:.3f}"
            )
    lines.append("")
    lines.append("By kind (recall@5, answer accuracy; for unanswerable: share not answered):")
    for kind, row in report["by_kind"].items():
        r5 = f"{row['recall@5']:.3f}" if row["recall@5"] is not None else "  -  "
        lines.append(f"  {kind:<14} n={row['n']:<3} {r5}  {row['answer_accuracy']:.3f}")
    lines.append("")
    lines.append(f"Outcomes (expected × status): {'answered':>10}{'related':>10}{'not_found':>11}")
    for expected, row in report.get("outcomes", {}).items():
        counts = "".join(f"{row.get(s, 0):>{w}}" for s, w in (("answered", 10), ("related", 10), ("not_found", 11)))
        lines.append(f"  {expected:<28}{counts}")
    if report["failures"]:
        lines.append("")
        lines.append(f"Misses ({len(report['failures'])}):")
        for f in report["failures"]:
            detail = f"rank={f.get('rank')} abstained={f.get('abstained')}" if "rank" in f else f["problem"]
            lines.append(f"  [{f['kind']}] {f['question']} — {detail}")
    return "\n".join(lines)
