"""The searchable snapshot: every ready passage with what retrieval and answers need of it,
and the lexical index over them. Immutable; a change elsewhere produces the next snapshot,
reading only the documents added since (`Snapshots`). The last snapshot is kept on disk, so a
process that starts again reads it instead of tokenising every passage (`SnapshotFile`)."""

from __future__ import annotations

import hashlib
import logging
import os
import pickle
import sys
import threading
from collections.abc import Collection, Iterator
from functools import cached_property
from pathlib import Path

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from rag.search.corpus import PASSAGE_COLUMNS, IndexedPassage, PassageReader, communes_named
from rag.search.lexical import LexicalIndex, passage_terms
from rag.store import documents
from rag.store.schema import READY, Document, Passage
from rag.units import UnitRegistry

log = logging.getLogger(__name__)


class PassageIndex:
    """An immutable snapshot of the searchable passages and their lexical index: the embedded
    engine of `rag.search.corpus.Corpus`."""

    def __init__(self, rows: list[IndexedPassage], generation: int, index: LexicalIndex | None = None) -> None:
        self.rows = rows
        self.generation = generation
        self.position = {row.id: i for i, row in enumerate(rows)}
        self.index = index or LexicalIndex(_terms(rows))
        self.communes = sorted({r.commune_key for r in rows if r.commune_key})  # identities
        self.known = sorted({(r.commune_key, r.commune) for r in rows if r.commune_key and r.commune})
        self.by_folded = communes_named(self.known)
        self.folded_names = sorted(self.by_folded)  # what a question is matched against
        code = {key: i for i, key in enumerate(self.communes)}
        self._commune_codes = np.asarray([code.get(r.commune_key, -1) for r in rows], dtype=np.int32)
        self.classified = np.asarray([r.classified for r in rows], dtype=bool)

    @property
    def size(self) -> int:
        return len(self.rows)

    @cached_property
    def _by_document(self) -> dict[str, list[int]]:
        rows: dict[str, list[int]] = {}
        for i, row in enumerate(self.rows):
            rows.setdefault(row.document_id, []).append(i)
        return rows

    def _allowed(self, communes: list[str] | None, classified: bool) -> np.ndarray | None:
        """Which rows the scope may read (None: all)."""
        allowed = None
        if communes is not None:
            asked = set(communes)
            allowed = np.isin(self._commune_codes, [i for i, key in enumerate(self.communes) if key in asked])
        if not classified and self.classified.any():
            allowed = ~self.classified if allowed is None else allowed & ~self.classified
        return allowed

    def lexical(
        self, terms: list[str], k: int, communes: list[str] | None, classified: bool
    ) -> list[tuple[IndexedPassage, float]]:
        allowed = self._allowed(communes, classified)
        if allowed is not None and not allowed.any():
            return []
        return [(self.rows[h.row], h.score) for h in self.index.search(terms, k, allowed)]

    def passages(self, ids: Collection[str], communes: list[str] | None, classified: bool) -> list[IndexedPassage]:
        found = [self.rows[i] for i in (self.position.get(pid) for pid in ids) if i is not None]
        asked = None if communes is None else set(communes)
        return [r for r in found if (asked is None or r.commune_key in asked) and (classified or not r.classified)]

    def document_passages(self, document_id: str) -> list[IndexedPassage]:
        return [self.rows[i] for i in self._by_document.get(document_id, [])]

    def document_frequencies(self, terms: Collection[str]) -> dict[str, int]:
        return {t: len(self.index.rows_with(t)) for t in terms if t in self.index.vocabulary}

    def holding(self, document_ids: Collection[str], terms: Collection[str]) -> dict[str, set[str]]:
        # A document's few rows against each term's postings, which may be most of the corpus.
        postings = {t: self.index.rows_with(t) for t in terms}
        return {
            d: {t for t, rows in postings.items() if np.isin(self._by_document.get(d, []), rows).any()}
            for d in document_ids
        }

    def containing(
        self, phrases: list[list[str]], communes: list[str] | None, classified: bool, limit: int
    ) -> list[IndexedPassage]:
        matching: set[int] = set()
        for phrase in phrases:
            rows = [set(self.index.rows_with(t).tolist()) for t in phrase]
            matching |= set.intersection(*rows) if rows else set()
        allowed = self._allowed(communes, classified)
        start = {doc: rows[0] for doc, rows in self._by_document.items()}  # rows are in the order of ingest
        wanted = (i for i in matching if allowed is None or allowed[i])
        latest = sorted(wanted, key=lambda i: (-start[self.rows[i].document_id], i))
        return [self.rows[i] for i in latest[:limit]]

    def changed(self, generation: int, ready: set[str], added: list[IndexedPassage]) -> PassageIndex:
        """The next snapshot: this one's passages of documents still in `ready`, then `added`."""
        keep = [i for i, row in enumerate(self.rows) if row.document_id in ready]
        rows = [self.rows[i] for i in keep] + added
        return PassageIndex(rows, generation, self.index.extended(np.asarray(keep, dtype=np.int64), _terms(added)))


def _terms(rows: list[IndexedPassage]) -> Iterator[list[str]]:
    return (passage_terms(r.title, r.number, r.date, r.section_path, r.text) for r in rows)


class SnapshotFile:
    """The last snapshot on disk, for the next start. It is only a head start: the store is
    the truth, and a snapshot read back is reconciled with it like any previous snapshot
    (documents no longer ready dropped, the missing ones read). A file written by other code
    (tokeniser, unit registry, libraries) is ignored, as is a damaged one."""

    def __init__(self, path: Path, units: UnitRegistry) -> None:
        self.path = path
        self.fingerprint = _fingerprint(units)

    def read(self) -> PassageIndex | None:
        try:
            with self.path.open("rb") as stream:
                fingerprint, index = pickle.load(stream)  # our own file in the data directory, beside the database
        except FileNotFoundError:
            return None
        except Exception as exc:  # damaged, truncated, or from other versions of the libraries
            log.warning("search snapshot %s unreadable (%s): rebuilding", self.path, type(exc).__name__)
            return None
        return index if fingerprint == self.fingerprint and isinstance(index, PassageIndex) else None

    def write(self, index: PassageIndex) -> None:
        temporary = self.path.with_name(f"{self.path.name}.{os.getpid()}.{threading.get_ident()}")
        try:
            with temporary.open("wb") as stream:
                pickle.dump((self.fingerprint, index), stream, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(temporary, self.path)  # readers see the old file or the new one, never half
        except OSError as exc:
            log.warning("search snapshot not saved (%s)", exc)
            temporary.unlink(missing_ok=True)


def _fingerprint(units: UnitRegistry) -> str:
    """What a snapshot's content depends on besides the store: the code that tokenises and
    tags passages, the unit registry, and the libraries that pickle it."""
    from rag import communes, text
    from rag import units as units_module
    from rag.search import corpus, lexical, vocabulary

    digest = hashlib.sha256(sys.version.encode() + np.__version__.encode())
    for module in (sys.modules[__name__], corpus, lexical, vocabulary, text, units_module, communes):
        digest.update(Path(module.__file__ or "").read_bytes())
    for name in units.canonical_names:
        digest.update(repr((name, units.aliases(name))).encode())
    return digest.hexdigest()


class Snapshots:
    """The current snapshot, brought up to date when another process or call changed the
    store (the generation counter): only documents added since are read and tokenised."""

    def __init__(self, sessions: sessionmaker[Session], units: UnitRegistry, file: SnapshotFile | None = None) -> None:
        self.sessions = sessions
        self.units = units
        self.file = file
        self._index: PassageIndex | None = None
        self._lock = threading.Lock()
        self._saving: threading.Thread | None = None

    def saved(self) -> None:
        """Wait until the last snapshot is on disk (tests; a process exit waits by itself)."""
        if self._saving is not None:
            self._saving.join()

    def current(self) -> PassageIndex:
        with self.sessions() as session:
            generation = documents.generation(session)
        with self._lock:
            if self._index is None and self.file is not None and (stored := self.file.read()) is not None:
                self._index = self._load(generation, stored)  # reconciled even at the same generation
            if self._index is None or self._index.generation != generation:
                self._index = self._load(generation, self._index)
                if self.file is not None:  # beside the question being asked, which does not wait; finished before exit
                    self._saving = threading.Thread(target=self.file.write, args=(self._index,))
                    self._saving.start()
            return self._index

    def _load(self, generation: int, previous: PassageIndex | None) -> PassageIndex:
        with self.sessions() as session:
            ready = set(session.scalars(select(Document.id).where(Document.status == READY)))
        known = {row.document_id for row in previous.rows} if previous else set()
        added = self._rows(ready - known)
        if previous is None:
            return PassageIndex(added, generation)
        if previous.generation == generation and not added and known == ready:
            return previous
        return previous.changed(generation, ready, added)

    def _rows(self, document_ids: set[str]) -> list[IndexedPassage]:
        # Columns, not ORM objects: a province's store holds 100,000 passages, and documents'
        # full texts are not needed here.
        D, P = Document, Passage
        query = PASSAGE_COLUMNS.order_by(D.ingested_at, D.id, P.ordinal)
        reader = PassageReader(self.units, shared=True)
        rows: list[IndexedPassage] = []
        with self.sessions() as session:
            # in the order they became searchable, as PostgreSQL's rows
            order = session.scalars(select(D.id).where(D.status == READY).order_by(D.ingested_at, D.id))
            ids = [i for i in order if i in document_ids]
            for start in range(0, len(ids), 500):  # bounded IN lists
                rows += map(reader.passage, session.execute(query.where(D.id.in_(ids[start : start + 500]))))
        return rows
