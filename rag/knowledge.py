"""Queries over the extracted knowledge (tasks, directive references, figures, units).

Only documents that are `ready` are seen, exactly as for retrieval; filters (commune,
period) are applied in SQL.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from rag import store
from rag.extract import ISSUERS, directive_key
from rag.models import DirectiveCard, FigureView, MentionView, PassageView, TaskView, UnitInfo
from rag.parse import commune_key
from rag.text import fold, sentence_spans
from rag.units import UnitRegistry

_QUARTER_DIGITS = {"1": "i", "2": "ii", "3": "iii", "4": "iv"}


def period_key(period: str) -> str:
    """ "Tháng 10", "thang 10/2025" -> "thang 10"; "quý 4" -> "quy iv"."""
    folded = " ".join(re.findall(r"[a-z0-9/]+", fold(period)))
    return re.sub(r"\bquy (\d)\b", lambda m: "quy " + _QUARTER_DIGITS.get(m.group(1), m.group(1)), folded)


def _period_matches(asked: str, period: str | None) -> bool:
    key = period_key(asked)
    have = period_key(period or "")
    if re.fullmatch(r"(?:nam )?20\d\d", key):
        return key.split()[-1] in have
    return bool(re.search(rf"(?:^| ){re.escape(key)}(?:$|[ /])", have))


def _ready(model: Any, communes: list[str] | None = None) -> Select[Any]:
    """(row, document, passage) of `model` in searchable documents, oldest document first;
    `communes` (names or keys) filters in SQL."""
    query = (
        select(model, store.Document, store.Passage)
        .join(store.Document, model.document_id == store.Document.id)
        .join(store.Passage, model.passage_id == store.Passage.id)
        .where(store.Document.status == store.READY)
        .order_by(store.Document.ingested_at, model.start)
    )
    if communes is not None:
        query = query.where(store.Document.commune_key.in_([commune_key(c) for c in communes]))
    return query


def _quote_in(passage: store.Passage, start: int, end: int, text: str) -> str:
    """The part of a span that lies in its passage, verbatim."""
    a, b = max(start, passage.start), min(end, passage.end)
    return passage.text[a - passage.start : b - passage.start] if a < b else text


def tasks(
    session: Session, units: UnitRegistry, unit: str, communes: list[str] | None = None, period: str | None = None
) -> tuple[str | None, list[TaskView]]:
    """(canonical unit or None when the name is unknown, its tasks)."""
    canonical = units.resolve(unit) or (units.at_start(unit).canonical if units.at_start(unit) else None)
    if canonical is None:
        return None, []
    out: list[TaskView] = []
    for task, doc, passage in session.execute(_ready(store.Task, communes).where(store.Task.unit == canonical)):
        if period and not _period_matches(period, task.period):
            continue
        out.append(
            TaskView(
                task.unit,
                task.text,
                task.period,
                task.deadline,
                task.role,
                doc.commune,
                doc.id,
                doc.title,
                passage.section_label,
                passage.section_path,
                _quote_in(passage, task.start, task.end, task.text),
                passage.id,
                passage.text,
                doc.ocr,
            )
        )
    return canonical, out


def directive(session: Session, code: str, communes: list[str] | None = None) -> DirectiveCard | None:
    """Everything the documents say of one directive, with every mention and its quote."""
    rows = session.execute(
        _ready(store.DirectiveMention, communes).where(store.DirectiveMention.key == directive_key(code))
    ).all()
    if not rows:
        return None
    mentions = [m for m, _, _ in rows]

    def best(values: list[str | None]) -> str | None:
        present = [v for v in values if v]
        return Counter(present).most_common(1)[0][0] if present else None

    subjects = [m.subject for m in mentions if m.subject]
    views: list[MentionView] = []
    for mention, doc, passage in rows:
        views.append(
            MentionView(
                doc.id,
                doc.title,
                doc.commune,
                passage.section_label,
                _sentence_around(passage, mention.start, mention.end),
                passage.id,
                passage.text,
                doc.ocr,
            )
        )
    first = mentions[0]
    issuer = best([m.issuing_body for m in mentions]) or ISSUERS.get(first.issuer_code or "")
    return DirectiveCard(
        code=max((m.code for m in mentions), key=len),
        kind=best([m.kind for m in mentions]) or first.kind,
        date=best([m.date for m in mentions]),
        issuer=issuer,
        issuer_code=first.issuer_code,
        subject=max(subjects, key=len) if subjects else None,
        mentions=views,
    )


def _sentence_around(passage: store.Passage, start: int, end: int) -> str:
    """The sentence (or clause) of the passage that holds a mention, verbatim."""
    local = start - passage.start
    for a, b in sentence_spans(passage.text):
        if a <= local < b:
            return passage.text[a:b]
    return passage.text[max(0, local) : max(0, end - passage.start)]


def unit_list(session: Session, commune: str | None = None) -> list[UnitInfo]:
    counts = Counter(task.unit for task, _, _ in session.execute(_ready(store.Task, [commune] if commune else None)))
    units = session.scalars(select(store.Unit).order_by(store.Unit.name))
    return [UnitInfo(u.name, list(u.aliases), u.origin, counts[u.name]) for u in units if counts[u.name] or not commune]


def figures(session: Session, commune: str | None = None) -> list[FigureView]:
    out: list[FigureView] = []
    for figure, doc, passage in session.execute(_ready(store.Figure, [commune] if commune else None)):
        out.append(
            FigureView(
                figure.value,
                figure.total,
                figure.unit,
                figure.label,
                figure.period,
                doc.commune,
                doc.id,
                doc.title,
                passage.section_label,
                _sentence_around(passage, figure.start, figure.end),
            )
        )
    return out


def passage_view(session: Session, passage_id: str) -> PassageView | None:
    """A passage with its neighbours in the document, for paging on a phone."""
    passage = session.get(store.Passage, passage_id)
    if passage is None or passage.document.status != store.READY:
        return None
    doc = passage.document
    ordinals = {p.ordinal: p.id for p in doc.passages}
    return PassageView(
        passage.id,
        doc.id,
        doc.title,
        doc.commune,
        doc.classification,
        passage.section_label,
        passage.section_path,
        passage.text,
        ordinals.get(passage.ordinal - 1),
        ordinals.get(passage.ordinal + 1),
    )
