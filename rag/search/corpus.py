"""What search and answers read of the searchable passages, whichever engine holds them.

Two engines answer this interface. Embedded, the in-process snapshot
(`rag.search.index.PassageIndex`): every ready passage and a BM25 index in memory, kept on disk
between starts. On servers, PostgreSQL (`rag.search.postgres.PostgresCorpus`): the lexical
index is a table beside the passages, and a process holds nothing that grows with the corpus.
Both score with the same BM25 (`rag.search.lexical`), so they rank alike.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from functools import cached_property
from typing import Any, Protocol

from sqlalchemy import Row, select

from rag.communes import commune_key
from rag.search.lexical import context_terms
from rag.store.schema import READY, Document, Passage
from rag.text import fold
from rag.units import UnitRegistry


@dataclass(frozen=True)
class IndexedPassage:
    """A ready passage as search returns it."""

    id: str
    document_id: str
    title: str
    commune: str | None
    commune_key: str  # the commune's identity (rag.communes.identity)
    doc_type: str
    section_label: str
    section_path: str
    period: str | None
    text: str
    context_terms: frozenset[str]  # terms of the title, number, date and heading path
    units: frozenset[str]  # canonical units named in the passage or its headings
    classified: bool = False  # the document is marked MẬT / TỐI MẬT
    ocr: bool = False  # read from a scan: quotes may carry recognition errors
    number: str | None = None  # its document's number, "19-BC/ĐU"
    date: str | None = None  # its document's date, ISO to the day or month

    @cached_property
    def folded_text(self) -> str:
        return fold(self.text)


# What a passage is read with: its document's columns, not the document's full text.
PASSAGE_COLUMNS = (
    select(
        Passage.id,
        Passage.document_id,
        Document.title,
        Document.number,
        Document.date,
        Document.commune,
        Document.commune_key,
        Document.doc_type,
        Passage.section_label,
        Passage.section_path,
        Passage.period,
        Passage.text,
        Document.classification,
        Document.ocr,
    )
    .join(Document)
    .where(Document.status == READY)
)


class PassageReader:
    """Makes IndexedPassages of rows of PASSAGE_COLUMNS. With `shared` (a snapshot's reader,
    which lives as long as one load), the passages of one section share one object for its
    title, heading path and their terms, not one a passage (a province's snapshot is
    smaller, and reads back faster)."""

    def __init__(self, units: UnitRegistry, shared: bool = False) -> None:
        self.units = units
        self._shared: dict[object, object] | None = {} if shared else None
        self._contexts: dict[tuple[str, str | None, str | None, str], frozenset[str]] = {}

    def _one(self, value: Any) -> Any:
        return value if self._shared is None else self._shared.setdefault(value, value)

    def passage(self, r: Row[Any]) -> IndexedPassage:
        one = self._one
        key = (r.title, r.number, r.date, r.section_path)
        context = self._contexts.get(key)
        if context is None:
            context = one(frozenset(map(one, context_terms(r.title, r.number, r.date, r.section_path))))
            if self._shared is not None:
                self._contexts[key] = context
        return IndexedPassage(
            r.id,
            r.document_id,
            one(r.title),
            one(r.commune),
            one(r.commune_key),
            one(r.doc_type),
            one(r.section_label),
            one(r.section_path),
            one(r.period),
            r.text,
            context_terms=context,
            units=one(frozenset(map(one, self.units.find_all(f"{r.section_path}\n{r.text}")))),
            classified=r.classification is not None,
            ocr=r.ocr,
            number=one(r.number),
            date=one(r.date),
        )


class Corpus(Protocol):
    """One generation of the searchable passages. `communes` are identities (None: any) and
    `classified=False` leaves out documents marked MẬT: the scope is applied inside every read."""

    @property
    def generation(self) -> int: ...

    @property
    def size(self) -> int:
        """Ready passages."""
        ...

    @property
    def known(self) -> list[tuple[str, str]]:
        """(identity, name) of every commune."""
        ...

    @property
    def by_folded(self) -> dict[str, list[str]]:
        """Which identities a folded commune name may mean."""
        ...

    @property
    def folded_names(self) -> list[str]:
        """What a question's commune is matched against."""
        ...

    def lexical(
        self, terms: list[str], k: int, communes: list[str] | None, classified: bool
    ) -> list[tuple[IndexedPassage, float]]:
        """The k best passages by BM25, best first."""
        ...

    def passages(self, ids: Collection[str], communes: list[str] | None, classified: bool) -> list[IndexedPassage]:
        """These passages, those of the scope that are ready (a retired version's are not)."""
        ...

    def document_passages(self, document_id: str) -> list[IndexedPassage]:
        """One ready document's passages, in order."""
        ...

    def document_frequencies(self, terms: Collection[str]) -> dict[str, int]:
        """How many passages hold each term; terms no passage holds are left out."""
        ...

    def holding(self, document_ids: Collection[str], terms: Collection[str]) -> dict[str, set[str]]:
        """Which of the terms each document's passages hold."""
        ...

    def containing(
        self, phrases: list[list[str]], communes: list[str] | None, classified: bool, limit: int
    ) -> list[IndexedPassage]:
        """Passages holding every term of one of the phrases (title, headings or text), of the
        latest documents first, at most `limit`."""
        ...


class Corpora(Protocol):
    """The current corpus, brought up to date when the store's generation changed."""

    def current(self) -> Corpus: ...

    def saved(self) -> None:
        """Wait until what a refresh writes beside the question is written (tests)."""
        ...


def communes_named(known: list[tuple[str, str]]) -> dict[str, list[str]]:
    """Which identities each folded commune name may mean: questions are matched on what
    people type, filters on identities."""
    by_folded: dict[str, list[str]] = {}
    for ident, name in known:
        by_folded.setdefault(commune_key(name), []).append(ident)
    return by_folded


def idf(size: int, df: float) -> float:
    """BM25's inverse document frequency, the one formula of both engines."""
    return math.log(1.0 + (size - df + 0.5) / (df + 0.5))


class TermWeights:
    """The IDF of the terms one question uses, read from the corpus in one go. A term no
    passage holds weighs as the rarest one does: it is the asker's own word, and informative."""

    def __init__(self, corpus: Corpus, terms: Iterable[str]) -> None:
        self._corpus = corpus
        self._df: dict[str, int] = {}
        self._asked: set[str] = set()
        self.top = idf(corpus.size, 1) if corpus.size else 1.0
        self._fetch(terms)

    def _fetch(self, terms: Iterable[str]) -> None:
        wanted = set(terms) - self._asked
        if wanted:
            self._asked |= wanted
            self._df.update(self._corpus.document_frequencies(wanted))

    def known(self, term: str) -> bool:
        self._fetch([term])
        return term in self._df

    def idf(self, term: str) -> float:
        self._fetch([term])
        df = self._df.get(term)
        return self.top if df is None else idf(self._corpus.size, df)
