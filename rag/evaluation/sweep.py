"""Fit the answer layer's thresholds on the TUNE split, report the TEST split.

    python -m rag.evaluation.sweep --samples DATA_DIR --real DATA_DIR

TUNE is the sample corpus's main set (tests/eval/questions.jsonl) and the questions of the
real documents' tune half (tests/eval/conghai.jsonl, "split": "tune"); TEST is the sample
held-out set and the real documents' test half. Like SQuAD 2.0's no-answer threshold, the
answer gate is chosen for the best accuracy over all tune questions (answerable ones answered
with the evidence, unanswerable ones not answered) among the settings that answer at most
5 % of the unanswerable ones; the `related` thresholds for the best agreement of
"related" with "the closest passage shown holds the answer". Retrieval does not depend on
these thresholds, so each question's hits are computed once and reused.
"""

from __future__ import annotations

import argparse
import itertools
import json
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from rag.answer import extractive
from rag.assistant import Assistant
from rag.config import Settings
from rag.evaluation.questions import OPERATOR, Question, _key, load_questions, relevant

EVAL = Path(__file__).resolve().parents[2] / "tests" / "eval"
MAX_UNANSWERABLE_ANSWERED = 0.05
GRID = {
    "min_coverage": [0.4, 0.45, 0.5, 0.55, 0.6, 0.65, 0.7],
    "min_pair_coverage": [0.1, 0.15, 0.2, 0.25],
    "type_credit": [0.0, 0.2],
}
TABLE_GRID = [0.3, 0.4, 0.5, 0.6, 0.7, 0.8]
ANCHOR_GRID = [3.5, 4.0, 4.5, 5.0, 5.5, 99.0]  # 99: no capitalised name is rare enough to anchor
RELATED_GRID = {"related_coverage": [0.5, 0.6, 0.7, 0.8, 0.9], "related_dense": [0.0, 0.8, 0.85]}


def _cached(assistant: Assistant) -> Assistant:
    """The assistant with each question's retrieval memoised."""
    search = assistant.retriever.search
    memo: dict[tuple[Any, ...], Any] = {}

    def cached(index: Any, query: Any, **kw: Any) -> Any:
        key = (query.text, repr(sorted(kw.items())))
        if key not in memo:
            memo[key] = search(index, query, **kw)
        return memo[key]

    assistant.retriever.search = cached  # type: ignore[method-assign]
    return assistant


def _outcomes(sets: list[tuple[Assistant, list[Question], bool]]) -> Iterator[tuple[Question, Any, bool, bool]]:
    """(question, answer, answered correctly, the top passage holds the answer)."""
    for assistant, questions, spaceless in sets:
        files = {d.id: d.file_name for d in assistant.documents(OPERATOR)}
        for q in questions:
            answer = assistant.ask(q.question, OPERATOR)
            correct = not answer.abstained and _key(q.evidence or "", spaceless) in _key(answer.answer, spaceless)
            top = answer.passages[0] if answer.passages else None
            on_topic = top is not None and relevant(q, files.get(top.document_id, ""), top.text, spaceless)
            yield q, answer, correct, on_topic


def score(sets: list[tuple[Assistant, list[Question], bool]]) -> dict[str, float]:
    n = answerable = good = unanswerable = answered_wrongly = refused = 0
    related_agree = related_n = 0
    for q, answer, ok, on_topic in _outcomes(sets):
        n += 1
        if q.answerable:
            answerable += 1
            good += int(ok)
            refused += int(answer.abstained)
        else:
            unanswerable += 1
            good += int(answer.abstained)
            answered_wrongly += int(not answer.abstained)
        if answer.abstained:  # "related" is right when the passage it shows holds the answer
            related_n += 1
            related_agree += int((answer.status == "related") == (q.answerable and on_topic))
    return {
        "accuracy": good / n if n else 0.0,
        "answerable_refused": refused / answerable if answerable else 0.0,
        "unanswerable_answered": answered_wrongly / unanswerable if unanswerable else 0.0,
        "related_agreement": related_agree / related_n if related_n else 1.0,
    }


def _better(result: dict[str, float], best: tuple[float, float, Any] | None) -> bool:
    """Settings within the unanswerable bound beat those outside it; then higher accuracy."""
    ok = float(result["unanswerable_answered"] <= MAX_UNANSWERABLE_ANSWERED)
    return best is None or (ok, result["accuracy"]) > (best[0], best[1])


def _rank(result: dict[str, float]) -> tuple[bool, float, float]:
    """Settings within the unanswerable bound beat those outside it; then higher accuracy;
    then fewer unanswerable questions answered."""
    within = result["unanswerable_answered"] <= MAX_UNANSWERABLE_ANSWERED
    return within, result["accuracy"], -result["unanswerable_answered"]


def _fit(tune: list[tuple[Assistant, list[Question], bool]], grid: dict[str, list[float]], metric: str) -> None:
    best: tuple[Any, dict[str, float]] | None = None
    for values in itertools.product(*grid.values()):
        setting = dict(zip(grid, values, strict=True))
        extractive.THRESHOLDS.update(setting)
        result = score(tune)
        print(json.dumps({**setting, **{k: round(v, 3) for k, v in result.items()}}))
        key = _rank(result) if metric == "accuracy" else result[metric]
        if best is None or key > best[0]:
            best = (key, setting)
    assert best is not None
    extractive.THRESHOLDS.update(best[1])


def sweep(tune: list[tuple[Assistant, list[Question], bool]]) -> dict[str, float]:
    _fit(tune, GRID, "accuracy")
    _fit(tune, {"anchor_idf": ANCHOR_GRID}, "accuracy")
    _fit(tune, {"table_coverage": TABLE_GRID}, "accuracy")
    _fit(tune, RELATED_GRID, "related_agreement")
    return dict(extractive.THRESHOLDS)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--samples", type=Path, required=True, help="data dir holding the ingested sample corpus")
    parser.add_argument("--real", type=Path, required=True, help="data dir holding the ingested cong-hai documents")
    args = parser.parse_args()
    samples = _cached(Assistant(Settings(data_dir=args.samples)).start())
    real = _cached(Assistant(Settings(data_dir=args.real)).start())
    conghai = load_questions(EVAL / "conghai.jsonl")
    tune = [
        (samples, load_questions(EVAL / "questions.jsonl"), False),
        (real, [q for q in conghai if q.split == "tune"], True),
    ]
    test = [
        (samples, load_questions(EVAL / "holdout.jsonl"), False),
        (real, [q for q in conghai if q.split == "test"], True),
    ]
    chosen = sweep(tune)
    print("chosen thresholds:", json.dumps(chosen))
    print("tune:", json.dumps({k: round(v, 3) for k, v in score(tune).items()}))
    print("test:", json.dumps({k: round(v, 3) for k, v in score(test).items()}))


if __name__ == "__main__":
    tempfile.tempdir = None
    main()
