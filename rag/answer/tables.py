"""Answers read from the extracted knowledge: a unit's task list, what the documents say of a
directive. Every line is cited like a retrieved sentence."""

from __future__ import annotations

import re
from functools import lru_cache

from rag.answer.citations import Citations, shown
from rag.models import RELATED, Answer, DirectiveCard, RetrievedPassage, TaskView
from rag.search.corpus import TermWeights
from rag.search.lexical import terms
from rag.search.understand import Query
from rag.text import fold

TASKS_SHOWN = 40  # in one answer when a unit's tasks span several communes
MENTIONS_SHOWN = 3


def task_answer(question: str, unit: str, tasks: list[TaskView], passages: list[RetrievedPassage]) -> Answer:
    """A unit's task list, grouped by commune and period, every task cited. Across many
    communes (a province's store, a question naming none) only the tasks of the latest
    documents, with a hint to name the commune."""
    note = None
    tasks = [t for t in tasks if t.quote.strip()]  # a quote must be a non-empty part of its passage
    communes = {t.commune for t in tasks}
    if len(communes) > 1 and len(tasks) > TASKS_SHOWN:
        note = (
            f"{unit} có {len(tasks)} nhiệm vụ ở {len(communes)} xã; đây là {TASKS_SHOWN} nhiệm vụ trong các văn bản "
            f"mới nhất. Hãy nêu tên xã để xem đủ, ví dụ: «{question.rstrip('?')} xã {tasks[-1].commune}?»."
        )
        tasks = tasks[-TASKS_SHOWN:]
    citations = Citations()
    lines: list[str] = []
    group: tuple[str | None, str | None] | None = None
    for task in tasks:
        if (task.commune, task.period) != group:
            group = (task.commune, task.period)
            where = f" (xã {task.commune})" if task.commune else ""
            lines.append(f"{unit} — {task.period or 'không ghi kỳ'}{where}:")
        role = f" ({task.role})" if task.role else ""
        deadline = f" — hạn: {task.deadline}" if task.deadline else ""
        lines.append(f"- {shown(task.quote)}{role}{deadline} [{citations.of_task(task)}]")
    return Answer(question, "\n".join(lines), False, citations=citations.items, passages=passages, note=note)


def directive_answer(question: str, card: DirectiveCard, passages: list[RetrievedPassage]) -> Answer:
    """What the documents say of a directive: the sentences that cite it, the fullest first."""
    ranked = sorted(card.mentions, key=lambda m: (card.subject or "") in m.quote, reverse=True)
    citations = Citations()
    parts = [f"{shown(mention.quote)} [{citations.of_mention(mention)}]" for mention in ranked[:MENTIONS_SHOWN]]
    return Answer(question, "\n".join(parts), False, citations=citations.items, passages=passages)


def focused(query: Query, tasks: list[TaskView], weights: TermWeights) -> list[TaskView] | None:
    """The part of a unit's task list that answers the question; None when no task holds
    enough of its informative words (the question is about something else: retrieval answers).

    One task holding enough of the question's words, with its unit, period, headings and its
    document's title, is enough for the list to answer. A question about one meeting ("Cuộc họp
    ngày 23/02/2026, Ban Xây dựng Đảng phải chuẩn bị gì?") whose words no task holds goes to
    retrieval. When the question names a document by the words of its title ("Nghị quyết về …
    đất đai giao Đảng ủy UBND xã nhiệm vụ gì?"), the list is that document's tasks.

    The asked period is not a word to hold: `tasks` are those of the period (a task written
    with none is of its document's month), or, for the nearest period, of another."""
    from rag.answer.extractive import THRESHOLDS, evidence_for

    evidence = evidence_for(query, weights)
    asked = {*terms(" ".join(query.periods)), *(part for w in query.month_years for part in (w, *w.split("/")))}
    words = {t: w for t, w in evidence.words.items() if t not in asked}
    if not tasks or not words:
        return tasks or None
    total = sum(words.values())

    def held(text: str, unit: str) -> float:
        have, own = _terms_of(text), _terms_of(unit)
        return sum(w for t, w in words.items() if t in have or (t.startswith("~") and t in own)) / total

    floor = THRESHOLDS["table_coverage"]
    if not any(
        held(f"{t.unit} {t.period or ''} {t.title}\n{t.section_path}\n{t.text}", t.unit) >= floor for t in tasks
    ):
        return None
    named: dict[str, float] = {}  # a document's title, once per document of the list
    for t in tasks:
        if t.document_id not in named:
            named[t.document_id] = held(f"{t.unit} {t.period or ''} {t.title}", t.unit)
    best = max(named.values())
    if best < floor:
        return tasks
    return [t for t in tasks if named[t.document_id] >= best]


@lru_cache(maxsize=65_536)
def _terms_of(text: str) -> frozenset[str]:
    """A task's terms, tokenised once: a unit's list in a province is thousands of tasks, read
    again by every question about the unit."""
    return frozenset(terms(text))


def _month(period: str | None) -> int | None:
    match = re.search(r"\bthang (\d{1,2})\b", fold(period or ""))
    return int(match.group(1)) if match else None


def nearest_period(asked: str, tasks: list[TaskView]) -> str | None:
    """The period of `tasks` nearest to the asked one: the closest month when both name a
    month, else the period of the latest document."""
    periods = list(dict.fromkeys(t.period for t in tasks))
    month = _month(asked)
    months = [(abs(m - month), -i, p) for i, p in enumerate(periods) if month and (m := _month(p))]
    return min(months)[2] if months else periods[-1]


def other_period_answer(
    question: str, unit: str, asked: str, tasks: list[TaskView], passages: list[RetrievedPassage]
) -> Answer:
    """No task of `unit` for the asked period: say so first, then, labelled, the nearest period's
    tasks. Not an answer to the question (status "related")."""
    period = nearest_period(asked, tasks)
    shown_tasks = [t for t in tasks if t.period == period]
    listed = task_answer(question, unit, shown_tasks, passages)
    label = period or "không ghi kỳ"
    head = (
        f"Các tài liệu hiện có không giao nhiệm vụ nào cho {unit} trong {asked_label(asked)}. "
        f"Kỳ gần nhất có nhiệm vụ là {label}; để tham khảo:"
    )
    return Answer(
        question,
        f"{head}\n{listed.answer}",
        True,
        citations=listed.citations,
        passages=passages,
        note=listed.note,
        status=RELATED,
    )


def asked_label(period: str) -> str:
    """ "thang 11" -> "tháng 11", "quy iv" -> "quý IV", "nam 2026" -> "năm 2026"."""
    word, _, rest = period.partition(" ")
    names = {"thang": "tháng", "quy": "quý", "nam": "năm"}
    return f"{names.get(word, word)} {rest.upper() if word == 'quy' else rest}".strip()
