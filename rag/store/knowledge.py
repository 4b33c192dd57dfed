"""Queries over the extracted knowledge (tasks, directive references, figures, units).

Only documents that are `ready` and that the caller's `Scope` may read are seen, exactly as
for retrieval; that filter, and the commune and period asked for, are applied in SQL.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from typing import Any

from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.orm import Session, defer

from rag.ingest.directives import ISSUERS, directive_key
from rag.models import (
    TITLE_SECTION,
    DirectiveCard,
    DocumentInfo,
    DocumentOpening,
    FigureView,
    MentionView,
    OpeningPassage,
    PassageView,
    TaskView,
    UnitInfo,
)
from rag.scope import Scope
from rag.store import schema as store
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


_QUARTER_MONTHS = {"i": (1, 2, 3), "ii": (4, 5, 6), "iii": (7, 8, 9), "iv": (10, 11, 12)}


def _dated_in(asked: str) -> list[str]:
    """LIKE patterns of the ISO dates ("2025-09-29", "2025-10") inside the asked period: a task
    written with no period of its own belongs to its document's date ("công văn đôn đốc tháng
    9/2025")."""
    key = period_key(asked)
    year = re.search(r"\b(20\d\d)\b", key)
    prefix = year.group(1) if year else "____"
    if match := re.search(r"\bthang (\d{1,2})\b", key):
        months: tuple[int, ...] = (int(match.group(1)),)
    elif match := re.search(r"\bquy (i{1,3}|iv)\b", key):
        months = _QUARTER_MONTHS[match.group(1)]
    elif year and re.fullmatch(r"(?:nam )?20\d\d", key):
        return [f"{prefix}%"]
    else:
        return []
    return [f"{prefix}-{month:02d}%" for month in months if 1 <= month <= 12]


def readable(query: Select[Any], scope: Scope, communes: list[str] | None = None) -> Select[Any]:
    """`query` (over documents) restricted to ready documents the scope may read, and to
    `communes` (identities) when given."""
    D = store.Document
    query = query.where(D.status == store.READY)
    keys = scope.narrow(communes)
    if keys is not None:
        query = query.where(D.commune_key.in_(keys))
    if not scope.classified:
        query = query.where(D.classification.is_(None))
    return query


def _ready(model: Any, scope: Scope, communes: list[str] | None = None) -> Select[Any]:
    """Rows of `model` in readable documents with what a citation needs of their document
    (`doc_*`) and passage (`passage_*`), oldest document first. Plain rows, not ORM objects:
    a province has thousands per unit."""
    D, P = store.Document, store.Passage
    query = (
        select(
            *model.__table__.columns,
            D.title.label("doc_title"),
            D.commune.label("doc_commune"),
            D.ocr.label("doc_ocr"),
            P.text.label("passage_text"),
            P.start.label("passage_start"),
            P.end.label("passage_end"),
            P.section_label.label("passage_section"),
            P.section_path.label("passage_path"),
        )
        .join(D, model.document_id == D.id)
        .join(P, model.passage_id == P.id)
        .order_by(D.ingested_at, model.start)
    )
    return readable(query, scope, communes)


def quote_in(text: str, start: int, end: int, passage: str, passage_start: int, passage_end: int) -> str:
    """The part of a span (of the document's text) that lies in its passage, verbatim; the
    span's own text when none does."""
    a, b = max(start, passage_start), min(end, passage_end)
    return passage[a - passage_start : b - passage_start] if a < b else text


def tasks(
    session: Session,
    units: UnitRegistry,
    unit: str,
    scope: Scope,
    communes: list[str] | None = None,
    period: str | None = None,
) -> tuple[str | None, list[TaskView]]:
    """(canonical unit or None when the name is unknown, its tasks)."""
    canonical = units.resolve(unit) or (units.at_start(unit).canonical if units.at_start(unit) else None)
    if canonical is None:
        return None, []
    T, D, P = store.Task, store.Document, store.Passage
    columns = (T.unit, T.text, T.period, T.deadline, T.role, D.commune, T.document_id, D.title, P.section_label)
    columns += (P.section_path, T.passage_id, P.text, D.ocr, T.start, T.end, P.start, P.end)
    query = select(*columns).join(D, T.document_id == D.id).join(P, T.passage_id == P.id)
    query = readable(query.where(T.unit == canonical).order_by(D.ingested_at, T.start), scope, communes)
    if period:
        # The unit's periods are few (its tasks thousands): match them here, filter in SQL.
        written = list(session.scalars(select(T.period).where(T.unit == canonical).distinct()))
        named = [p for p in written if p is not None and _period_matches(period, p)]
        # Only a unit that has tasks without a period pays for the test of their documents' dates.
        patterns = _dated_in(period) if None in written else []
        undated = [and_(T.period.is_(None), D.date.like(pattern)) for pattern in patterns]
        if not named and not undated:
            return canonical, []
        query = query.where(or_(T.period.in_(named), *undated))
    out: list[TaskView] = []
    # Positional rows: a unit's list in a province is thousands of rows, read by every
    # question about the unit.
    for *view, passage_id, passage, ocr, start, end, p_start, p_end in session.execute(query):
        out.append(TaskView(*view, quote_in(view[1], start, end, passage, p_start, p_end), passage_id, passage, ocr))
    return canonical, out


def directive(
    session: Session, code: str, scope: Scope, communes: list[str] | None = None, shown: int | None = None
) -> DirectiveCard | None:
    """Everything the documents say of one directive, with every mention and its quote. With
    `shown`, only that many mentions are read whole, those stating the subject the documents
    give most fully first: a directive every commune cites has hundreds in a province, and an
    answer quotes three. Its kind, date, issuer and subject still come from every mention."""
    M, D = store.DirectiveMention, store.Document
    key = directive_key(code)
    read = _ready(M, scope, communes).where(M.key == key)
    if shown is None:
        mentions = rows = session.execute(read).all()
    else:
        facts = (M.id, M.code, M.kind, M.date, M.issuing_body, M.issuer_code, M.subject)
        ordered = select(*facts).join(D, M.document_id == D.id).where(M.key == key).order_by(D.ingested_at, M.start)
        mentions = session.execute(readable(ordered, scope, communes)).all()
    if not mentions:
        return None

    def best(values: list[str | None]) -> str | None:
        present = [v for v in values if v]
        return Counter(present).most_common(1)[0][0] if present else None

    subjects = [m.subject for m in mentions if m.subject]
    subject = max(subjects, key=len) if subjects else None
    if shown is not None:
        chosen = [m.id for m in sorted(mentions, key=lambda m: m.subject != subject)[:shown]]
        order = {mention_id: i for i, mention_id in enumerate(chosen)}
        rows = sorted(session.execute(read.where(M.id.in_(chosen))).all(), key=lambda r: order[r.id])
    views = [
        MentionView(
            row.document_id,
            row.doc_title,
            row.doc_commune,
            row.passage_section,
            _sentence_around(row),
            row.passage_id,
            row.passage_text,
            row.doc_ocr,
        )
        for row in rows
    ]
    first = mentions[0]
    issuer = best([m.issuing_body for m in mentions]) or ISSUERS.get(first.issuer_code or "")
    return DirectiveCard(
        code=max((m.code for m in mentions), key=len),
        kind=best([m.kind for m in mentions]) or first.kind,
        date=best([m.date for m in mentions]),
        issuer=issuer,
        issuer_code=first.issuer_code,
        subject=subject,
        mentions=views,
    )


def _sentence_around(row: Any) -> str:
    """The sentence (or clause) of a row's passage that holds its span, verbatim."""
    local = row.start - row.passage_start
    for a, b in sentence_spans(row.passage_text):
        if a <= local < b:
            return row.passage_text[a:b]
    return row.passage_text[max(0, local) : max(0, row.end - row.passage_start)]


def unit_list(session: Session, scope: Scope, communes: list[str] | None = None) -> list[UnitInfo]:
    D = store.Document
    query = select(store.Task.unit, func.count()).join(D, store.Task.document_id == D.id).group_by(store.Task.unit)
    query = readable(query, scope, communes)
    counts: dict[str, int] = defaultdict(int, session.execute(query).all())
    units = session.scalars(select(store.Unit).order_by(store.Unit.name))
    return [
        UnitInfo(u.name, list(u.aliases), u.origin, counts[u.name]) for u in units if counts[u.name] or communes is None
    ]


def figures(session: Session, scope: Scope, communes: list[str] | None = None) -> list[FigureView]:
    out: list[FigureView] = []
    for figure in session.execute(_ready(store.Figure, scope, communes)):
        out.append(
            FigureView(
                figure.value,
                figure.total,
                figure.unit,
                figure.label,
                figure.period,
                figure.doc_commune,
                figure.document_id,
                figure.doc_title,
                figure.passage_section,
                _sentence_around(figure),
            )
        )
    return out


def passage_view(session: Session, passage_id: str, scope: Scope) -> PassageView | None:
    """A passage with its neighbours in the document, for paging on a phone; None when it
    does not exist or the scope may not read it."""
    D, P = store.Document, store.Passage
    passage = session.scalars(readable(select(P).join(D), scope).where(P.id == passage_id)).first()
    if passage is None:
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


def documents(session: Session, scope: Scope) -> list[DocumentInfo]:
    """The documents the scope may read, oldest first, with their passage counts."""
    D, P = store.Document, store.Passage
    counts = select(P.document_id, func.count().label("n")).group_by(P.document_id).subquery()
    query = readable(select(D, counts.c.n).outerjoin(counts, counts.c.document_id == D.id), scope)
    return [
        DocumentInfo(
            d.id,
            d.title,
            d.doc_type,
            d.number,
            d.date,
            d.issuer,
            d.commune,
            d.period,
            d.file_name,
            n or 0,
            d.classification,
        )
        for d, n in session.execute(query.options(defer(D.text)).order_by(D.ingested_at))
    ]


def own_documents(
    session: Session,
    scope: Scope,
    communes: list[str] | None = None,
    *,
    number: str | None = None,
    doc_type: str | None = None,
    opening: int = 2,
) -> list[DocumentOpening]:
    """The commune's own documents (those the store holds, not the ones they cite), newest
    first, by number or kind, each with its first `opening` passages."""
    D, P = store.Document, store.Passage
    query = readable(select(D).options(defer(D.text)), scope, communes)
    if doc_type:
        query = query.where(D.doc_type == doc_type)
    if number:
        query = query.where(D.number.is_not(None))
    found = [d for d in session.scalars(query) if not number or directive_key(d.number or "") == directive_key(number)]
    found.sort(key=lambda d: (d.date or "", d.ingested_at), reverse=True)
    out: list[DocumentOpening] = []
    for d in found:
        own = select(P).where(P.document_id == d.id).order_by(P.ordinal)
        rows = session.scalars(own.where(P.section_label != TITLE_SECTION).limit(opening)).all()
        titled = session.scalars(own.where(P.section_label == TITLE_SECTION).limit(1)).first()
        info = DocumentInfo(
            d.id, d.title, d.doc_type, d.number, d.date, d.issuer, d.commune, d.period, d.file_name, 0, d.classification
        )
        passages = [OpeningPassage(p.id, p.section_label, p.section_path, p.text) for p in rows]
        title = OpeningPassage(titled.id, titled.section_label, titled.section_path, titled.text) if titled else None
        out.append(DocumentOpening(info, d.signer, d.signer_role, d.ocr, passages, title, list(d.recipients)))
    return out
