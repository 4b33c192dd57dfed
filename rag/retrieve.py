"""Hybrid retrieval: BM25 over folded terms and dense vectors from Chroma, fused, filtered
by commune inside both searches (a passage of another commune is never even scored).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from rag.embed import Embedder
from rag.lexical import LexicalIndex, terms
from rag.text import fold
from rag.understand import Query, period_relation
from rag.vectors import VectorStore

CANDIDATES = 50
# Weight of the lexical score in the fusion, chosen on the evaluation set (see README).
LEXICAL_WEIGHT = 0.6
PERIOD_BOOST = 0.15
# A question about tasks prefers sections that assign them over sections that report results;
# a "bao nhiêu X" question prefers passages that state a number of X.
INTENT_BOOST = 0.1
_TASK_HEADING_RE = re.compile(r"nhiem vu|phuong huong|giai phap|ke hoach|chi tieu|de nghi|kien nghi")
_RESULT_HEADING_RE = re.compile(r"ket qua|danh gia|han che|kho khan|tinh hinh")


@dataclass(frozen=True)
class PassageRow:

    id: str
    document_id: str
    title: str
    commune: str | None
    commune_key: str
    section_label: str
    section_path: str
    period: str | None
    text: str
    context_terms: frozenset[str]  # terms of the title and heading path

    @cached_property
    def folded_text(self) -> str:
        return fold(self.text)

    @cached_property
    def folded_path(self) -> str:
        return fold(self.section_path)


def index_text(title: str, section_path: str, text: str) -> str:
    """What retrieval sees of a passage: its document title and heading path, then its words."""
    return f"{title}\n{section_path}\n{text}"


class PassageIndex:
    """An immutable snapshot of the searchable passages and their lexical index."""

    def __init__(self, rows: list[PassageRow], generation: int) -> None:
        self.rows = rows
        self.generation = generation
        self.position = {row.id: i for i, row in enumerate(rows)}
        self.lexical = LexicalIndex([terms(index_text(r.title, r.section_path, r.text)) for r in rows])
        self.commune_keys = np.asarray([r.commune_key for r in rows], dtype=object)
        self.communes = sorted({r.commune_key for r in rows if r.commune_key})


@dataclass(frozen=True)
class Hit:
    row: PassageRow
    score: float
    lexical: float
    dense: float


class Retriever:
    def __init__(self, embedder: Embedder, vectors: VectorStore) -> None:
        self.embedder = embedder
        self.vectors = vectors

    def search(
        self,
        index: PassageIndex,
        query: Query,
        k: int = 10,
        communes: list[str] | None = None,
        lexical_weight: float = LEXICAL_WEIGHT,
    ) -> list[Hit]:
        """Top passages for a question; `communes` (folded keys) restricts the search."""
        if not index.rows:
            return []
        allowed = None if communes is None else np.isin(index.commune_keys, communes)
        if allowed is not None and not allowed.any():
            return []
        lexical = {h.row: h.score for h in index.lexical.search(query.terms, CANDIDATES, allowed)}
        where = None if communes is None else {"commune_key": {"$in": list(communes)}}
        dense: dict[int, float] = {}
        if lexical_weight < 1.0:
            for hit in self.vectors.query(self.embedder.query(query.text), CANDIDATES, where):
                row = index.position.get(hit.passage_id)
                if row is not None:  # vectors of a retired or unfinished document are ignored
                    dense[row] = hit.similarity
        return self._fuse(index, query, lexical, dense, k, lexical_weight)

    @staticmethod
    def _fuse(
        index: PassageIndex, query: Query, lexical: dict[int, float], dense: dict[int, float], k: int, weight: float
    ) -> list[Hit]:
        top_lex = max(lexical.values(), default=0.0) or 1.0
        dense_values = list(dense.values())
        low = min(dense_values, default=0.0)
        span = (max(dense_values, default=0.0) - low) or 1.0
        scored: list[Hit] = []
        for row in set(lexical) | set(dense):
            lex = lexical.get(row, 0.0) / top_lex
            den = (dense[row] - low) / span if row in dense else 0.0
            score = weight * lex + (1 - weight) * den
            passage = index.rows[row]
            if query.periods:
                score += PERIOD_BOOST * period_relation(query.periods, passage.period)
            if query.asks_tasks:
                assigns = bool(_TASK_HEADING_RE.search(passage.folded_path))
                reports = bool(_RESULT_HEADING_RE.search(passage.folded_path))
                score += INTENT_BOOST * (assigns - reports)
            if query.counts is not None and query.counts.search(passage.folded_text):
                score += INTENT_BOOST
            scored.append(Hit(index.rows[row], score, lexical.get(row, 0.0), dense.get(row, 0.0)))
        scored.sort(key=lambda h: h.score, reverse=True)
        return scored[:k]
