"""Overview questions ("Tình hình xã Đại Sơn thế nào?", "Kết quả quý III?"): the opening
sentences of a report's general-assessment section ("Tình hình chung", "Đánh giá chung",
"Khái quát"), cited. The section names are those of the Party's reporting format."""

from __future__ import annotations

import re

from rag.answer.citations import Citations, shown
from rag.models import Answer, RetrievedPassage
from rag.search.index import IndexedPassage, PassageIndex
from rag.search.understand import Query, period_relation
from rag.text import fold, sentence_spans

OVERVIEW_SENTENCES = 3
OVERVIEW_DOCUMENTS = 2
# Headings of a general assessment, and words that only say "the situation as a whole".
_SECTION_RE = re.compile(
    r"\b(?:tinh hinh chung|danh gia chung|khai quat|dac diem tinh hinh|ket qua dat duoc|ket qua noi bat"
    r"|tinh hinh, ket qua|tinh hinh ket qua)\b"
)
_OVERVIEW_WORDS = frozenset("ket qua tinh hinh chung danh gia tong quan the nao ra sao nhu".split())


def is_overview(query: Query) -> bool:
    """An overview question whose remaining words only name the situation, a period or a commune."""
    if not query.asks_overview:
        return False
    periods = " ".join(query.periods).split()
    return all(w in _OVERVIEW_WORDS or w in periods or w.isdigit() for w in query.words if w)


def _section_rank(row: IndexedPassage) -> int | None:
    """0 for a general-assessment heading, 1 for a results heading, None for other sections."""
    path = fold(row.section_path)
    if re.search(r"\b(?:tinh hinh chung|danh gia chung|khai quat|dac diem tinh hinh)\b", path):
        return 0
    return 1 if _SECTION_RE.search(path) else None


def overview_answer(
    query: Query, index: PassageIndex, communes: list[str] | None, classified: bool, passages: list[RetrievedPassage]
) -> Answer | None:
    candidates: list[tuple[tuple[int, int, int], IndexedPassage]] = []
    seen: set[str] = set()
    for position, row in enumerate(index.rows):
        if communes is not None and row.commune_key not in communes:
            continue
        if row.classified and not classified:
            continue
        rank = _section_rank(row)
        if rank is None or row.document_id in seen:
            continue
        if query.periods and period_relation(query.periods, row.period) != 1:
            continue
        seen.add(row.document_id)  # the first passage of a document's assessment section
        candidates.append(((rank, -position, 0), row))
    if not candidates:
        return None
    candidates.sort(key=lambda c: c[0])
    citations = Citations()
    parts: list[str] = []
    for _, row in candidates[:OVERVIEW_DOCUMENTS]:
        spans = [s for s in sentence_spans(row.text) if len(row.text[s[0] : s[1]].strip()) > 20]
        quotes = [row.text[a:b] for a, b in spans[:OVERVIEW_SENTENCES]]
        if not quotes:
            continue
        where = f" (xã {row.commune})" if row.commune else ""
        cited = " ".join(f"{shown(q)} [{citations.of_passage(row, q)}]" for q in quotes)
        parts.append(f"{row.title}{where}: {cited}")
    if not parts:
        return None
    return Answer(query.text, "\n".join(parts), False, citations=citations.items, passages=passages)
