"""The corpus in PostgreSQL (server mode): search reads the lexical index that the store keeps
beside the passages (`rag.store.lexicon`), and a process holds nothing that grows with the
corpus: a replica starts in seconds, and an upload through one is searchable through all.

BM25 is the embedded engine's (`rag.search.lexical`), computed in SQL: candidates come through
the GIN index by the question's rarest terms, as many as their postings allow within a budget
(a term in half the passages would make every passage a candidate), and are then scored with
every term of the question. Below the budget the ranking is exactly the embedded engine's.
"""

from __future__ import annotations

import threading
from collections.abc import Collection
from typing import Any

from sqlalchemy import Row, select, text
from sqlalchemy.orm import Session, sessionmaker

from rag.search.bounded import Bounded
from rag.search.corpus import PASSAGE_COLUMNS, IndexedPassage, PassageReader, communes_named, idf
from rag.search.lexical import K1, B
from rag.store import documents
from rag.store.lexicon import lexicon_terms, quoted, statistics, usable
from rag.store.schema import READY, Document, Passage
from rag.units import UnitRegistry

# Passages scored a question, at most: the rarest terms are taken while their document
# frequencies sum to at most this (see PostgresCorpus._candidates).
POSTINGS_BUDGET = 2_000


# What one generation keeps of what it read: a question reads a document's passages up to three
# times (fields, typed items, lists) and its terms' frequencies twice (search, then weights).
DOCUMENTS_KEPT = 256
TERMS_KEPT = 50_000


def _any(terms: Collection[str]) -> str:
    return " | ".join(quoted(t) for t in terms)


class PostgresCorpus:
    """One generation of the corpus in PostgreSQL (rag.search.corpus.Corpus)."""

    def __init__(
        self, sessions: sessionmaker[Session], units: UnitRegistry, generation: int, made: PassageCache | None = None
    ) -> None:
        self.sessions = sessions
        self.units = units
        self.generation = generation
        self._made = made or PassageCache(units)
        # A generation's passages and frequencies do not change: they are kept for it alone.
        self._documents: Bounded[str, list[IndexedPassage]] = Bounded(DOCUMENTS_KEPT)
        self._df: Bounded[str, int] = Bounded(TERMS_KEPT)
        with sessions() as session:
            self.size, self._average = statistics(session)
            names = session.execute(
                select(Document.commune_key, Document.commune)
                .where(Document.status == READY, Document.commune_key != "", Document.commune.is_not(None))
                .distinct()
            )
            self.known: list[tuple[str, str]] = sorted((k, n) for k, n in names)
        self.by_folded = communes_named(self.known)
        self.folded_names = sorted(self.by_folded)

    @staticmethod
    def _scope(communes: list[str] | None, classified: bool) -> tuple[str, dict[str, object]]:
        where, params = "", {}
        if communes is not None:
            where += " AND l.commune_key = ANY(:communes)"
            params["communes"] = list(communes)
        if not classified:
            where += " AND NOT l.classified"
        return where, params

    def _candidates(self, rarest: list[str], df: dict[str, int]) -> str:
        """The tsquery that selects candidates: any of the rarest terms while their postings
        fit the budget (then no passage holding a question's term is left out unless only
        common terms hold it); when even the rarest term is common, the passages holding the
        rarest terms together, as many of them as the budget needs (their expected number,
        taking terms as independent)."""
        if df[rarest[0]] > POSTINGS_BUDGET:
            together, expected = rarest[:1], float(df[rarest[0]])
            for term in rarest[1:]:
                if expected <= POSTINGS_BUDGET:
                    break
                together.append(term)
                expected *= df[term] / self.size
            return " & ".join(map(quoted, together))
        chosen: list[str] = []
        postings = 0
        for term in rarest:
            if chosen and postings + df[term] > POSTINGS_BUDGET:
                break
            chosen.append(term)
            postings += df[term]
        return _any(chosen)

    def lexical(
        self, terms: list[str], k: int, communes: list[str] | None, classified: bool
    ) -> list[tuple[IndexedPassage, float]]:
        wanted = [t for t in dict.fromkeys(terms) if usable(t)]
        df = self.document_frequencies(wanted)
        known = [t for t in wanted if t in df]
        if not known or not self.size:
            return []
        candidates = self._candidates(sorted(known, key=df.__getitem__), df)
        scope, params = self._scope(communes, classified)
        sql = text(
            "WITH q AS (SELECT * FROM unnest(CAST(:terms AS text[]), CAST(:idfs AS float8[])) AS q(term, idf)), "
            "c AS (SELECT l.passage_id, l.position, l.length, "
            "ts_filter(setweight(l.terms, 'A', CAST(:terms AS text[])), '{a}') "
            f"AS held FROM passage_lexicon AS l WHERE l.terms @@ CAST(:query AS tsquery){scope} LIMIT :cap) "
            "SELECT c.passage_id, sum(q.idf * t.tf * :k1p1 / (t.tf + :k1 * (1 - :b + :b * c.length / :average))) "
            "AS score FROM c CROSS JOIN LATERAL unnest(c.held) AS u(lexeme, positions, weights) "
            "CROSS JOIN LATERAL (SELECT cardinality(u.positions)::float8 AS tf) AS t "
            "JOIN q ON q.term = u.lexeme GROUP BY c.passage_id, c.position ORDER BY score DESC, c.position LIMIT :k"
        )
        params |= {
            "terms": known,
            "idfs": [idf(self.size, df[t]) for t in known],
            "query": candidates,
            "cap": POSTINGS_BUDGET,
            "k1": K1,
            "k1p1": K1 + 1,
            "b": B,
            "average": self._average,
            "k": k,
        }
        with self.sessions() as session:
            scored = [(pid, float(score)) for pid, score in session.execute(sql, params)]
        found = {p.id: p for p in self.passages([pid for pid, _ in scored], communes, classified)}
        return [(found[pid], score) for pid, score in scored if pid in found]

    def passages(self, ids: Collection[str], communes: list[str] | None, classified: bool) -> list[IndexedPassage]:
        ids = list(dict.fromkeys(ids))
        if not ids:
            return []
        query = PASSAGE_COLUMNS.where(Passage.id.in_(ids))
        if communes is not None:
            query = query.where(Document.commune_key.in_(list(communes)))
        if not classified:
            query = query.where(Document.classification.is_(None))
        with self.sessions() as session:
            found = {p.id: p for p in map(self._made.passage, session.execute(query))}
        return [found[i] for i in ids if i in found]

    def document_passages(self, document_id: str) -> list[IndexedPassage]:
        if (kept := self._documents.get(document_id)) is None:
            query = PASSAGE_COLUMNS.where(Passage.document_id == document_id).order_by(Passage.ordinal)
            with self.sessions() as session:
                kept = self._documents.put(document_id, list(map(self._made.passage, session.execute(query))))
        return list(kept)

    def document_frequencies(self, terms: Collection[str]) -> dict[str, int]:
        wanted = list(dict.fromkeys(t for t in terms if usable(t)))
        return {t: df for t, df in self._df.many(wanted, self._read_frequencies, 0).items() if df}

    def _read_frequencies(self, terms: list[str]) -> dict[str, int]:
        query = select(lexicon_terms.c.term, lexicon_terms.c.df).where(
            lexicon_terms.c.term.in_(terms), lexicon_terms.c.df > 0
        )
        with self.sessions() as session:
            return {term: int(df) for term, df in session.execute(query)}

    def holding(self, document_ids: Collection[str], terms: Collection[str]) -> dict[str, set[str]]:
        held: dict[str, set[str]] = {d: set() for d in document_ids}
        wanted = [t for t in terms if usable(t)]
        if not held or not wanted:
            return held
        sql = text(
            "SELECT DISTINCT l.document_id, u.lexeme FROM passage_lexicon AS l, "
            "unnest(ts_filter(setweight(l.terms, 'A', CAST(:terms AS text[])), '{a}')) AS u "
            "WHERE l.document_id = ANY(:documents) AND l.terms @@ CAST(:query AS tsquery)"
        )
        with self.sessions() as session:
            for document_id, term in session.execute(
                sql, {"terms": wanted, "documents": list(held), "query": _any(wanted)}
            ):
                held[document_id].add(term)
        return held

    def containing(
        self, phrases: list[list[str]], communes: list[str] | None, classified: bool, limit: int
    ) -> list[IndexedPassage]:
        wanted = [[t for t in phrase if usable(t)] for phrase in phrases]
        query = " | ".join("(" + " & ".join(map(quoted, phrase)) + ")" for phrase in wanted if phrase)
        if not query:
            return []
        scope, params = self._scope(communes, classified)
        sql = text(
            "SELECT l.passage_id FROM passage_lexicon AS l JOIN documents AS d ON d.id = l.document_id "
            "JOIN passages AS p ON p.id = l.passage_id "
            f"WHERE l.terms @@ CAST(:query AS tsquery){scope} "
            "ORDER BY d.ingested_at DESC, d.id DESC, p.ordinal LIMIT :limit"
        )
        with self.sessions() as session:
            ids = list(session.scalars(sql, params | {"query": query, "limit": limit}))
        return self.passages(ids, communes, classified)


class PassageCache:
    """The passages made lately, by id: making one tags its units and tokenises its headings,
    which costs more than reading it. Bounded, so it does not grow with the corpus; a
    passage's id names its text, so what is kept never goes stale (readiness and scope are
    checked by every query, not here)."""

    def __init__(self, units: UnitRegistry, size: int = 20_000) -> None:
        self._reader = PassageReader(units)
        self._made: Bounded[str, IndexedPassage] = Bounded(size)

    def passage(self, row: Row[Any]) -> IndexedPassage:
        if (made := self._made.get(row.id)) is not None:
            return made
        return self._made.put(row.id, self._reader.passage(row))


class PostgresCorpora:
    """The current generation's corpus (rag.search.corpus.Corpora): a new generation costs
    two small queries, not a rebuild."""

    def __init__(self, sessions: sessionmaker[Session], units: UnitRegistry) -> None:
        self.sessions = sessions
        self.units = units
        self._corpus: PostgresCorpus | None = None
        self._made = PassageCache(units)
        self._lock = threading.Lock()

    def current(self) -> PostgresCorpus:
        with self.sessions() as session:
            generation = documents.generation(session)
        with self._lock:
            if self._corpus is None or self._corpus.generation != generation:
                self._corpus = PostgresCorpus(self.sessions, self.units, generation, self._made)
            return self._corpus

    def saved(self) -> None:
        """Nothing is written beside a question in this mode."""
