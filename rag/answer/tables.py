"""Answers read from the extracted knowledge: a unit's task list, what the documents say of a
directive. Every line is cited like a retrieved sentence."""

from __future__ import annotations

from rag.answer.citations import Citations, shown
from rag.models import Answer, DirectiveCard, RetrievedPassage, TaskView

TASKS_SHOWN = 40  # in one answer when a unit's tasks span several communes
MENTIONS_SHOWN = 3


def task_answer(question: str, unit: str, tasks: list[TaskView], passages: list[RetrievedPassage]) -> Answer:
    """A unit's task list, grouped by commune and period, every task cited. Across many
    communes (a province's store, a question naming none) only the tasks of the latest
    documents, with a hint to name the commune."""
    note = None
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
