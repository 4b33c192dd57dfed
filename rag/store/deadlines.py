"""Tasks with a due date, for reminders: every task of the documents a `Scope` may read whose
deadline (or, without one, the end of its period) falls in a `Window` (see rag.deadlines)."""

from __future__ import annotations

from sqlalchemy import or_
from sqlalchemy.orm import Session

from rag.deadlines import DateRange, DueTask, Window, due_date
from rag.models import TaskView
from rag.scope import Scope
from rag.store import schema as store
from rag.store.knowledge import _ready, quote_in

__all__ = ["DateRange", "DueTask", "Window", "due"]


def due(session: Session, scope: Scope, window: Window, communes: list[str] | None = None) -> list[DueTask]:
    """Due and recently overdue tasks, soonest (most overdue) first."""
    T, D = store.Task, store.Document
    query = _ready(T, scope, communes).add_columns(D.date.label("doc_date"), D.period.label("doc_period"))
    query = query.where(or_(T.deadline.is_not(None), T.period.is_not(None)))
    if window.units:
        query = query.where(T.unit.in_(window.units))
    found: list[DueTask] = []
    for row in session.execute(query):
        view = TaskView(
            row.unit,
            row.text,
            row.period,
            row.deadline,
            row.role,
            row.doc_commune,
            row.document_id,
            row.doc_title,
            row.passage_section,
            row.passage_path,
            quote_in(row.text, row.start, row.end, row.passage_text, row.passage_start, row.passage_end),
            row.passage_id,
            row.passage_text,
            row.doc_ocr,
        )
        dated = due_date(view, row.doc_date, row.doc_period)
        if dated is not None and window.holds(dated):
            found.append(dated)
    return sorted(found, key=lambda d: (d.due.end, d.task.unit))
