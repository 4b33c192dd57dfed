"""Hybrid retrieval: BM25 over folded terms and dense vectors from Chroma, fused, filtered
by commune inside both searches (a passage of another commune is never even scored).
"""

from __future__ import annotations

from dataclasses import dataclass

from rag.ingest.parse import heading_intent
from rag.search.corpus import Corpus, IndexedPassage
from rag.search.embed import Embedder
from rag.search.scoped import ScopedVectors
from rag.search.understand import Query, period_relation, states_count
from rag.store.vectors import VectorStore

CANDIDATES = 50
# Weight of the lexical score in the fusion, chosen on the evaluation set (see README).
LEXICAL_WEIGHT = 0.7
PERIOD_BOOST = 0.15
# A question about tasks prefers sections that assign them over sections that report results;
# a "bao nhiêu X" question prefers passages that state a number of X.
INTENT_BOOST = 0.1
# "thông báo kết luận…", "báo cáo quý III…": the kind of document the question names. A boost,
# not a filter: "báo cáo" is also a verb, and "chỉ thị 50" names a cited directive.
TYPE_BOOST = 0.05


@dataclass(frozen=True)
class Hit:
    row: IndexedPassage
    score: float
    lexical: float
    dense: float


class Retriever:
    """Fuses lexical and dense candidates.

    `fusion="weighted"` (default) mixes max-normalised BM25 with min-max-normalised cosine,
    `lexical_weight` to BM25; `fusion="rrf"` is reciprocal-rank fusion (k=60), kept for
    measurement: on our evaluation set it loses to the weighted mix (see README).
    """

    def __init__(
        self,
        embedder: Embedder,
        vectors: VectorStore,
        scoped: ScopedVectors | None = None,
        lexical_weight: float = LEXICAL_WEIGHT,
        fusion: str = "weighted",
    ) -> None:
        self.embedder = embedder
        self.vectors = vectors
        self.scoped = scoped
        self.lexical_weight = lexical_weight
        self.fusion = fusion

    def search(
        self,
        corpus: Corpus,
        query: Query,
        k: int = 10,
        communes: list[str] | None = None,
        classified: bool = True,
    ) -> list[Hit]:
        """Top passages for a question; `communes` (identities) restricts the search and
        `classified=False` leaves out documents marked MẬT, inside both searches."""
        if not corpus.size or communes == []:
            return []
        found = corpus.lexical(query.terms, CANDIDATES, communes, classified)
        passages = {p.id: p for p, _ in found}
        lexical = {p.id: score for p, score in found}
        where = None if communes is None else {"commune_key": {"$in": list(communes)}}
        dense: dict[str, float] = {}
        if self.lexical_weight < 1.0 or self.fusion == "rrf":
            vector = self.embedder.query(query.text)
            found_near = None
            if communes is not None and self.scoped is not None:  # a commune's few passages, exactly
                found_near = self.scoped.search(corpus.generation, communes, classified, vector, CANDIDATES)
            if found_near is None:
                found_near = self.vectors.query(vector, CANDIDATES, where)
            similar = {h.passage_id: h.similarity for h in found_near}
            # vectors of a retired or unfinished document, or of one the asker may not read, are ignored
            unseen = [pid for pid in similar if pid not in passages]
            passages.update((p.id, p) for p in corpus.passages(unseen, communes, classified))
            dense = {pid: s for pid, s in similar.items() if pid in passages}
        return self._fuse(query, passages, lexical, dense)[:k]

    def _fuse(
        self, query: Query, passages: dict[str, IndexedPassage], lexical: dict[str, float], dense: dict[str, float]
    ) -> list[Hit]:
        base = _rrf(lexical, dense) if self.fusion == "rrf" else _weighted(lexical, dense, self.lexical_weight)
        scored: list[Hit] = []
        for pid, score in base.items():
            passage = passages[pid]
            if query.periods:
                score += PERIOD_BOOST * period_relation(query.periods, passage.period)
            if query.asks_tasks:
                score += INTENT_BOOST * heading_intent(passage.section_path)
                if set(query.units) & passage.units:
                    score += INTENT_BOOST
            if query.counts is not None and states_count(query.counts, passage.folded_text):
                score += INTENT_BOOST
            if passage.doc_type in query.doc_types:
                score += TYPE_BOOST
            scored.append(Hit(passage, score, lexical.get(pid, 0.0), dense.get(pid, 0.0)))
        scored.sort(key=lambda h: h.score, reverse=True)
        return scored


def _weighted(lexical: dict[str, float], dense: dict[str, float], weight: float) -> dict[str, float]:
    top_lex = max(lexical.values(), default=0.0) or 1.0
    low = min(dense.values(), default=0.0)
    span = (max(dense.values(), default=0.0) - low) or 1.0
    fused: dict[str, float] = {}
    for row in dict.fromkeys([*lexical, *dense]):  # a fixed order, which ties keep
        den = (dense[row] - low) / span if row in dense else 0.0
        fused[row] = weight * lexical.get(row, 0.0) / top_lex + (1 - weight) * den
    return fused


def _rrf(lexical: dict[str, float], dense: dict[str, float], k: int = 60) -> dict[str, float]:
    fused: dict[str, float] = {}
    for ranking in (lexical, dense):
        for rank, row in enumerate(sorted(ranking, key=ranking.__getitem__, reverse=True)):
            fused[row] = fused.get(row, 0.0) + 1.0 / (k + rank + 1)
    # Scale so the boosts above keep the same meaning as with the weighted mix.
    top = max(fused.values(), default=0.0) or 1.0
    return {row: value / top for row, value in fused.items()}
