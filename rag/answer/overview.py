"""Overview questions ("Tình hình xã Đại Sơn thế nào?", "Kết quả quý III?"): the opening
sentences of a report's general-assessment section ("Tình hình chung", "Đánh giá chung",
"Khái quát"), cited. The section names are those of the Party's reporting format."""

from __future__ import annotations

import re

from rag.answer.citations import Citations, shown
from rag.models import Answer, RetrievedPassage
from rag.search.corpus import Corpus, IndexedPassage
from rag.search.lexical import terms
from rag.search.understand import Query, period_relation
from rag.text import fold, sentence_spans

OVERVIEW_SENTENCES = 3
OVERVIEW_DOCUMENTS = 2
CANDIDATES = 500  # passages under such headings, of the latest documents, looked at
# Headings of a general assessment (rank 0), then of results (rank 1).
_HEADINGS = (
    ("tình hình chung", "đánh giá chung", "khái quát", "đặc điểm tình hình"),
    ("kết quả đạt được", "kết quả nổi bật", "tình hình, kết quả", "tình hình kết quả"),
)
_HEADING_RES = [
    re.compile(r"\b(?:" + "|".join(r"\W+".join(fold(p).split()) for p in phrases) + r")\b") for phrases in _HEADINGS
]
# Words that only say "the situation as a whole".
_OVERVIEW_WORDS = frozenset("ket qua tinh hinh chung danh gia tong quan the nao ra sao nhu".split())


def is_overview(query: Query) -> bool:
    """An overview question whose remaining words only name the situation, a period or a commune."""
    if not query.asks_overview:
        return False
    periods = " ".join(query.periods).split()
    return all(w in _OVERVIEW_WORDS or w in periods or w.isdigit() for w in query.words if w)


def _sections(
    query: Query, corpus: Corpus, communes: list[str] | None, classified: bool, rank: int
) -> list[IndexedPassage]:
    """The first passage of each latest document's section under a heading of this rank."""
    # The heading's words are searched for, as the lexical index holds them (with the title,
    # the headings and the text); the heading itself is then checked.
    phrases = [[t for t in terms(p) if not t.startswith("#")] for p in _HEADINGS[rank]]
    found: list[IndexedPassage] = []
    seen: set[str] = set()
    for row in corpus.containing(phrases, communes, classified, CANDIDATES):
        if row.document_id in seen or not _HEADING_RES[rank].search(fold(row.section_path)):
            continue
        if query.periods and period_relation(query.periods, row.period) != 1:
            continue
        seen.add(row.document_id)
        found.append(row)
    return found


def overview_answer(
    query: Query, corpus: Corpus, communes: list[str] | None, classified: bool, passages: list[RetrievedPassage]
) -> Answer | None:
    candidates = _sections(query, corpus, communes, classified, 0)
    if len(candidates) < OVERVIEW_DOCUMENTS:
        have = {row.document_id for row in candidates}
        candidates += [r for r in _sections(query, corpus, communes, classified, 1) if r.document_id not in have]
    if not candidates:
        return None
    citations = Citations()
    parts: list[str] = []
    for row in candidates[:OVERVIEW_DOCUMENTS]:
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
