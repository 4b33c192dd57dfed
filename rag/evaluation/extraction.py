"""Extraction precision and recall against the hand-labelled gold file.

`tests/eval/extraction_gold.jsonl` lists every task (document, unit, the opening words of its
text), every directive mention (document, code) and every figure (document, value, unit) of
the five samples. Matching is one-to-one: a task matches a gold task of the same document
and unit whose words open its text (folded); a mention matches one of the same document
and directive key; a figure one of the same document, value and unit.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from sqlalchemy import select

from rag.assistant import Assistant
from rag.ingest.directives import directive_key
from rag.store import documents
from rag.store import schema as store
from rag.text import fold

GOLD = Path(__file__).resolve().parents[2] / "tests" / "eval" / "extraction_gold.jsonl"


def _words(text: str) -> str:
    return " ".join(re.findall(r"[a-z0-9]+", fold(text)))


def _score(gold: list[Any], predicted: list[Any], same: Any) -> dict[str, Any]:
    unmatched = list(gold)
    true_positive = 0
    false_positives: list[Any] = []
    for item in predicted:
        hit = next((g for g in unmatched if same(g, item)), None)
        if hit is None:
            false_positives.append(item)
        else:
            unmatched.remove(hit)
            true_positive += 1
    precision = true_positive / len(predicted) if predicted else 1.0
    recall = true_positive / len(gold) if gold else 1.0
    return {
        "gold": len(gold),
        "predicted": len(predicted),
        "precision": precision,
        "recall": recall,
        "missed": unmatched,
        "spurious": false_positives,
    }


def run_extraction_evaluation(assistant: Assistant, gold_path: Path | None = None) -> dict[str, Any]:
    rows = [json.loads(line) for line in (gold_path or GOLD).read_text(encoding="utf-8").splitlines() if line.strip()]
    with assistant.sessions() as session:
        docs = {d.id: d.file_name.split("_")[0] for d in documents.ready_documents(session)}
        tasks = [
            (docs[t.document_id], t.unit, t.text) for t in session.scalars(select(store.Task)) if t.document_id in docs
        ]
        mentions = [
            (docs[m.document_id], m.key)
            for m in session.scalars(select(store.DirectiveMention))
            if m.document_id in docs
        ]
        figures = [
            (docs[f.document_id], f.value, f.unit)
            for f in session.scalars(select(store.Figure))
            if f.document_id in docs
        ]
    gold_tasks = [(r["document"], r["unit"], r["text"]) for r in rows if r["kind"] == "task"]
    gold_refs = [(r["document"], directive_key(r["code"])) for r in rows if r["kind"] == "directive"]
    gold_figures = [(r["document"], r["value"], r["unit"]) for r in rows if r["kind"] == "figure"]
    report: dict[str, Any] = {
        "tasks": _score(gold_tasks, tasks, lambda g, p: g[:2] == p[:2] and _words(p[2]).startswith(_words(g[2]))),
        "directives": _score(gold_refs, mentions, lambda g, p: g == p),
        "figures": _score(
            gold_figures, figures, lambda g, p: g[0] == p[0] and abs(g[1] - p[1]) < 1e-9 and g[2] == p[2]
        ),
    }
    lines = [f"{'kind':<12}{'gold':>6}{'found':>7}{'precision':>11}{'recall':>8}"]
    for kind, r in report.items():
        lines.append(f"{kind:<12}{r['gold']:>6}{r['predicted']:>7}{r['precision']:>11.3f}{r['recall']:>8.3f}")
    for kind, r in report.items():
        for label, items in (("missed", r["missed"]), ("spurious", r["spurious"])):
            for item in items:
                lines.append(f"  {kind} {label}: " + " | ".join(str(x)[:70] for x in item))
    report["table"] = "\n".join(lines)
    return report
